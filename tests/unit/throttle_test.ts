// The rate limit for repeated log lines, on an injected clock.
import assert from "node:assert/strict";
import { createLogger } from "../../lib/log/logger.ts";
import {
  Throttle,
  THROTTLE_INTERVAL_MS,
  throttleLogger,
} from "../../lib/log/throttle.ts";

function clock() {
  const c = { time: 1_000_000, now: () => c.time };
  return c;
}

Deno.test("a repeated key passes once per interval, with the count held back", () => {
  const c = clock();
  const throttle = new Throttle({ now: c.now });
  assert.equal(THROTTLE_INTERVAL_MS, 60_000);
  assert.equal(throttle.pass("x"), 0);
  for (let i = 0; i < 500; i++) {
    c.time += 100;
    assert.equal(throttle.pass("x"), null, `repeat ${i} at ${c.time}`);
  }
  // 50 s since the first: still held back.
  c.time += 9_999;
  assert.equal(throttle.pass("x"), null);
  // The interval counts from the last line let through, not the last repeat.
  c.time += 1;
  assert.equal(throttle.pass("x"), 501);
  assert.equal(throttle.pass("x"), null);
  c.time += 60_000;
  assert.equal(throttle.pass("x"), 1);
  c.time += 60_000;
  assert.equal(throttle.pass("x"), 0);
});

Deno.test("keys are counted apart", () => {
  const c = clock();
  const throttle = new Throttle({ intervalMs: 10, now: c.now });
  assert.equal(throttle.pass("a"), 0);
  assert.equal(throttle.pass("b"), 0);
  assert.equal(throttle.pass("a"), null);
  assert.equal(throttle.pass("a"), null);
  assert.equal(throttle.pass("b"), null);
  c.time += 10;
  assert.equal(throttle.pass("b"), 1);
  assert.equal(throttle.pass("a"), 2);
});

Deno.test("the throttled logger: per level and message, the fields may differ", () => {
  const c = clock();
  const lines: string[] = [];
  const log = throttleLogger(
    createLogger({
      level: "debug",
      format: "text",
      write: (l) => lines.push(l),
    }),
    new Throttle({ now: c.now }),
  );
  for (let i = 0; i < 100; i++) {
    log.warn("cannot re-arm", { try: i });
    log.error("cannot re-arm");
    log.warn("another");
  }
  assert.deepEqual(lines, [
    "guillotine: warn: cannot re-arm try=0",
    "guillotine: error: cannot re-arm",
    "guillotine: warn: another",
  ]);
  c.time += 60_000;
  log.warn("cannot re-arm", { try: 100 });
  assert.equal(
    lines.at(-1),
    "guillotine: warn: cannot re-arm try=100 suppressed_repeats=99",
  );
});

Deno.test("the default clock is the real one", async () => {
  const throttle = new Throttle({ intervalMs: 20 });
  assert.equal(throttle.pass("x"), 0);
  assert.equal(throttle.pass("x"), null);
  const start = performance.now();
  // Poll until the interval is over on the real clock; no fixed sleep.
  let held: number | null = null;
  while (held === null) {
    await new Promise((r) => setTimeout(r, 5));
    held = throttle.pass("x");
    assert.ok(performance.now() - start < 5_000, "the interval never ended");
  }
  assert.ok(performance.now() - start >= 20);
  assert.ok(held >= 1);
});
