// When file events cannot be trusted, the watch falls back to a poll, even
// with --poll-interval 0, and says so once; it is never blind. Each case is
// real: guillotine as PID 1, a real inotify limit, real directory churn, a
// real flood of signals, a real mount, rename and symlink swap.
import assert from "node:assert/strict";
import {
  findEvent,
  type Guillotine,
  guillotineArgv,
  type LogEvent,
  noEvent,
  sleep,
  spawn,
  start,
  tempDir,
} from "../harness/mod.ts";

// The trigger must be seen this soon after the file appears.
const FIRE_WITHIN_MS = 5_000;

/** The options of every run here: events only, JSON logs, a quick stop. */
function watching(file: string, extra: string[] = []): string[] {
  return [
    "--watch",
    file,
    "--poll-interval",
    "0",
    "--log-format",
    "json",
    "--log-level",
    "debug",
    "--grace-period",
    "1s",
    ...extra,
  ];
}

/** Waits until the child runs and the watch is armed (right after it). */
async function childStarted(g: Guillotine): Promise<void> {
  await g.waitForEvent({ msg: "triggers armed" }, 20_000);
}

/**
 * Makes `file` with `make`, then expects its trigger within
 * FIRE_WITHIN_MS, guillotine's exit 0, and the fallback's one warning.
 *
 * @returns The fallback's warning.
 */
async function expectFired(
  g: Guillotine,
  file: string,
  make: () => Promise<void>,
  what: string,
): Promise<LogEvent> {
  await expectTrigger(g, file, make, what);
  const fallbacks = g.events.filter((e) =>
    e.msg === "file events cannot be trusted: falling back to a poll"
  );
  assert.equal(fallbacks.length, 1, `${what}: one warning: ${g.stderr}`);
  assert.equal(fallbacks[0].level, "warn");
  assert.equal(fallbacks[0].fallback_poll, "1s");
  return fallbacks[0];
}

/** The trigger's event when `file` fires, for the child's pid. */
function fired(g: Guillotine, file: string) {
  return {
    msg: `guillotining the child: watched file ${file} exists`,
    pid: findEvent(g.events, { msg: "child started" }, g.stderr).pid,
  };
}

/** Makes `file`, expects its trigger within FIRE_WITHIN_MS and exit 0. */
async function expectTrigger(
  g: Guillotine,
  file: string,
  make: () => Promise<void>,
  what: string,
): Promise<void> {
  await make();
  const madeAt = performance.now();
  await g.waitForEvent(fired(g, file), FIRE_WITHIN_MS);
  const tookMs = performance.now() - madeAt;
  assert.ok(tookMs <= FIRE_WITHIN_MS, `${what}: fired after ${tookMs} ms`);
  assert.equal((await g.status()).code, 0, `${what}: ${g.stderr}`);
}

Deno.test("fallback: no inotify instance to be had (max_user_instances reached)", async () => {
  await using dir = await tempDir();
  const done = `${dir.path}/done`;
  // The limit is counted per user namespace: one of guillotine's own whose
  // limit is 0 makes inotify_init1 fail with EMFILE for real, and leaves the
  // machine's limit alone.
  await using g = spawn([
    "unshare",
    "--user",
    "--map-root-user",
    "sh",
    "-c",
    'echo 0 > /proc/sys/user/max_inotify_instances && exec "$@"',
    "sh",
    ...guillotineArgv(watching(done, ["sleep", "600"])),
  ], { what: "guillotine" });
  await childStarted(g);
  const warning = await expectFired(
    g,
    done,
    () => Deno.writeTextFile(done, ""),
    "EMFILE",
  );
  assert.equal(warning.cause, "no inotify instance");
  assert.equal(
    warning.error,
    "inotify_init1 failed with EMFILE: the limit fs.inotify.max_user_instances (or of open files) is reached",
  );
});

Deno.test("fallback: the watched directory's parents removed and made again, over and over", async () => {
  await using dir = await tempDir();
  // Several at once, a hundred rounds each: before the fallback, this missed
  // the file in each of 3 tries (ten rounds: in 2 of 3, then 0 of 3).
  await Promise.all([0, 1, 2, 3].map(async (n) => {
    const d = `${dir.path}/${n}`;
    await Deno.mkdir(`${d}/a/b`, { recursive: true });
    await using g = start(watching(`${d}/a/b/done`, ["sleep", "600"]));
    await childStarted(g);
    // As fast as a shell goes, so that directories vanish under the re-arm.
    const churn =
      "i=0; while [ $i -lt 100 ]; do rm -rf a; mkdir -p a/b; i=$((i+1)); done; touch a/b/done";
    await expectTrigger(g, `${d}/a/b/done`, async () => {
      const { success } = await new Deno.Command("sh", {
        args: ["-c", churn],
        cwd: d,
      }).output();
      assert.ok(success);
    }, `churn ${n}`);
  }));
});

Deno.test("fallback: never blind under a flood of mixed signals", async () => {
  await using dir = await tempDir();
  const done = `${dir.path}/done`;
  const flood: Deno.Signal[] = [
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGUSR1",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGCONT",
    "SIGURG",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGXCPU",
    "SIGVTALRM",
    "SIGPROF",
  ];
  // The child and its sleep ignore them all (the ignoring passes through
  // exec), so only the trigger's SIGKILL ends them.
  const names = flood.map((s) => s.slice(3)).join(" ");
  await using g = start(
    watching(done, [
      "--signal",
      "SIGKILL",
      "sh",
      "-c",
      `trap '' ${names}; exec sleep 600`,
    ]),
  );
  await childStarted(g);
  const pid = await g.pid();
  // Two workers send them in a tight loop, cycling through the list, until
  // told to stop. (The unit test of Inotify sends them straight to the
  // waiting thread, which this cannot choose.)
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const code = `self.onmessage = ({ data: { pid, flood, stop } }) => {
    let sent = 0;
    while (Atomics.load(stop, 0) === 0) {
      try { Deno.kill(pid, flood[sent++ % flood.length]); } catch { break; }
    }
    self.postMessage(sent);
  };`;
  const url = `data:application/javascript,${encodeURIComponent(code)}`;
  const sent = [0, 1].map(() => {
    const worker = new Worker(url, { type: "module" });
    worker.postMessage({ pid, flood, stop });
    return new Promise<number>((resolve) =>
      worker.onmessage = ({ data }) => {
        worker.terminate();
        resolve(data);
      }
    );
  });
  try {
    await sleep(2_000); // Not a check: a long flood before the file.
    await Deno.writeTextFile(done, "");
    await g.waitForEvent(fired(g, done), FIRE_WITHIN_MS);
  } finally {
    // Before guillotine exits: its pid must not be reused under the flood.
    Atomics.store(stop, 0, 1);
  }
  const total = (await Promise.all(sent)).reduce((a, b) => a + b);
  assert.ok(total > 1_000, `only ${total} signals sent`);
  assert.equal((await g.status()).code, 0, g.stderr.slice(-2000));
  // Signals never make file events fail: nothing to fall back from (each
  // of the "file events cannot be trusted" events names its cause).
  noEvent(g.events, (e) => "cause" in e, g.stderr.slice(-2000));
});

Deno.test("fallback: a directory above the watched one renamed away, and the path made again", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  await Deno.mkdir(`${d}/a/b`, { recursive: true });
  await using g = start(watching(`${d}/a/b/done`, ["sleep", "600"]));
  await childStarted(g);
  const warning = await expectFired(g, `${d}/a/b/done`, async () => {
    // The watch on a/b moves with it to gone/b: no event there for a/b/done.
    await Deno.rename(`${d}/a`, `${d}/gone`);
    await Deno.mkdir(`${d}/a/b`, { recursive: true });
    await Deno.writeTextFile(`${d}/a/b/done`, "");
  }, "ancestor rename");
  assert.equal(warning.cause, "a watched directory was moved");
});

Deno.test("fallback: a symlink swapped on the way to the watched file", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  await Deno.mkdir(`${d}/v1`);
  await Deno.mkdir(`${d}/v2`);
  await Deno.symlink("v1", `${d}/data`);
  await using g = start(watching(`${d}/data/done`, ["sleep", "600"]));
  await childStarted(g);
  const warning = await expectFired(g, `${d}/data/done`, async () => {
    // A ConfigMap's swap: the new target is complete before the rename.
    await Deno.writeTextFile(`${d}/v2/done`, "");
    await Deno.symlink("v2", `${d}/data.tmp`);
    await Deno.rename(`${d}/data.tmp`, `${d}/data`);
  }, "symlink swap");
  assert.equal(
    warning.cause,
    "a symlink is on the way: its swap gives no event",
  );
  assert.equal(warning.symlink, `${d}/data`);
});

Deno.test("fallback: a mount over the watched directory", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  await Deno.mkdir(`${d}/share`);
  await Deno.mkdir(`${d}/other`);
  const fifo = new Deno.Command("mkfifo", { args: [`${d}/go`] }).outputSync();
  assert.ok(fifo.success);
  // The mount is made in guillotine's own mount namespace (the harness's
  // unshare makes one), by its child: the watch on the directory beneath
  // sees nothing of the file made through the mount.
  await using g = start(watching(`${d}/share/done`, [
    "sh",
    "-c",
    `read go < ${d}/go; mount --bind ${d}/other ${d}/share && touch ${d}/share/done; exec sleep 600`,
  ]));
  await childStarted(g);
  const warning = await expectFired(
    g,
    `${d}/share/done`,
    () => Deno.writeTextFile(`${d}/go`, "go\n"),
    "bind mount",
  );
  assert.equal(warning.cause, "the mounts changed");
});

Deno.test("fallback: the kernel's event queue overflowed", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  const queued = Number(
    await Deno.readTextFile("/proc/sys/fs/inotify/max_queued_events"),
  );
  await using g = start(watching(`${d}/done`, ["sleep", "600"]));
  await childStarted(g);
  // Stopped, guillotine reads nothing while more files are made than its
  // queue holds; the kernel then reports the overflow.
  const pid = await g.pid();
  Deno.kill(pid, "SIGSTOP");
  try {
    const { success } = await new Deno.Command("sh", {
      args: ["-c", `seq 1 ${queued + 100} | sed s/^/f/ | xargs touch`],
      cwd: d,
    }).output();
    assert.ok(success);
  } finally {
    Deno.kill(pid, "SIGCONT");
  }
  // The overflow is the last event queued: read before the file is made.
  await g.waitForEvent({
    msg: "file events cannot be trusted: falling back to a poll",
  });
  const warning = await expectFired(
    g,
    `${d}/done`,
    () => Deno.writeTextFile(`${d}/done`, ""),
    "overflow",
  );
  assert.equal(warning.cause, "events were lost: the queue overflowed");
});
