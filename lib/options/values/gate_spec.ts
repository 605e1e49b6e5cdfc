/** Readiness gates as users write them for `--wait-for`; the checks are in lib/triggers/gates.ts. */
import { cannotParse } from "./choice.ts";
import { parseHostPort } from "./host_port.ts";

export type GateSpec =
  | { kind: "file"; path: string; text: string }
  | { kind: "unix"; path: string; text: string }
  | { kind: "tcp"; hostname: string; port: number; text: string }
  | { kind: "http"; url: string; text: string };

/** `file:PATH`, `unix:PATH`, `tcp:HOST:PORT` (`tcp:[::1]:5432`), `http(s)://...`. */
export function parseGateSpec(text: string): GateSpec {
  const fail = (why: string): never => {
    throw cannotParse(
      "wait-for",
      text,
      `${why}; use file:PATH, unix:PATH, tcp:HOST:PORT or an http:// or https:// URL`,
    );
  };
  if (/^https?:\/\//i.test(text)) {
    const url = URL.parse(text)?.href ?? fail("not a valid URL");
    return { kind: "http", url, text };
  }
  const colon = text.indexOf(":");
  if (colon < 0) return fail("no kind");
  const kind = text.slice(0, colon).toLowerCase();
  const rest = text.slice(colon + 1);
  if (kind === "file" || kind === "unix") {
    return rest === "" ? fail("empty path") : { kind, path: rest, text };
  }
  if (kind === "tcp") {
    const { hostname, port } = parseHostPort(rest, null) ??
      fail("expected HOST:PORT");
    return { kind, hostname, port, text };
  }
  return fail(`unknown kind "${kind}"`);
}
