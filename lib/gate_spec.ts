/**
 * Readiness gates as users write them for `--wait-for`. Parsing only; the
 * checks themselves live in `gates.ts`, loaded only when a gate is given.
 *
 * @module
 */

/** One thing to wait for before the child starts. */
export type GateSpec =
  | { kind: "file"; path: string; text: string }
  | { kind: "unix"; path: string; text: string }
  | { kind: "tcp"; hostname: string; port: number; text: string }
  | { kind: "http"; url: string; text: string };

/**
 * Parses `file:PATH`, `unix:PATH`, `tcp:HOST:PORT` (`tcp:[::1]:5432` for
 * IPv6), `http://...` or `https://...`.
 *
 * @throws {RangeError} For anything else.
 *
 * @example
 * ```ts
 * import { parseGateSpec } from "./gate_spec.ts";
 * const gate = parseGateSpec("tcp:127.0.0.1:5432");
 * console.assert(gate.kind === "tcp" && gate.port === 5432);
 * ```
 */
export function parseGateSpec(text: string): GateSpec {
  const fail = (why: string): never => {
    throw new RangeError(
      `Cannot parse wait-for "${text}": ${why}; use file:PATH, unix:PATH, tcp:HOST:PORT or an http:// or https:// URL`,
    );
  };
  if (/^https?:\/\//i.test(text)) {
    try {
      return { kind: "http", url: new URL(text).href, text };
    } catch {
      return fail("not a valid URL");
    }
  }
  const colon = text.indexOf(":");
  if (colon < 0) return fail("no kind");
  const kind = text.slice(0, colon).toLowerCase();
  const rest = text.slice(colon + 1);
  if (kind === "file" || kind === "unix") {
    if (rest === "") return fail("empty path");
    return { kind, path: rest, text };
  }
  if (kind === "tcp") {
    const { hostname, port } = parseHostPort(rest, null) ??
      fail("expected HOST:PORT");
    return { kind, hostname, port, text };
  }
  return fail(`unknown kind "${kind}"`);
}

/**
 * Parses `HOST:PORT`, `[IPV6]:PORT`, or a bare `PORT` (then `defaultHost`).
 *
 * @returns The parts, or null when the text is not of that form.
 *
 * @example
 * ```ts
 * import { parseHostPort } from "./gate_spec.ts";
 * console.assert(parseHostPort("9090", "127.0.0.1")?.hostname === "127.0.0.1");
 * console.assert(parseHostPort("[::1]:80", null)?.hostname === "::1");
 * ```
 */
export function parseHostPort(
  text: string,
  defaultHost: string | null,
): { hostname: string; port: number } | null {
  const match =
    /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]\s]+)):(\d{1,5})$/.exec(text) ??
      (defaultHost !== null && /^(\d{1,5})$/.test(text)
        ? [text, undefined, defaultHost, text]
        : null);
  if (!match) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  return { hostname: match[1] ?? match[2]!, port };
}
