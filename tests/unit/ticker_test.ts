import assert from "node:assert/strict";
import { every } from "../../lib/runtime/ticker.ts";

Deno.test("every refuses an interval that is not positive", () => {
  for (const ms of [0, -1, NaN]) {
    assert.throws(() => every(ms, () => {}), {
      name: "RangeError",
      message: /positive/,
    });
  }
});

Deno.test("every ticks until stopped, on V8's timer alone", async () => {
  // Deno's timers keep a test's event loop alive, where guillotine's signal
  // listeners keep its own; the ticks themselves come from Atomics.waitAsync.
  const alive = setTimeout(() => {}, 60_000);
  try {
    let ticks = 0;
    const { promise, resolve } = Promise.withResolvers<void>();
    const ticker = every(2, () => {
      if (++ticks === 5) {
        ticker.stop();
        resolve();
      }
    });
    await promise;
    assert.equal(ticks, 5);
  } finally {
    clearTimeout(alive);
  }
});
