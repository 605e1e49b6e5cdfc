// As the child starts, guillotine warms its signal path with a signal to
// itself (lib/pid1/forwarder.ts): the child never sees it, the child does not
// wait for it, and a mask that blocks it does not stop guillotine.
import assert from "node:assert/strict";
import {
  DENO,
  eventsOf,
  findEvent,
  FIXTURES,
  guillotineArgv,
  noEvent,
  requireCommand,
  sampleProcess,
  sleep,
  spawn,
  start,
} from "../harness/mod.ts";

Deno.test("the signal path is warmed as the child starts, not before; the child never sees the warm-up signal", async () => {
  await using g = start([
    "--log-format",
    "json",
    "--log-level",
    "debug",
    "--",
    DENO,
    "run",
    "-A",
    `${FIXTURES}recorder.ts`,
  ]);
  await g.waitForStdout(/ready/);
  await g.kill("SIGTERM");
  assert.deepEqual((await g.status()).code, 0, g.stderr);
  const events = g.events;
  const index = (msg: string, signal?: string) =>
    events.findIndex((e) => e.msg === msg && e.signal === signal);
  const warmed = index("warmed the signal path", "SIGWINCH");
  const started = index("child started");
  // After the spawn: the child does not wait for it (#19).
  assert.ok(started >= 0 && warmed > started, g.stderr);
  for (const how of ["exiting", "ignored"]) {
    noEvent(events, {
      msg: `received SIGWINCH before the child started: ${how}`,
    }, g.stderr);
  }
  const received = g.stdout.split("\n").filter((l) => l.startsWith("SIG"));
  assert.deepEqual(received, ["SIGTERM"]);
});

/**
 * guillotine started with `signals` blocked from exec on (python blocks them,
 * then execs it): the mask goes through exec to every thread Deno makes, so a
 * signal to itself would stay pending for ever.
 */
function startBlocking(signals: string[]) {
  requireCommand("python3", "apt-get install python3");
  const set = signals.map((s) => `signal.${s}`).join(", ");
  const block = [
    "import os, signal, sys",
    `signal.pthread_sigmask(signal.SIG_BLOCK, {${set}})`,
    "os.execv(sys.argv[1], sys.argv[1:])",
  ].join("\n");
  return spawn([
    "python3",
    "-c",
    block,
    ...guillotineArgv([
      "--log-format",
      "json",
      "--log-level",
      "debug",
      "--",
      "echo",
      "ran",
    ]),
  ], { what: `guillotine with ${signals.join(" and ")} blocked` });
}

Deno.test("with its warm-up signals blocked from exec on, guillotine starts the child all the same", async () => {
  await using g = startBlocking(["SIGWINCH", "SIGURG"]);
  const status = await g.status(20_000);
  assert.deepEqual(status.code, 0, g.stderr);
  assert.match(g.stdout, /^ran$/m);
  findEvent(eventsOf(g.stderr), {
    level: "debug",
    msg: "the signal path is not warmed: its signals are blocked",
  }, g.stderr);
});

Deno.test("with only the first warm-up signal blocked, guillotine warms with the next", async () => {
  await using g = startBlocking(["SIGWINCH"]);
  const status = await g.status(20_000);
  assert.deepEqual(status.code, 0, g.stderr);
  findEvent(eventsOf(g.stderr), {
    msg: "warmed the signal path",
    signal: "SIGURG",
  }, g.stderr);
});

/** guillotine's wake-ups (context switches, all threads) over `ms`. */
async function wakeUpsOver(pid: number, ms: number): Promise<number> {
  const before = sampleProcess(pid);
  await sleep(ms);
  const after = sampleProcess(pid);
  assert.ok(before && after, "guillotine is gone");
  let sum = 0;
  for (const t of after.threads) {
    const was = before.threads.find((u) => u.tid === t.tid);
    sum += t.switches - (was?.switches ?? 0);
  }
  return sum;
}

Deno.test("once the child runs, the warm-up leaves nothing behind that wakes guillotine", async () => {
  // The warm-up's bound ticks every 200 ms until stopped: left running, it
  // would wake guillotine 5 times a second for its whole life, where idle
  // it wakes well under once a second (docs/benchmarks.md).
  await using g = start(["--log-format", "json", "sleep", "1000"]);
  await g.waitForEvent({ msg: "child started" });
  const pid = await g.pid();
  // A measurement over a window, not a wait for a condition: the start-up's
  // last work first, then 2 s of idling.
  await sleep(500);
  const wakeUps = await wakeUpsOver(pid, 2_000);
  assert.ok(wakeUps < 8, `${wakeUps} wake-ups in 2 s idle`);
});
