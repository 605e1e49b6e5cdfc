/**
 * Periodic work without Deno's timers. Deno loads its timer module
 * (setTimeout, setInterval) on first use, which holds its one JavaScript
 * thread for milliseconds (measured here: about 5 ms with a V8 code cache,
 * 8–10 ms with `--no-code-cache`, as guillotine's binary is compiled), and a
 * signal that comes meanwhile waits. `Atomics.waitAsync` with a timeout is
 * V8's own timer, and costs nothing to set up.
 *
 * Unlike a Deno timer it does not keep the event loop alive by itself;
 * guillotine's signal listeners do, for its whole life.
 *
 * So periodic work that runs while a signal may need forwarding fast (the
 * watch's poll, the leases, the warm-up's bound) ticks here; one-off waits
 * where guillotine is ending or waiting anyway (the grace period, the gates,
 * the quit requests, the endpoint's close) use lib/runtime/delay.ts.
 *
 * @module
 */

/** A periodic call, until stopped. */
export interface Ticker {
  /** No call after this one; the pending wait ends at once. */
  stop(): void;
}

/**
 * Calls `tick` every `ms` milliseconds (each wait starts when the previous
 * call has returned), the first time after `ms`.
 *
 * @throws {RangeError} When `ms` is not positive: a zero wait would end at
 *   once, and the ticks would never leave the event loop a turn.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { every } from "./ticker.ts";
 *
 * // Keeps a test's event loop alive, as guillotine's listeners keep its own.
 * const alive = setTimeout(() => {}, 60_000);
 * let ticks = 0;
 * const { promise, resolve } = Promise.withResolvers<void>();
 * const ticker = every(1, () => ++ticks === 3 && resolve());
 * await promise;
 * ticker.stop();
 * clearTimeout(alive);
 * assert.equal(ticks, 3);
 * ```
 */
export function every(ms: number, tick: () => void): Ticker {
  if (!(ms > 0)) {
    throw new RangeError(`Cannot tick every "${ms}" ms: give a positive time`);
  }
  // Its own cell, so that notifying it wakes this ticker's wait alone.
  const cell = new Int32Array(new SharedArrayBuffer(4));
  let stopped = false;
  const run = async () => {
    while (!stopped) {
      await Atomics.waitAsync(cell, 0, 0, ms).value;
      if (!stopped) tick();
    }
  };
  run();
  return {
    stop() {
      stopped = true;
      Atomics.notify(cell, 0);
    },
  };
}
