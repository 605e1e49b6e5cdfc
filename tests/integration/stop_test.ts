// The graceful stop: the signal to the whole group, SIGKILL after the grace
// period, and no grandchild left behind.
import assert from "node:assert/strict";
import {
  alive,
  eventsLike,
  findEvent,
  FIXTURES,
  type LogEvent,
  pollUntil,
  procInfo,
  start,
  tempDir,
} from "../harness/mod.ts";

const RECORDER = `deno run -A ${FIXTURES}recorder.ts`;
const JSON_LOG = ["--log-format", "json"];

/** The signals guillotine sent to the child's group (events with a pgid). */
function signalsSent(events: LogEvent[]): string[] {
  const pid = findEvent(events, { msg: "child started" }).pid;
  return eventsLike(events, (e) => "pgid" in e).map((e) => {
    assert.equal(e.pgid, pid, JSON.stringify(e));
    return e.msg;
  });
}

Deno.test("a child that ignores SIGTERM is SIGKILLed after the grace period", async () => {
  await using dir = await tempDir();
  await using g = start([
    ...JSON_LOG,
    "--watch",
    `${dir.path}/done`,
    "--grace-period",
    "500ms",
    "sh",
    "-c",
    "trap '' TERM; echo ready; exec sleep 1000",
  ]);
  await g.waitForStdout(/ready/);
  const sent = Date.now();
  await Deno.writeTextFile(`${dir.path}/done`, "");
  const status = await g.status();
  const elapsed = Date.now() - sent;
  assert.deepEqual(status.code, 0, g.stderr);
  assert.deepEqual(signalsSent(g.events), [
    "sent SIGTERM to the child's process group",
    "sent SIGKILL to the child's process group: grace period of 500ms is over",
  ], g.stderr);
  const { pid } = findEvent(g.events, { msg: "child started" });
  findEvent(g.events, { msg: "child killed by SIGKILL", pid }, g.stderr);
  // SIGKILL must not come before the grace period, nor long after it: the
  // bound leaves 4 s for the trigger, the stop and Deno's exit on a loaded
  // machine (the 10 s waits after SIGKILL are well beyond it).
  assert.ok(
    elapsed >= 500,
    `SIGKILL came after ${elapsed} ms, before the grace period`,
  );
  assert.ok(
    elapsed <= 500 + 4_000,
    `guillotine exited ${elapsed} ms after the trigger: SIGKILL came late`,
  );
});

Deno.test("the trigger's signal reaches the grandchildren, which are gone after", async () => {
  await using dir = await tempDir();
  const a = `${dir.path}/a`, b = `${dir.path}/b`;
  // Not PID 1 here, so nothing but guillotine's own kill can end them.
  await using g = start([
    ...JSON_LOG,
    "--watch",
    `${dir.path}/done`,
    "--grace-period",
    "1s",
    "sh",
    "-c",
    `${RECORDER} ${a} & ${RECORDER} ${b} keep & wait`,
  ], { pid1: false });
  const pidOf = (file: string) =>
    Number(Deno.readTextFileSync(file).match(/ready (\d+)/)?.[1] ?? 0);
  const pids = await pollUntil(
    () => {
      try {
        const found = [pidOf(a), pidOf(b)];
        return found.every((p) => p > 0) ? found : null;
      } catch {
        return null;
      }
    },
    "both grandchildren to be ready",
    20_000,
  );
  await Deno.writeTextFile(`${dir.path}/done`, "");
  assert.deepEqual((await g.status()).code, 0, g.stderr);
  assert.match(Deno.readTextFileSync(a), /SIGTERM/);
  assert.match(Deno.readTextFileSync(b), /SIGTERM/);
  assert.deepEqual(signalsSent(g.events), [
    "sent SIGTERM to the child's process group",
    "sent SIGKILL to the child's process group: grace period of 1s is over",
  ], g.stderr);
  for (const pid of pids) {
    assert.ok(!alive(pid), `grandchild ${pid} outlived guillotine`);
  }
});

Deno.test("--signal chooses the signal; the recorder sees it before SIGKILL", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/signals`;
  await using g = start([
    ...JSON_LOG,
    "--watch",
    `${dir.path}/done`,
    "--signal",
    "INT",
    "--grace-period",
    "300ms",
    "--",
    "deno",
    "run",
    "-A",
    `${FIXTURES}recorder.ts`,
    out,
  ], { env: { GUILLOTINE_SIGNAL: "SIGUSR1" } });
  await g.waitForStdout(/ready/);
  await Deno.writeTextFile(`${dir.path}/done`, "");
  assert.deepEqual((await g.status()).code, 0, g.stderr);
  assert.deepEqual(Deno.readTextFileSync(out).split("\n").slice(1, -1), [
    "SIGINT",
  ]);
  assert.deepEqual(signalsSent(g.events).slice(0, 1), [
    "sent SIGINT to the child's process group",
  ], g.stderr);
});

Deno.test("a child that ends on SIGTERM within the grace period gets no SIGKILL", async () => {
  await using dir = await tempDir();
  await using g = start([
    ...JSON_LOG,
    "--watch",
    `${dir.path}/done`,
    "--grace-period",
    "1m",
    "sh",
    "-c",
    "echo ready; exec sleep 1000",
  ]);
  await g.waitForStdout(/ready/);
  await Deno.writeTextFile(`${dir.path}/done`, "");
  assert.deepEqual((await g.status()).code, 0, g.stderr);
  const { pid } = findEvent(g.events, { msg: "child started" });
  findEvent(g.events, { msg: "child killed by SIGTERM after SIGTERM", pid });
  // Never a SIGKILL: the SIGTERM is the only signal sent.
  assert.deepEqual(signalsSent(g.events), [
    "sent SIGTERM to the child's process group",
  ], g.stderr);
});

Deno.test("processes the child left behind get SIGTERM and the grace period to clean up", async () => {
  await using dir = await tempDir();
  // A grandchild in the child's group that cleans up for 0.3 s on SIGTERM;
  // the child itself exits at once.
  await using g = start([
    ...JSON_LOG,
    "--grace-period",
    "5s",
    "sh",
    "-c",
    `(trap 'sleep 0.3; touch ${dir.path}/cleaned; exit 0' TERM; ` +
    `touch ${dir.path}/trapped; while :; do sleep 0.05; done) & ` +
    `until [ -e ${dir.path}/trapped ]; do sleep 0.01; done; echo ready`,
  ]);
  assert.equal((await g.status()).code, 0, g.stderr);
  assert.deepEqual(signalsSent(g.events), [
    "sent SIGTERM to the child's process group: the child left processes behind",
  ], g.stderr);
  await Deno.stat(`${dir.path}/cleaned`);
});

Deno.test("not PID 1: leftovers that ignore SIGTERM get SIGKILL after the grace period", async () => {
  await using dir = await tempDir();
  const pidFile = `${dir.path}/grandchild`;
  // As with shareProcessNamespace: guillotine's exit would not end them, so
  // only its SIGKILL can. The child exits at once, leaving a grandchild in
  // its group that ignores SIGTERM.
  await using g = start([
    ...JSON_LOG,
    "--grace-period",
    "500ms",
    "sh",
    "-c",
    `(trap '' TERM; while :; do sleep 0.05; done) & echo $! > ${pidFile}.tmp; ` +
    `mv ${pidFile}.tmp ${pidFile}`,
  ], { pid1: false });
  const grandchild = Number(
    await pollUntil(
      () => Deno.readTextFile(pidFile).catch(() => ""),
      "the grandchild's pid",
    ),
  );
  try {
    const started = Date.now();
    const status = await g.status();
    const elapsed = Date.now() - started;
    assert.equal(status.code, 0, g.stderr);
    assert.deepEqual(signalsSent(g.events), [
      "sent SIGTERM to the child's process group: the child left processes behind",
      "sent SIGKILL to the child's process group: they outlived the grace period of 500ms",
    ], g.stderr);
    assert.ok(elapsed <= 500 + 4_000, `guillotine took ${elapsed} ms`);
    // Gone, or a zombie about to be reaped by whoever inherits it.
    await pollUntil(
      () => !alive(grandchild) || procInfo(grandchild)?.state === "Z",
      "the grandchild to be gone",
      2_000,
    );
  } finally {
    // Once guillotine is gone, an escaped grandchild is no descendant of
    // this test's: the harness would not find it.
    if (procInfo(grandchild)?.comm === "sh") Deno.kill(grandchild, "SIGKILL");
  }
});
