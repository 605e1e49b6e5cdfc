/**
 * Rate limits for log lines a loop could repeat without end (a warning on
 * every file event or poll): the first is written, repeats within the
 * interval only counted, and the next line written says how many were held.
 */

import { leveled, type Logger } from "./logger.ts";

/** How often one repeated line is written at most: once a minute. */
export const THROTTLE_INTERVAL_MS = 60_000;

/** Which repeats of a line go through: the first, then one per interval. */
export class Throttle {
  readonly #last = new Map<string, { at: number; held: number }>();

  /** `now`: milliseconds on a clock that does not go back. */
  constructor(
    private readonly clock: { intervalMs?: number; now?: () => number } = {},
  ) {}

  /** Null to hold `key` back, else how many repeats were held since it last passed. */
  pass(key: string): number | null {
    const { intervalMs = THROTTLE_INTERVAL_MS, now } = this.clock;
    const at = now?.() ?? performance.now();
    const last = this.#last.get(key);
    if (last && at - last.at < intervalMs) {
      last.held++;
      return null;
    }
    this.#last.set(key, { at, held: 0 });
    return last?.held ?? 0;
  }
}

/**
 * Writes each line (same level and message; fields may differ) at most once
 * per interval, with the repeats held back since as `suppressed_repeats`.
 */
export function throttleLogger(
  log: Logger,
  throttle: Throttle = new Throttle(),
): Logger {
  return leveled((level) => (message, fields = {}) => {
    const held = throttle.pass(`${level}\0${message}`);
    if (held === null) return;
    log[level](
      message,
      held ? { ...fields, suppressed_repeats: held } : fields,
    );
  });
}
