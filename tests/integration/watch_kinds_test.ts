// Any kind of file in the watched directory, or as the watched file, never
// stalls watching, stopping or exiting: guillotine as PID 1, a real child,
// FIFOs, sockets, devices and symlink loops made the way a neighbour makes
// them. (Deno.watchFs opened a FIFO of an event and hung for ever.)
import assert from "node:assert/strict";
import {
  expectGuillotined,
  findEvent,
  type Guillotine,
  RECORDER,
  start,
  startOverRecorder,
  tempDir,
} from "../harness/mod.ts";

// Far more than a stop takes here; a hang shows as this timeout.
const EXIT_WITHIN_MS = 10_000;

const POLLS: Record<string, string[]> = {
  "events only": ["--poll-interval", "0"],
  "events and the default poll": [],
};

/** Starts guillotine watching `${dir}/done` over the recorder; waits for it. */
function startWatching(dir: string, options: string[]) {
  return startOverRecorder(
    ["--watch", `${dir}/done`, "--grace-period", "1s", ...options],
    `${dir}/signals`,
  );
}

/**
 * guillotine exits 0 in time, after `${dir}/done` fired and the child got
 * SIGTERM and ended.
 */
async function expectStopped(g: Guillotine, dir: string) {
  await expectGuillotined(g, `${dir}/signals`, { timeoutMs: EXIT_WITHIN_MS });
  const { pid } = findEvent(g.events, { msg: "child started" });
  for (
    const msg of [
      `guillotining the child: watched file ${dir}/done exists`,
      "child exit code 0 after SIGTERM",
    ]
  ) findEvent(g.events, { msg, pid }, g.stderr);
  findEvent(g.events, { msg: "exiting", code: 0 }, g.stderr);
}

function mkfifo(path: string): void {
  const { success, stderr } = new Deno.Command("mkfifo", { args: [path] })
    .outputSync();
  assert.ok(success, new TextDecoder().decode(stderr));
}

for (const [name, options] of Object.entries(POLLS)) {
  Deno.test(`a FIFO beside the watched file: the trigger stops the child (${name})`, async () => {
    await using dir = await tempDir();
    await using g = await startWatching(dir.path, options);
    mkfifo(`${dir.path}/pipe`);
    Deno.writeTextFileSync(`${dir.path}/done`, "");
    await expectStopped(g, dir.path);
  });

  Deno.test(`a FIFO as the watched file is the trigger (${name})`, async () => {
    await using dir = await tempDir();
    await using g = await startWatching(dir.path, options);
    mkfifo(`${dir.path}/done`);
    await expectStopped(g, dir.path);
  });

  Deno.test(`a FIFO beside the watched file: SIGTERM to guillotine still works while it stops the child (${name})`, async () => {
    await using dir = await tempDir();
    const d = dir.path;
    // The child keeps running after SIGTERM: guillotine waits out the grace
    // period, and must still hear its own signals meanwhile.
    await using g = start([
      "--log-format",
      "json",
      "--watch",
      `${d}/done`,
      "--grace-period",
      "2s",
      ...options,
      "--",
      ...RECORDER,
      `${d}/signals`,
      "keep",
    ]);
    await g.waitForStdout(/ready/);
    mkfifo(`${d}/pipe`);
    Deno.writeTextFileSync(`${d}/done`, "");
    await g.waitForStdout(/SIGTERM/);
    await g.kill("SIGTERM");
    await g.waitForStdout(/SIGTERM\n(.*\n)*SIGTERM/);
    const status = await g.status(EXIT_WITHIN_MS);
    assert.equal(status.code, 0, g.stderr);
    findEvent(g.events, {
      msg:
        "sent SIGKILL to the child's process group: grace period of 2s is over",
    }, g.stderr);
  });
}

Deno.test("sockets, devices, symlink loops and fleeting files beside the watched file stall nothing", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  await using g = await startWatching(d, ["--poll-interval", "50ms"]);
  const listener = Deno.listen({ transport: "unix", path: `${d}/socket` });
  try {
    Deno.symlinkSync("loop", `${d}/loop`);
    Deno.symlinkSync("loop-b", `${d}/loop-a`);
    Deno.symlinkSync("loop-a", `${d}/loop-b`);
    const mknod = new Deno.Command("mknod", {
      args: [`${d}/null`, "c", "1", "3"],
    }).outputSync();
    assert.ok(mknod.success, new TextDecoder().decode(mknod.stderr));
    mkfifo(`${d}/pipe`);
    for (let i = 0; i < 200; i++) {
      Deno.writeTextFileSync(`${d}/fleeting`, "");
      Deno.removeSync(`${d}/fleeting`);
      Deno.mkdirSync(`${d}/fleeting-dir`);
      Deno.removeSync(`${d}/fleeting-dir`);
    }
    // A symlink loop at the watched path is not a file there: no trigger yet.
    Deno.symlinkSync("done", `${d}/done`);
    Deno.removeSync(`${d}/done`);
    Deno.writeTextFileSync(`${d}/done`, "");
    await expectStopped(g, d);
  } finally {
    listener.close();
  }
});

Deno.test("a socket as the watched file is the trigger", async () => {
  await using dir = await tempDir();
  await using g = await startWatching(dir.path, ["--poll-interval", "0"]);
  const listener = Deno.listen({
    transport: "unix",
    path: `${dir.path}/done`,
  });
  try {
    await expectStopped(g, dir.path);
  } finally {
    listener.close();
  }
});
