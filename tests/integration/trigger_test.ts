// The trigger, for real: guillotine as PID 1 of a new PID namespace, a real
// child, real files made the ways a main container makes them.
import assert from "node:assert/strict";
import {
  alive,
  eventsLike,
  expectGuillotined,
  findEvent,
  noEvent,
  pollUntil,
  start,
  startOverRecorder,
  tempDir,
} from "../harness/mod.ts";

Deno.test("a touched file ends the child with SIGTERM and guillotine exits 0", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/signals`;
  await using g = await startOverRecorder(["--watch", `${dir.path}/done`], out);
  await Deno.writeTextFile(`${dir.path}/done`, "");
  await expectGuillotined(g, out);
});

Deno.test("GUILLOTINE_WATCHED_FILE works as in the original manifests", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/signals`;
  await using g = await startOverRecorder([], out, {
    env: {
      GUILLOTINE_WATCHED_FILE: `${dir.path}/completed`,
      GUILLOTINE_INTERVAL: "1",
    },
  });
  await Deno.writeTextFile(`${dir.path}/completed`, "");
  await expectGuillotined(g, out);
  findEvent(g.events, { msg: "starting", poll_interval: "1s" }, g.stderr);
});

Deno.test("a file renamed into place fires the trigger", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/signals`;
  // Events only: with the default poll this passed even without them.
  await using g = await startOverRecorder(
    ["--watch", `${dir.path}/done`, "--poll-interval", "0"],
    out,
  );
  await Deno.writeTextFile(`${dir.path}/.done.tmp`, "ok");
  await Deno.rename(`${dir.path}/.done.tmp`, `${dir.path}/done`);
  await expectGuillotined(g, out);
});

Deno.test("a file that already exists: the child never starts", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/done`, "");
  await using g = start([
    "--log-format",
    "json",
    "--watch",
    `${dir.path}/done`,
    "--exit-code",
    "7",
    "sh",
    "-c",
    `touch ${dir.path}/started`,
  ]);
  const status = await g.status();
  assert.deepEqual(status.code, 7);
  findEvent(g.events, {
    level: "info",
    msg:
      `watched file ${dir.path}/done exists at start-up: not starting the child`,
  }, g.stderr);
  assert.ok(!(await exists(`${dir.path}/started`)), "the child ran");
  noEvent(g.events, { msg: "child started" }, g.stderr);
});

Deno.test("the parent directories may be made after start-up", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/signals`;
  await using g = await startOverRecorder(
    ["--watch", `${dir.path}/a/b/done`],
    out,
  );
  await Deno.mkdir(`${dir.path}/a`);
  await Deno.mkdir(`${dir.path}/a/b`);
  await Deno.writeTextFile(`${dir.path}/a/b/done`, "");
  await expectGuillotined(g, out);
});

Deno.test("a directory removed and made again is still watched", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/sub`);
  const out = `${dir.path}/signals`;
  await using g = await startOverRecorder([
    "--watch",
    `${dir.path}/sub/done`,
    "--poll-interval",
    "0",
    "--log-level",
    "debug",
  ], out);
  const armed = () =>
    eventsLike(g.events, { msg: "watching for file events" }).map((e) =>
      e.dirs
    );
  assert.deepEqual(armed(), [`${dir.path}/sub`]);
  await Deno.remove(`${dir.path}/sub`);
  await pollUntil(
    () => armed().length === 2,
    "the watch to move up to the parent",
  );
  await Deno.mkdir(`${dir.path}/sub`);
  await pollUntil(
    () => armed().length === 3,
    "the watch to come back to the new directory",
  );
  assert.deepEqual(armed(), [
    `${dir.path}/sub`,
    dir.path,
    `${dir.path}/sub`,
  ]);
  await Deno.writeTextFile(`${dir.path}/sub/done`, "");
  await expectGuillotined(g, out);
});

Deno.test("a ConfigMap-style symlink swap fires the trigger", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  await Deno.mkdir(`${d}/..v1`);
  await Deno.symlink("..v1", `${d}/..data`);
  await Deno.symlink("..data/done", `${d}/done`);
  const out = `${d}/signals`;
  await using g = await startOverRecorder([
    "--watch",
    `${d}/done`,
    "--poll-interval",
    "0",
  ], out);
  await Deno.mkdir(`${d}/..v2`);
  await Deno.writeTextFile(`${d}/..v2/done`, "");
  await Deno.symlink("..v2", `${d}/..data_tmp`);
  await Deno.rename(`${d}/..data_tmp`, `${d}/..data`);
  await expectGuillotined(g, out);
});

Deno.test("the poll alone fires the trigger (file systems without events)", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/signals`;
  await using g = await startOverRecorder([
    "--watch",
    `${dir.path}/done`,
    "--watch-method",
    "poll",
    "--poll-interval",
    "100ms",
    "--log-level",
    "debug",
  ], out);
  await Deno.writeTextFile(`${dir.path}/done`, "");
  await expectGuillotined(g, out);
  findEvent(g.events, {
    msg: "watched file exists",
    file: `${dir.path}/done`,
    seen_by: "poll",
  }, g.stderr);
  noEvent(g.events, { msg: "watching for file events" }, g.stderr);
});

Deno.test("with several files, the trigger waits for all of them", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/signals`;
  await using g = await startOverRecorder([
    "--watch",
    `${dir.path}/one`,
    "--watch",
    `${dir.path}/two`,
    "--log-level",
    "debug",
  ], out);
  await Deno.writeTextFile(`${dir.path}/one`, "");
  await g.waitForEvent({
    msg: "watched file exists",
    file: `${dir.path}/one`,
  });
  const child = await g.childPid();
  assert.ok(alive(child), "the child ended on the first of two files");
  // No trigger yet: its event (and the stop's) would name the child's pid.
  const { pid } = findEvent(g.events, { msg: "child started" });
  noEvent(
    g.events,
    (e) => (e.pid === pid || e.pgid === pid) && e.msg !== "child started",
    g.stderr,
  );
  await Deno.writeTextFile(`${dir.path}/two`, "");
  await expectGuillotined(g, out);
  findEvent(g.events, {
    msg:
      `guillotining the child: watched file ${dir.path}/two exists (all of 2)`,
    pid,
  }, g.stderr);
});

Deno.test("--watch-mode any fires on the first file", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/signals`;
  await using g = await startOverRecorder([
    "--watch",
    `${dir.path}/one`,
    "--watch",
    `${dir.path}/two`,
    "--watch-mode",
    "any",
  ], out);
  await Deno.writeTextFile(`${dir.path}/two`, "");
  await expectGuillotined(g, out);
});

Deno.test("--exit-code sets the code after a trigger, whatever the child returned", async () => {
  await using dir = await tempDir();
  await using g = start([
    "--log-format",
    "json",
    "--watch",
    `${dir.path}/done`,
    "sh",
    "-c",
    "trap 'exit 9' TERM; echo ready; while :; do sleep 0.05; done",
  ], { env: { GUILLOTINE_EXIT_CODE: "5" } });
  await g.waitForStdout(/ready/);
  await Deno.writeTextFile(`${dir.path}/done`, "");
  assert.deepEqual((await g.status()).code, 5);
  const { pid } = findEvent(g.events, { msg: "child started" });
  findEvent(
    g.events,
    { msg: "child exit code 9 after SIGTERM", pid },
    g.stderr,
  );
});

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("a trigger during a long start-up of the child is not lost", async () => {
  await using dir = await tempDir();
  // The child takes its time; the file comes before it is ready.
  await using g = start([
    "--log-format",
    "json",
    "--watch",
    `${dir.path}/done`,
    "sh",
    "-c",
    "exec sleep 1000",
  ]);
  await g.waitForEvent({ msg: "child started" });
  await Deno.writeTextFile(`${dir.path}/done`, "");
  assert.deepEqual((await g.status()).code, 0);
  await g.waitForEvent({ msg: "exiting", code: 0 });
});
