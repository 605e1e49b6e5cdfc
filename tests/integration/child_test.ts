// The child as guillotine handles it (lib/pid1/child.ts), read from its JSON
// events: what it says when the child starts, what it sends (and does not)
// when the child ends on its own, and a child that left its own group.
import assert from "node:assert/strict";
import {
  eventsOf,
  FIXTURES,
  type Guillotine,
  requireCommand,
  run,
  start,
  tempDir,
} from "../harness/mod.ts";

/** The events that signal the child's group, or find it gone. */
function signalling(events: { msg: string }[]): string[] {
  return events.map((e) => e.msg).filter((m) =>
    m.startsWith("sent ") || m.startsWith("child was already gone") ||
    m.startsWith("cannot send")
  );
}

Deno.test("child: its start is an event with its pid", async () => {
  // Not PID 1, so that guillotine's pid for it is ours too.
  await using g = start(["--log-format", "json", "sleep", "1000"], {
    pid1: false,
  });
  const started = await g.waitForEvent({ msg: "child started" });
  assert.equal(started.level, "info");
  assert.equal(started.pid, await g.childPid());
});

Deno.test("child: a child that ends alone, leaving nobody, is sent nothing", async () => {
  const result = await run([
    "--log-format",
    "json",
    "sh",
    "-c",
    "echo ran; exit 3",
  ]);
  assert.equal(result.code, 3, result.stderr);
  // Started once, without a terminal to hand over: nothing to warn about.
  assert.equal(result.stdout, "ran\n");
  const events = eventsOf(result.stderr);
  assert.deepEqual(signalling(events), [], result.stderr);
  assert.deepEqual(
    events.filter((e) => e.level === "warn" || e.level === "error"),
    [],
  );
});

Deno.test("child: leftovers that end on SIGTERM within the grace period get no SIGKILL", async () => {
  await using dir = await tempDir();
  const result = await run([
    "--log-format",
    "json",
    "--grace-period",
    "30s",
    "sh",
    "-c",
    `(trap 'exit 0' TERM; touch ${dir.path}/trapped; ` +
    `while :; do sleep 0.05; done) & ` +
    `until [ -e ${dir.path}/trapped ]; do sleep 0.01; done`,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(signalling(eventsOf(result.stderr)), [
    "sent SIGTERM to the child's process group: the child left processes behind",
  ]);
});

Deno.test("child: a child that left its own group still gets forwarded signals after an orphan is reaped", async () => {
  // The child moves itself and a helper to a new group, leaving its own
  // group empty; then a grandchild of it is orphaned and reaped by
  // guillotine, which looks at the child's group after each reap. The child
  // is not reaped: its empty group must not count as gone.
  requireCommand("python3", "apt-get install python3");
  await using g = start([
    "--log-format",
    "json",
    "--log-level",
    "debug",
    "python3",
    `${FIXTURES}left_group.py`,
    "orphan",
  ]);
  await g.waitForStdout(/ready True/);
  await g.waitForEvent({ msg: "reaped orphans" });
  await g.kill("SIGUSR1");
  await g.waitForStdout(/got SIGUSR1/);
  assert.equal((await g.status()).code, 0, g.stderr);
});

Deno.test("child: a command found through PATH is not confused with a directory of that name where guillotine runs", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/bin`);
  await Deno.writeTextFile(`${dir.path}/bin/hello`, "#!/bin/sh\necho hi\n");
  // In the working directory, a directory named like the command.
  await Deno.mkdir(`${dir.path}/hello`);
  // pid1: false, as unshare itself is found through PATH.
  const result = await run(["hello"], {
    env: { PATH: `${dir.path}/bin` },
    cwd: dir.path,
    pid1: false,
  });
  assert.equal(result.code, 126, result.stderr);
  // guillotine's own error is its one line, the usage's contract.
  assert.match(
    result.stderr,
    /^guillotine: error: Command "hello" cannot be executed \(EACCES\): permission denied/m,
  );
});

/** guillotine watching DIR/done over `sh -c SCRIPT` (which says ready), logging JSON. */
function watching(dir: string, grace: string, script: string): string[] {
  return [
    "--log-format",
    "json",
    "--watch",
    `${dir}/done`,
    "--grace-period",
    grace,
    "sh",
    "-c",
    script,
  ];
}

/** Makes DIR/done once the child is ready; returns the child's pid. */
async function triggerWhenReady(g: Guillotine, dir: string): Promise<unknown> {
  await g.waitForStdout(/ready/);
  const { pid } = await g.waitForEvent({ msg: "child started" });
  await Deno.writeTextFile(`${dir}/done`, "");
  return pid;
}

Deno.test("child: a child that outlives the grace period is SIGKILLed, and nothing is said to be stuck", async () => {
  await using dir = await tempDir();
  await using g = start(
    watching(dir.path, "300ms", "trap '' TERM; echo ready; exec sleep 1000"),
  );
  const pid = await triggerWhenReady(g, dir.path);
  assert.equal((await g.status()).code, 0, g.stderr);
  const events = g.events;
  assert.deepEqual(signalling(events), [
    "sent SIGTERM to the child's process group",
    "sent SIGKILL to the child's process group: grace period of 300ms is over",
  ]);
  for (const e of events.filter((e) => e.msg.startsWith("sent "))) {
    assert.equal(e.pgid, pid, e.msg);
  }
  const killed = events.filter((e) => e.msg === "child killed by SIGKILL");
  assert.deepEqual(killed.map((e) => [e.level, e.pid]), [["info", pid]]);
  assert.deepEqual(events.filter((e) => e.level === "error"), []);
});

Deno.test("child: a child that ends on the signal is said to, with its pid", async () => {
  await using dir = await tempDir();
  await using g = start(
    watching(dir.path, "30s", "echo ready; exec sleep 1000"),
  );
  const pid = await triggerWhenReady(g, dir.path);
  assert.equal((await g.status()).code, 0, g.stderr);
  const ended = g.events.filter((e) =>
    e.msg === "child killed by SIGTERM after SIGTERM"
  );
  assert.deepEqual(ended.map((e) => [e.level, e.pid]), [["info", pid]]);
  assert.deepEqual(signalling(g.events), [
    "sent SIGTERM to the child's process group",
  ]);
});
