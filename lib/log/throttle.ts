/**
 * Rate limits for log lines that a loop could repeat without end (a warning
 * on every file event and every poll): the first line is written, repeats
 * within the interval are counted but not written, and the next line written
 * says how many were held back.
 *
 * @module
 */

import type { LogFields, Logger, LogLevel } from "./logger.ts";

/** How often one repeated line is written at most: once a minute. */
export const THROTTLE_INTERVAL_MS = 60_000;

/** What {@linkcode Throttle} needs; `now` is injectable for tests. */
export interface ThrottleOptions {
  /** The least time between two lines with the same key. */
  intervalMs?: number;
  /** Milliseconds on a clock that does not go back. */
  now?: () => number;
}

/**
 * Decides which repeats of a line to let through: the first, then one per
 * interval at most. Pure: its only input besides the keys is `now`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Throttle } from "./throttle.ts";
 *
 * let time = 0;
 * const throttle = new Throttle({ intervalMs: 1000, now: () => time });
 * assert.equal(throttle.pass("a"), 0);
 * assert.equal(throttle.pass("a"), null);
 * assert.equal(throttle.pass("b"), 0);
 * time = 1000;
 * assert.equal(throttle.pass("a"), 1);
 * ```
 */
export class Throttle {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #last = new Map<string, { at: number; held: number }>();

  constructor(options: ThrottleOptions = {}) {
    this.#intervalMs = options.intervalMs ?? THROTTLE_INTERVAL_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Counts one occurrence of the line `key`.
   *
   * @returns null to hold it back, else how many repeats were held back
   *   since this key was last let through (0 the first time).
   */
  pass(key: string): number | null {
    const now = this.#now();
    const last = this.#last.get(key);
    if (last && now - last.at < this.#intervalMs) {
      last.held++;
      return null;
    }
    this.#last.set(key, { at: now, held: 0 });
    return last?.held ?? 0;
  }
}

/**
 * A logger that writes each line (same level and message; the fields may
 * differ) at most once per interval of `throttle`. A line written after held
 * back repeats carries their number as `suppressed_repeats`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLogger } from "./logger.ts";
 * import { Throttle, throttleLogger } from "./throttle.ts";
 *
 * let time = 0;
 * const lines: string[] = [];
 * const log = throttleLogger(
 *   createLogger({ level: "info", format: "text", write: (l) => lines.push(l) }),
 *   new Throttle({ intervalMs: 60_000, now: () => time }),
 * );
 * log.warn("disk full");
 * log.warn("disk full");
 * log.warn("disk full");
 * time = 60_000;
 * log.warn("disk full");
 * assert.deepEqual(lines, [
 *   "guillotine: warn: disk full",
 *   "guillotine: warn: disk full suppressed_repeats=2",
 * ]);
 * ```
 */
export function throttleLogger(
  log: Logger,
  throttle: Throttle = new Throttle(),
): Logger {
  const at = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
    const held = throttle.pass(`${level}\0${message}`);
    if (held === null) return;
    log[level](
      message,
      held ? { ...fields, suppressed_repeats: held } : fields,
    );
  };
  return {
    error: at("error"),
    warn: at("warn"),
    info: at("info"),
    debug: at("debug"),
  };
}
