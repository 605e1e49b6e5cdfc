/** Durations: `500ms`, `10s`, `2m`, `1h`, or bare seconds (`0.5`), as `terminationGracePeriodSeconds`. */
import { cannotParse } from "./choice.ts";

const UNITS: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };

/**
 * A duration in whole milliseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./duration.ts";
 * assert.equal(parseDuration("1.5s"), 1500);
 * assert.throws(() => parseDuration("5 parsecs"));
 * ```
 */
export function parseDuration(text: string): number {
  const fail = (why: string) => cannotParse("duration", text, why);
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) {
    throw fail(
      `expected a number with an optional unit ms, s, m or h, such as "500ms" or "10s"`,
    );
  }
  const scale = UNITS[match[2].toLowerCase() || "s"];
  if (scale === undefined) {
    throw fail(`unknown unit "${match[2]}", use ms, s, m or h`);
  }
  const ms = Math.round(Number(match[1]) * scale);
  // setTimeout's limit.
  if (!Number.isSafeInteger(ms) || ms > 2_147_483_647) throw fail("too long");
  return ms;
}

/** The shortest exact form, as the logs and the help show it: `30s`, `500ms`, `2m`, `1.5s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}
