/**
 * Quit URLs as users write them (`--quit-url`): an http(s):// URL, or a
 * preset `NAME[:PORT]`: each proxy's loopback quit endpoint, from its source.
 * istio: pilot-agent's status port, POST from localhost (pilot/cmd/pilot-agent/
 * status/server.go). envoy: admin, POST; 9901 is only the docs' example.
 * linkerd: admin 127.0.0.1:4191 (linkerd/app/src/env.rs), POST from loopback,
 * only with config.linkerd.io/proxy-admin-shutdown: enabled. cloud-sql-proxy:
 * v2's --admin-port 9091, only with its --quitquitquit flag (cmd/root.go).
 */
import { cannotParse } from "./choice.ts";

/** Where and how a quit request goes; `text` is what the user wrote. */
export type QuitTarget = { text: string; url: string; method: "POST" };

/** The presets by name: the port and path of each proxy's quit endpoint. */
export const QUIT_PRESETS: Readonly<Record<string, [number, string]>> = {
  istio: [15020, "/quitquitquit"],
  envoy: [9901, "/quitquitquit"],
  linkerd: [4191, "/shutdown"],
  "cloud-sql-proxy": [9091, "/quitquitquit"],
};

const NAMES = Object.keys(QUIT_PRESETS).join(", ");

/** Fetch's "bad ports" (exactly Deno 2.9's): such a quit URL fails at start-up, not at the end. */
// deno-fmt-ignore
export const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79,
  87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135,
  137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531,
  532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720,
  1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
  6668, 6669, 6679, 6697, 10080,
]);

/** A quit URL, or a preset as `NAME` or `NAME:PORT`. */
export function parseQuitUrl(text: string): QuitTarget {
  const trimmed = text.trim();
  if (trimmed === "") {
    throw new RangeError(
      `Quit URL is empty: give --quit-url a URL such as http://127.0.0.1:15020/quitquitquit, or a preset: ${NAMES}`,
    );
  }
  const [url, port] = trimmed.includes("://")
    ? fromUrl(trimmed)
    : fromPreset(trimmed);
  if (FETCH_BAD_PORTS.has(port)) {
    throw new RangeError(
      `Quit URL "${trimmed}" uses port ${port}, which HTTP clients refuse to reach (a Fetch standard "bad port"): serve the endpoint on another port`,
    );
  }
  return { text: trimmed, url, method: "POST" };
}

function fromUrl(text: string): [string, number] {
  const url = URL.parse(text);
  if (!url) {
    throw cannotParse(
      "quit URL",
      text,
      "write it whole, as http://127.0.0.1:15020/quitquitquit",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RangeError(
      `Quit URL "${text}" is not http or https: guillotine sends an HTTP request, so use http:// or https://`,
    );
  }
  if (url.username || url.password) {
    throw new RangeError(
      `Quit URL "${text}" holds a user name or password, which HTTP clients refuse to send: remove them`,
    );
  }
  return [url.href, Number(url.port || (url.protocol === "https:" ? 443 : 80))];
}

function fromPreset(text: string): [string, number] {
  const match = /^([a-z-]+)(?::(\d{1,5}))?$/i.exec(text);
  const name = match?.[1].toLowerCase() ?? "";
  if (!match || !Object.hasOwn(QUIT_PRESETS, name)) {
    throw new RangeError(
      `Unknown quit preset "${text}": give a URL with http:// or https://, or one of ${NAMES} (NAME:PORT changes the port)`,
    );
  }
  const [defaultPort, path] = QUIT_PRESETS[name];
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (port < 1 || port > 65535) {
    throw cannotParse("quit preset", text, "the port must be from 1 to 65535");
  }
  return [`http://127.0.0.1:${port}${path}`, port];
}
