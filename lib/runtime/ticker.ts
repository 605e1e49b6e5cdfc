/**
 * Periodic work without Deno's timers, whose module loads on first use and
 * holds the one JS thread (measured: ~5 ms with a code cache, 8–10 ms with
 * `--no-code-cache` as compiled) while a signal waits. `Atomics.waitAsync` is
 * V8's own timer: free to set up, and it keeps no event loop alive.
 */

/** A periodic call; `stop` ends the pending wait, no call after it. */
export type Ticker = { stop(): void };

/** Calls `tick` every `ms` (> 0) after the previous call returned, first after `ms`. */
export function every(ms: number, tick: () => void): Ticker {
  // A zero wait would end at once: the ticks would never yield the loop.
  if (!(ms > 0)) {
    throw new RangeError(`Cannot tick every "${ms}" ms: give a positive time`);
  }
  // Its own cell, so that notifying it wakes this ticker's wait alone.
  const cell = new Int32Array(new SharedArrayBuffer(4));
  let stopped = false;
  (async () => {
    while (!stopped) {
      await Atomics.waitAsync(cell, 0, 0, ms).value;
      if (!stopped) tick();
    }
  })();
  return {
    stop() {
      stopped = true;
      Atomics.notify(cell, 0);
    },
  };
}
