/**
 * Durations as users write them: `500ms`, `10s`, `2m`, `1h`, or a bare number
 * of seconds (`30`, `0.5`), as Kubernetes' `terminationGracePeriodSeconds`.
 *
 * @module
 */

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a duration into milliseconds.
 *
 * @param text What the user wrote.
 * @returns The duration in whole milliseconds.
 * @throws {RangeError} When the text is not a non-negative duration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./duration.ts";
 * assert.equal(parseDuration("1.5s"), 1500);
 * assert.equal(parseDuration("2"), 2000);
 * ```
 */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) {
    throw new RangeError(
      `Cannot parse duration "${text}": expected a number with an optional unit ms, s, m or h, such as "500ms" or "10s"`,
    );
  }
  const unit = match[2].toLowerCase() || "s";
  const scale = UNITS[unit];
  if (scale === undefined) {
    throw new RangeError(
      `Cannot parse duration "${text}": unknown unit "${
        match[2]
      }", use ms, s, m or h`,
    );
  }
  const ms = Math.round(Number(match[1]) * scale);
  if (!Number.isSafeInteger(ms) || ms > 2_147_483_647) {
    throw new RangeError(`Cannot parse duration "${text}": too long`);
  }
  return ms;
}

/**
 * Formats milliseconds the way the logs and the help text show them.
 *
 * @param ms A duration in milliseconds.
 * @returns The shortest exact form: `30s`, `500ms`, `2m`, `1.5s`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./duration.ts";
 * assert.equal(formatDuration(30_000), "30s");
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}
