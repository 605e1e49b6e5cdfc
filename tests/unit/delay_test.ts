// The one helper for waiting (lib/runtime/delay.ts): a pause that an abort
// cuts short, a bound on work that may never end, tries again after pauses.
import assert from "node:assert/strict";
import { delay, pacer, retry, within } from "../../lib/runtime/delay.ts";

Deno.test("delay: waits its time, or ends at once when aborted", async () => {
  let started = performance.now();
  await delay(30);
  assert.ok(performance.now() - started >= 25);
  const stop = new AbortController();
  started = performance.now();
  const waiting = delay(60_000, stop.signal);
  stop.abort();
  await waiting;
  await delay(60_000, stop.signal);
  assert.ok(performance.now() - started < 1000);
});

Deno.test("within: the value in time, else null; a late value is disposed, a late failure dropped", async () => {
  assert.equal(await within(Promise.resolve("now"), 1000), "now");
  await assert.rejects(within(Promise.reject(new Error("in time")), 1000), {
    message: "in time",
  });
  const late = Promise.withResolvers<string>();
  const disposed: string[] = [];
  assert.equal(
    await within(late.promise, 5, { dispose: (v) => disposed.push(v) }),
    null,
  );
  late.resolve("conn");
  await late.promise;
  await delay(0);
  assert.deepEqual(disposed, ["conn"]);
  // Without a time limit, the signal alone.
  const stop = new AbortController();
  const never = within(new Promise(() => {}), Infinity, {
    signal: stop.signal,
  });
  stop.abort();
  assert.equal(await never, null);
  const failing = Promise.withResolvers<never>();
  assert.equal(await within(failing.promise, 1), null);
  failing.reject(new Error("late"));
});

Deno.test("retry: until done, within its tries, pausing as told, and stops on abort", async () => {
  const pauses: number[] = [];
  let calls = 0;
  const done = await retry(() => Promise.resolve(++calls), {
    done: (n) => n === 3,
    pauseMs: (tried) => (pauses.push(tried), 1),
  });
  assert.deepEqual(done, { result: 3, tries: 3 });
  assert.deepEqual(pauses, [1, 2]);

  calls = 0;
  const capped = await retry(() => Promise.resolve(++calls), {
    done: () => false,
    pauseMs: () => 1,
    attempts: 2,
  });
  assert.deepEqual(capped, { result: 2, tries: 2 });

  const stop = new AbortController();
  const started = performance.now();
  const stopped = retry(() => Promise.resolve(0), {
    done: () => false,
    pauseMs: () => 60_000,
    signal: stop.signal,
  });
  await delay(5);
  stop.abort();
  assert.deepEqual(await stopped, { result: 0, tries: 1 });
  assert.ok(performance.now() - started < 1000);
});

Deno.test("pacer: the free calls of a window go at once, the others wait, an abort ends the wait", async () => {
  const stop = new AbortController();
  const pace = pacer({ free: 3, windowMs: 200, ms: 40 }, stop.signal);
  let started = performance.now();
  for (let i = 0; i < 3; i++) await pace();
  assert.ok(performance.now() - started < 30);
  await pace();
  assert.ok(performance.now() - started >= 35);
  await delay(200);
  started = performance.now();
  await pace();
  assert.ok(performance.now() - started < 30, "a new window");
  const slow = pacer({ free: 0, windowMs: 60_000, ms: 60_000 }, stop.signal);
  const waiting = slow();
  stop.abort();
  await waiting;
});
