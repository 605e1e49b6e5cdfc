/**
 * Addresses as users write them: `HOST:PORT`, `[IPV6]:PORT`, or a bare
 * `PORT`. Used by `--wait-for tcp:` gates and by `--listen` alike.
 *
 * @module
 */

/** A host name or IP address and a port from 1 to 65535. */
export interface HostPort {
  hostname: string;
  port: number;
}

/**
 * Parses `HOST:PORT`, `[IPV6]:PORT`, or a bare `PORT` (then `defaultHost`).
 *
 * @param text What the user wrote.
 * @param defaultHost The host of a bare port; null when a bare port is not
 *   allowed.
 * @returns The parts, or null when the text is not of that form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHostPort } from "./host_port.ts";
 *
 * assert.deepEqual(parseHostPort("9090", "127.0.0.1"), {
 *   hostname: "127.0.0.1",
 *   port: 9090,
 * });
 * assert.deepEqual(parseHostPort("[::1]:80", null), { hostname: "::1", port: 80 });
 * assert.equal(parseHostPort("9090", null), null);
 * assert.equal(parseHostPort("db:70000", null), null);
 * ```
 */
export function parseHostPort(
  text: string,
  defaultHost: string | null,
): HostPort | null {
  if (/^\d{1,5}$/.test(text)) {
    return defaultHost === null ? null : withPort(defaultHost, text);
  }
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]\s]+)):(\d{1,5})$/.exec(
    text,
  );
  return match ? withPort(match[1] ?? match[2], match[3]) : null;
}

function withPort(hostname: string, digits: string): HostPort | null {
  const port = Number(digits);
  return port >= 1 && port <= 65535 ? { hostname, port } : null;
}

/**
 * Parses the quit endpoint's address (`--listen`): a bare port means the
 * loopback, so that nothing outside the pod reaches it unless asked for.
 *
 * @throws {RangeError} When the text is not an address with a usable port.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseListenAddress } from "./host_port.ts";
 *
 * assert.deepEqual(parseListenAddress("9091"), {
 *   hostname: "127.0.0.1",
 *   port: 9091,
 * });
 * assert.throws(() => parseListenAddress("0"), RangeError);
 * ```
 */
export function parseListenAddress(text: string): HostPort {
  const address = parseHostPort(text.trim(), "127.0.0.1");
  if (!address) {
    throw new RangeError(
      `Cannot parse listen address "${text}": use PORT, HOST:PORT or [IPV6]:PORT, with a port from 1 to 65535`,
    );
  }
  return address;
}
