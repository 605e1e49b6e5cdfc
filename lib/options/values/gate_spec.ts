/**
 * Readiness gates as users write them for `--wait-for`. Parsing only; the
 * checks themselves live in `gates.ts`, loaded only when a gate is given.
 *
 * @module
 */

import { parseHostPort } from "./host_port.ts";

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
 * import assert from "node:assert/strict";
 * import { parseGateSpec } from "./gate_spec.ts";
 *
 * assert.deepEqual(parseGateSpec("tcp:127.0.0.1:5432"), {
 *   kind: "tcp",
 *   hostname: "127.0.0.1",
 *   port: 5432,
 *   text: "tcp:127.0.0.1:5432",
 * });
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
