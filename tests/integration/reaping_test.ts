// PID 1's duty: orphans are reaped, and the direct child's status is never
// taken by the reaper.
import assert from "node:assert/strict";
import {
  descendants,
  eventsLike,
  findEvent,
  type Guillotine,
  pollUntil,
  start,
} from "../harness/mod.ts";

/** A shell loop that makes `n` orphans: each `( : & )` leaves one behind. */
function orphans(n: number): string {
  return `i=0; while [ $i -lt ${n} ]; do ( : & ); i=$((i+1)); done`;
}

/** The total of the last "reaped orphans" event. */
function orphansReaped(g: Guillotine): number {
  const reaped = eventsLike(g.events, { msg: "reaped orphans" });
  return reaped.length ? Number(reaped[reaped.length - 1].total) : 0;
}

const DEBUG_JSON = ["--log-format", "json", "--log-level", "debug"];

Deno.test("1,000 orphans leave no zombie", async () => {
  await using g = start([
    ...DEBUG_JSON,
    "sh",
    "-c",
    `${orphans(1000)}; echo made; exec sleep 1000`,
  ]);
  await g.waitForStdout(/made/, 60_000);
  const root = await g.pid();
  await pollUntil(
    () => orphansReaped(g) >= 1000,
    "1,000 orphans to be reaped",
  );
  await pollUntil(
    () => descendants(root).every((p) => p.state !== "Z"),
    "no zombie in the namespace",
  );
  assert.deepEqual(orphansReaped(g), 1000);
  await g.kill("SIGTERM");
  assert.deepEqual((await g.status()).code, 143);
});

Deno.test("the direct child's exit code survives orphans reaped meanwhile (25 rounds)", async () => {
  for (let round = 0; round < 25; round++) {
    const code = [42, 0, 3, 255][round % 4];
    // The orphan maker runs on while the child exits, so reaping and the
    // child's exit overlap.
    await using g = start([
      ...DEBUG_JSON,
      "sh",
      "-c",
      `(${orphans(200)}) & ${orphans(50)}; exit ${code}`,
    ]);
    const status = await g.status(30_000);
    assert.deepEqual(status.code, code, `round ${round}: ${g.stderr}`);
    const { pid } = findEvent(g.events, { msg: "child started" });
    findEvent(g.events, { msg: `child exit code ${code}`, pid }, g.stderr);
  }
});

Deno.test("not PID 1: guillotine registers as subreaper and reaps orphans", async () => {
  await using g = start([
    ...DEBUG_JSON,
    "sh",
    "-c",
    `${orphans(300)}; echo made; exec sleep 1000`,
  ], { pid1: false });
  await g.waitForStdout(/made/, 60_000);
  await g.waitForEvent({
    msg: "not PID 1: registered as child subreaper",
    pid: await g.pid(),
  });
  await pollUntil(
    () => orphansReaped(g) >= 300,
    "300 orphans to be reaped",
  );
  const root = await g.pid();
  await pollUntil(
    () => descendants(root).every((p) => p.state !== "Z"),
    "no zombie under guillotine",
  );
  await g.kill("SIGTERM");
  assert.deepEqual((await g.status()).code, 143);
});
