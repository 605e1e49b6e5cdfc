// The forwarder's rules, with a stand-in inbox and child: which signals end
// guillotine before the child exists, which the warm-up takes, and what goes
// to the child's group once it runs (and what is logged, as JSON events).
import assert from "node:assert/strict";
import { Child } from "../../lib/pid1/child.ts";
import { SignalForwarder } from "../../lib/pid1/forwarder.ts";
import { createLogger } from "../../lib/log/logger.ts";
import { ESRCH } from "../../lib/sys/errno.ts";
import { eventsOf } from "../harness/mod.ts";

/** Above PID_MAX_LIMIT: nobody has it. */
const NOBODY = 4_194_305;

/** A child that records the signals sent to it and answers `error`. */
class RecordingChild extends Child {
  sent: number[] = [];
  error = 0;
  override signal(signal: number): number {
    this.sent.push(signal);
    return this.error;
  }
}

/** A forwarder fed by hand, with its JSON log events. */
function forwarder() {
  const lines: string[] = [];
  const log = createLogger({
    level: "debug",
    format: "json",
    write: (line) => lines.push(line),
  });
  let deliver: (name: Deno.Signal) => void = () => {
    throw new Error("the forwarder did not take the inbox");
  };
  const { promise: interrupted, resolve } = Promise.withResolvers<number>();
  const inbox = {
    deliverTo: (handler: (name: Deno.Signal) => void) => deliver = handler,
  };
  const forwarder = new SignalForwarder(log, inbox, resolve);
  return {
    forwarder,
    interrupted,
    receive: (name: Deno.Signal) => deliver(name),
    events: () => eventsOf(lines.join("\n")),
  };
}

/** Whether `promise` has settled by the next macrotask. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(() => done = true, () => done = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

Deno.test("forwarder: before the child, SIGTERM, SIGINT, SIGHUP and SIGQUIT each end guillotine with their number", async () => {
  const table: [Deno.Signal, number][] = [
    ["SIGTERM", 15],
    ["SIGINT", 2],
    ["SIGHUP", 1],
    ["SIGQUIT", 3],
  ];
  for (const [name, number] of table) {
    const f = forwarder();
    f.receive(name);
    assert.equal(await f.interrupted, number, name);
    assert.deepEqual(
      f.events().map((e) => [e.level, e.msg]),
      [["info", `received ${name} before the child started: exiting`]],
      name,
    );
  }
});

Deno.test("forwarder: before the child, other signals are ignored, and a later SIGTERM still counts", async () => {
  const f = forwarder();
  for (const name of ["SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGPIPE"] as const) {
    f.receive(name);
  }
  assert.equal(await settled(f.interrupted), false);
  assert.deepEqual(
    f.events().map((e) => e.level),
    ["debug", "debug", "debug", "debug"],
  );
  f.receive("SIGTERM");
  assert.equal(await f.interrupted, 15);
});

Deno.test("forwarder: once the child runs, each signal goes to its group, SIGTERM included, and nothing ends guillotine", async () => {
  const f = forwarder();
  const child = new RecordingChild(4242);
  f.forwarder.forwardTo(child);
  f.receive("SIGUSR1");
  f.receive("SIGTERM");
  f.receive("SIGWINCH");
  assert.deepEqual(child.sent, [10, 15, 28]);
  assert.equal(await settled(f.interrupted), false);
  assert.deepEqual(f.events().map((e) => [e.level, e.msg, e.pgid]), [
    ["debug", "forwarded SIGUSR1 to the child's process group", 4242],
    ["debug", "forwarded SIGTERM to the child's process group", 4242],
    ["debug", "forwarded SIGWINCH to the child's process group", 4242],
  ]);
});

Deno.test("forwarder: with the child running, the warm-up (sent as it starts) takes one signal of its kind, and the child gets the next", () => {
  const f = forwarder();
  const child = new RecordingChild(4242);
  f.forwarder.forwardTo(child);
  const standIn = new RecordingChild(NOBODY);
  f.forwarder.warmUp("SIGWINCH", standIn, () => true);
  f.receive("SIGTERM");
  f.receive("SIGWINCH");
  f.receive("SIGWINCH");
  assert.deepEqual([standIn.sent, child.sent], [[0], [15, 28]]);
});

Deno.test("forwarder: a child already gone is a warning naming its group, once for a flood", () => {
  const f = forwarder();
  const child = new RecordingChild(4242);
  child.error = ESRCH;
  f.forwarder.forwardTo(child);
  for (let i = 0; i < 5; i++) f.receive("SIGWINCH");
  assert.equal(child.sent.length, 5);
  const events = f.events();
  assert.deepEqual(events.map((e) => [e.level, e.pgid]), [["warn", 4242]]);
});

Deno.test("forwarder: the warm-up takes its own signal alone, signals the stand-in with 0, and logs nothing", async () => {
  const f = forwarder();
  const standIn = new RecordingChild(NOBODY);
  let sent = 0;
  const warmed = f.forwarder.warmUp("SIGWINCH", standIn, () => ++sent > 0);
  assert.equal(sent, 1);
  // Another signal meanwhile is not the warm-up's: SIGURG is ignored as any
  // signal before the child, SIGTERM still ends guillotine.
  f.receive("SIGURG");
  assert.equal(await settled(warmed), false);
  f.receive("SIGWINCH");
  await warmed;
  assert.deepEqual(standIn.sent, [0]);
  assert.deepEqual(f.events().map((e) => e.msg), [
    "received SIGURG before the child started: ignored",
  ]);
  // Taken once: the same signal again is an ordinary one.
  f.receive("SIGWINCH");
  assert.deepEqual(standIn.sent, [0]);
  assert.equal(f.events().length, 2);
});

Deno.test("forwarder: a SIGTERM during the warm-up still ends guillotine", async () => {
  const f = forwarder();
  const warmed = f.forwarder.warmUp(
    "SIGWINCH",
    new RecordingChild(NOBODY),
    () => true,
  );
  f.receive("SIGTERM");
  assert.equal(await f.interrupted, 15);
  f.receive("SIGWINCH");
  await warmed;
});

Deno.test("forwarder: a warm-up signal that could not be sent ends the wait at once, and is not waited for", async () => {
  const alive = setTimeout(() => {}, 10_000);
  try {
    const f = forwarder();
    const standIn = new RecordingChild(NOBODY);
    const warmed = f.forwarder.warmUp("SIGWINCH", standIn, () => false);
    assert.equal(await settled(warmed), true);
    // A SIGWINCH that comes anyway is an ordinary one.
    f.receive("SIGWINCH");
    assert.deepEqual(standIn.sent, []);
    assert.equal(f.events().length, 1);
  } finally {
    clearTimeout(alive);
  }
});

Deno.test("forwarder: after the warm-up gave up, its late signal is an ordinary one", async () => {
  // The ticker does not keep a test's event loop alive; this timer does.
  const alive = setTimeout(() => {}, 10_000);
  try {
    const f = forwarder();
    const standIn = new RecordingChild(NOBODY);
    await f.forwarder.warmUp("SIGWINCH", standIn, () => true);
    f.receive("SIGWINCH");
    assert.deepEqual(standIn.sent, []);
    assert.deepEqual(f.events().map((e) => e.msg), [
      "received SIGWINCH before the child started: ignored",
    ]);
  } finally {
    clearTimeout(alive);
  }
});
