// A mount made or removed in guillotine's mount namespace (a Pod's volume
// with HostToContainer propagation sees the node's) while it watches: it must
// go on reaping, stopping, timing and answering. The inotify wait once kept
// reporting one mount change for ever, and its loop of promises starved every
// timer, signal and request: the child's exit was never seen (the hang that
// endpoint_test met when another test's `ip netns add` mount reached it).
// Real mounts, made by the child in guillotine's own mount namespace (the
// harness's unshare gives it one).
import assert from "node:assert/strict";
import {
  findEvent,
  freePort,
  type Guillotine,
  start,
  tempDir,
} from "../harness/mod.ts";

/** Makes a FIFO: the child waits on it until the test says go. */
function fifo(path: string): string {
  const made = new Deno.Command("mkfifo", { args: [path] }).outputSync();
  assert.ok(made.success, "mkfifo");
  return path;
}

/** Runs `script` as guillotine's child, watching `done`, with debug logs. */
function watching(done: string, script: string, extra: string[] = []) {
  return start([
    "--watch",
    done,
    "--log-format",
    "json",
    "--log-level",
    "debug",
    "--grace-period",
    "10s",
    ...extra,
    "sh",
    "-c",
    script,
  ]);
}

/** Waits until both watches hold an inotify instance: the file's, the leases'. */
async function watchesOpen(g: Guillotine, dir: string): Promise<void> {
  await g.waitForEvent({ msg: "watching for file events", dirs: dir });
  await g.waitForEvent({ msg: "watching the leases for events", dir });
}

/**
 * Starts guillotine whose child, once told, mounts a tmpfs in guillotine's
 * mount namespace and then runs `then`; `mount()` tells it once both watches
 * are open, and returns when the file watch has seen the change.
 */
function mountingChild(d: string, then: string, extra: string[] = []) {
  Deno.mkdirSync(`${d}/elsewhere`);
  const go = fifo(`${d}/mount`);
  const g = watching(
    `${d}/done`,
    `read x < ${go}; mount -t tmpfs tmpfs ${d}/elsewhere; ${then}`,
    extra,
  );
  const mount = async () => {
    await watchesOpen(g, d);
    await Deno.writeTextFile(go, "go\n");
    await g.waitForEvent({ cause: "the mounts changed" });
  };
  return { g, mount };
}

Deno.test("after a mount change, the child's own exit is still seen, with its code", async () => {
  await using dir = await tempDir();
  const exit = fifo(`${dir.path}/exit`);
  const run = mountingChild(dir.path, `read x < ${exit}; exit 3`);
  await using g = run.g;
  await run.mount();
  await Deno.writeTextFile(exit, "go\n");
  assert.equal((await g.status()).code, 3, g.stderr);
  findEvent(g.events, { msg: "child exit code 3" }, g.stderr);
});

Deno.test("after a mount change, a signal is still forwarded to the child", async () => {
  await using dir = await tempDir();
  // The child answers SIGUSR1 by ending the run with 5.
  const run = mountingChild(
    dir.path,
    `exec sh -c "trap 'exit 5' USR1; echo ready; while :; do sleep 0.1; done"`,
  );
  await using g = run.g;
  await run.mount();
  await g.waitForStdout(/ready/);
  await g.kill("SIGUSR1");
  assert.equal((await g.status()).code, 5, g.stderr);
});

Deno.test("a mount change while the child stops: the lease watch, still open, lets its exit be seen", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  await Deno.mkdir(`${d}/elsewhere`);
  // The child mounts as it stops: only the lease watch's inotify is open then
  // (the file watch closed at the trigger), and the child ends a little later.
  await using g = watching(
    `${d}/done`,
    `trap 'mount -t tmpfs tmpfs ${d}/elsewhere; sleep 0.3; exit 0' TERM; ` +
      "echo ready; while :; do sleep 0.1; done",
  );
  await g.waitForStdout(/ready/);
  await watchesOpen(g, d);
  await Deno.writeTextFile(`${d}/done`, "");
  assert.equal((await g.status()).code, 0, g.stderr);
  findEvent(g.events, { msg: "child exit code 0 after SIGTERM" }, g.stderr);
});

Deno.test("after a mount change, the quit endpoint still answers", async () => {
  await using dir = await tempDir();
  const port = freePort();
  const run = mountingChild(dir.path, "exec sleep 600", [
    "--listen",
    String(port),
  ]);
  await using g = run.g;
  await g.waitForEvent({ msg: "quit endpoint listening" });
  await run.mount();
  const answer = await fetch(`http://127.0.0.1:${port}/quitquitquit?code=4`, {
    method: "POST",
    signal: AbortSignal.timeout(10_000),
  });
  await answer.body?.cancel();
  assert.equal(answer.status, 200);
  assert.equal((await g.status()).code, 4, g.stderr);
});
