// The watched paths as PID 1: one file written twice is one file, a directory
// is refused at start-up and ignored later, and a warning that every event
// and poll would repeat is written once a minute at most.
import assert from "node:assert/strict";
import {
  eventsLike,
  eventsOf,
  expectGuillotined,
  findEvent,
  noEvent,
  pollUntil,
  run,
  startOverRecorder,
  tempDir,
} from "../harness/mod.ts";

const EXIT_WITHIN_MS = 10_000;

/** Starts guillotine over the recorder in `cwd`; waits until it is ready. */
function startWatching(args: string[], cwd: string) {
  return startOverRecorder(args, `${cwd}/signals`, { cwd });
}

const SAME_FILE: Record<string, (dir: string) => string[]> = {
  "done and ./done": () => ["done", "./done"],
  "/x/done and /x//done": (dir) => [`${dir}/done`, `${dir}//done`],
};

for (const [name, paths] of Object.entries(SAME_FILE)) {
  const watch = (dir: string) => paths(dir).flatMap((p) => ["--watch", p]);

  Deno.test(`one file watched as ${name} fires when it appears`, async () => {
    await using dir = await tempDir();
    await using g = await startWatching(watch(dir.path), dir.path);
    Deno.writeTextFileSync(`${dir.path}/done`, "");
    await expectGuillotined(g, `${dir.path}/signals`, {
      timeoutMs: EXIT_WITHIN_MS,
    });
    // One file: not "(all of 2)".
    findEvent(g.events, {
      msg: `guillotining the child: watched file ${dir.path}/done exists`,
      pid: findEvent(g.events, { msg: "child started" }).pid,
    }, g.stderr);
  });

  Deno.test(`one file watched as ${name}, already there: the child never starts`, async () => {
    await using dir = await tempDir();
    Deno.writeTextFileSync(`${dir.path}/done`, "");
    const result = await run(
      [
        "--log-format",
        "json",
        ...watch(dir.path),
        "--exit-code",
        "7",
        "--",
        "touch",
        "started",
      ],
      { cwd: dir.path, timeoutMs: EXIT_WITHIN_MS },
    );
    assert.equal(result.code, 7, result.stderr);
    const events = eventsOf(result.stderr);
    findEvent(events, {
      msg:
        `watched file ${dir.path}/done exists at start-up: not starting the child`,
    }, result.stderr);
    noEvent(events, { msg: "child started" }, result.stderr);
    assert.throws(() => Deno.statSync(`${dir.path}/started`));
  });
}

Deno.test("a directory as the watched file is a usage error naming the way out", async () => {
  await using dir = await tempDir();
  Deno.mkdirSync(`${dir.path}/share`);
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--watch", "share/"], {}, /"share\/" names a directory/],
    [["--watch", `${dir.path}/share`], {}, /share" is a directory/],
    [["--watch", "."], {}, /"\." names a directory/],
    [[], { GUILLOTINE_WATCHED_FILE: "share" }, /\/share" is a directory/],
    [["--watch", "new/"], {}, /"new\/" names a directory/],
  ];
  for (const [args, env, pattern] of cases) {
    const result = await run([...args, "--", "touch", "started"], {
      cwd: dir.path,
      env,
      timeoutMs: EXIT_WITHIN_MS,
    });
    const what = `${JSON.stringify(args)} ${JSON.stringify(env)}`;
    assert.equal(result.code, 125, `${what}: ${result.stderr}`);
    const errors = result.stderr.split("\n").filter((l) => /error/.test(l));
    assert.equal(errors.length, 1, `${what}: ${result.stderr}`);
    assert.match(errors[0], pattern);
    // Caught by the option's parser (a trailing slash or a dot) or when
    // the watch is armed (an existing directory): either way, the option
    // and the way out are named.
    assert.match(
      errors[0],
      /give --watch \(or GUILLOTINE_WATCHED_FILE\) the path of the file.*, such as \/\S+$|give the path of a file in it, such as \/share\/done \(from --watch\)$/,
    );
    assert.throws(() => Deno.statSync(`${dir.path}/started`), what);
  }
});

Deno.test("a directory made later at the watched path is no trigger: one warning", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  await using g = await startWatching(
    ["--watch", `${d}/done`, "--poll-interval", "20ms"],
    d,
  );
  Deno.mkdirSync(`${d}/done`);
  const warning = {
    level: "warn",
    msg:
      `watched file ${d}/done is a directory: it does not count until a file replaces it`,
  } as const;
  await g.waitForEvent(warning);
  // Events and polls go on while the directory is there.
  for (let i = 0; i < 20; i++) Deno.writeTextFileSync(`${d}/other-${i}`, "");
  await new Promise((r) => setTimeout(r, 300)); // ~15 polls: see below.
  // No trigger: its event (and the stop's) would name the child's pid.
  const { pid } = findEvent(g.events, { msg: "child started" });
  noEvent(
    g.events,
    (e) => (e.pid === pid || e.pgid === pid) && e.msg !== "child started",
    g.stderr,
  );
  Deno.removeSync(`${d}/done`);
  Deno.writeTextFileSync(`${d}/done`, "");
  await expectGuillotined(g, `${d}/signals`, {
    timeoutMs: EXIT_WITHIN_MS,
  });
  assert.equal(eventsLike(g.events, warning).length, 1, g.stderr);
});

Deno.test("a watch path whose parent became a file warns once, then still fires", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  Deno.mkdirSync(`${d}/sub`);
  await using g = await startWatching(
    ["--watch", `${d}/sub/done`, "--poll-interval", "20ms"],
    d,
  );
  Deno.removeSync(`${d}/sub`);
  Deno.writeTextFileSync(`${d}/sub`, "");
  const warning = {
    level: "warn",
    msg: "cannot re-arm the file watch; watching the directory above",
  } as const;
  await g.waitForEvent(warning);
  for (let i = 0; i < 20; i++) Deno.writeTextFileSync(`${d}/other-${i}`, "");
  // The assertion below holds however long this lasts; the wait only gives
  // the repeats (~15 polls, 20 events) their chance to show.
  await new Promise((r) => setTimeout(r, 300));
  Deno.removeSync(`${d}/sub`);
  Deno.mkdirSync(`${d}/sub`);
  Deno.writeTextFileSync(`${d}/sub/done`, "");
  await expectGuillotined(g, `${d}/signals`, {
    timeoutMs: EXIT_WITHIN_MS,
  });
  assert.equal(eventsLike(g.events, warning).length, 1, g.stderr);
});

Deno.test("a watched directory removed and made again while guillotine is frozen is still watched", async () => {
  // The case needs the new directory to get the old one's inode, which ext4
  // does unless another process on the machine takes that inode in between;
  // then the run proves nothing, and a new one is started.
  const TRIES = 5;
  for (let tries = 1;; tries++) {
    if (await frozenDirectoryRenewed()) return;
    console.log(`try ${tries}: the new directory did not reuse the inode`);
    assert(tries < TRIES, `no inode reuse in ${TRIES} tries`);
  }
});

/**
 * Removes and makes again the watched file's directory while guillotine is
 * stopped, then checks the file in the new directory still fires.
 *
 * @returns false, having checked nothing, when the new directory did not get
 *   the old one's inode.
 */
async function frozenDirectoryRenewed(): Promise<boolean> {
  await using dir = await tempDir();
  const d = dir.path;
  Deno.mkdirSync(`${d}/sub`);
  await using g = await startWatching([
    "--watch",
    `${d}/sub/done`,
    "--poll-interval",
    "0",
    "--log-level",
    "debug",
  ], d);
  const armed = () =>
    eventsLike(g.events, { msg: "watching for file events" }).length;
  assert.equal(armed(), 1);
  const pid = await g.pid();
  const before = Deno.statSync(`${d}/sub`).ino;
  // Frozen, guillotine learns of both at once. On ext4 the new directory
  // gets the old one's inode: only the kernel's end of the old watch
  // (IN_IGNORED) then tells that the watch must be renewed.
  await g.kill("SIGSTOP");
  await pollUntil(() => allStopped(pid), "guillotine to be stopped");
  Deno.removeSync(`${d}/sub`);
  Deno.mkdirSync(`${d}/sub`);
  if (Deno.statSync(`${d}/sub`).ino !== before) return false;
  await g.kill("SIGCONT");
  await pollUntil(() => armed() === 2, "the watch of the new directory");
  Deno.writeTextFileSync(`${d}/sub/done`, "");
  await expectGuillotined(g, `${d}/signals`, {
    timeoutMs: EXIT_WITHIN_MS,
  });
  return true;
}

/** Whether every thread of `pid` is stopped (state T). */
function allStopped(pid: number): boolean {
  for (const { name } of Deno.readDirSync(`/proc/${pid}/task`)) {
    const stat = Deno.readTextFileSync(`/proc/${pid}/task/${name}/stat`);
    if (stat.slice(stat.lastIndexOf(")") + 2)[0] !== "T") return false;
  }
  return true;
}
