/** Addresses as users write them, for `--wait-for tcp:` and `--listen`. */
import { cannotParse } from "./choice.ts";

export type HostPort = { hostname: string; port: number };

/** `HOST:PORT`, `[IPV6]:PORT`, or a bare `PORT` (on `defaultHost`, if not null); else null. */
export function parseHostPort(
  text: string,
  defaultHost: string | null,
): HostPort | null {
  const match = /^\d{1,5}$/.test(text)
    ? [text, undefined, defaultHost, text]
    : /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]\s]+)):(\d{1,5})$/.exec(text);
  const hostname = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  return hostname && port >= 1 && port <= 65535 ? { hostname, port } : null;
}

/** `--listen`'s address: a bare port means the loopback, so nothing outside the pod reaches it unasked. */
export function parseListenAddress(text: string): HostPort {
  const address = parseHostPort(text.trim(), "127.0.0.1");
  if (address) return address;
  throw cannotParse(
    "listen address",
    text,
    "use PORT, HOST:PORT or [IPV6]:PORT, with a port from 1 to 65535",
  );
}
