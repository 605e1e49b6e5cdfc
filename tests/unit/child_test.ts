// The child handle's rule against PID reuse, with real processes: once the
// child is reaped and its group is empty, its pid may belong to anyone, so
// guillotine never signals it again.
import assert from "node:assert/strict";
import { Child, spawnError } from "../../lib/pid1/child.ts";
import { EACCES, ENOENT, ESRCH, ETXTBSY } from "../../lib/sys/errno.ts";
import { reapOne } from "../../lib/sys/process.ts";
import { spawn } from "../../lib/sys/spawn.ts";

/** Waits (polling waitpid) until `pid` is reaped. */
async function reap(pid: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    for (let r = reapOne(); r; r = reapOne()) if (r.pid === pid) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`pid ${pid} was not reaped`);
}

function alive(pid: number): boolean {
  try {
    return !Deno.readTextFileSync(`/proc/${pid}/stat`).includes(") Z");
  } catch {
    return false;
  }
}

Deno.test("child: after it is reaped, a signal never reaches another process that got its pid", async () => {
  // Once the child is reaped its group is empty, and the old rule fell back
  // to kill(pid) on ESRCH.
  const result = spawn(["sleep", "0.05"], false);
  assert.equal(result.errno, 0);
  const child = new Child(result.pid);
  await reap(result.pid);
  child.markReaped();
  // Another process gets the same pid: ns_last_pid makes the kernel hand
  // it out next (retried: other processes on the machine may take it).
  let other: number | null = null;
  for (let attempt = 0; attempt < 200 && other === null; attempt++) {
    Deno.writeTextFileSync(
      "/proc/sys/kernel/ns_last_pid",
      String(result.pid - 1),
    );
    const candidate = spawn(["sleep", "30"], false);
    if (candidate.pid === result.pid) other = candidate.pid;
    else if (candidate.pid > 0) {
      Deno.kill(candidate.pid, "SIGKILL");
      await reap(candidate.pid);
    }
  }
  assert.ok(other, "could not get the reaped child's pid for another process");
  try {
    assert.equal(child.signal(15), ESRCH);
    assert.equal(child.signal(15), ESRCH);
    assert.ok(alive(other), "the unrelated process was signalled");
  } finally {
    Deno.kill(other, "SIGKILL");
    await reap(other);
  }
});

Deno.test("child: before it is reaped, a child outside its group still gets the signal", async () => {
  const result = spawn(["sh", "-c", "exec sleep 30"], false);
  assert.equal(result.errno, 0);
  const child = new Child(result.pid);
  assert.equal(child.signal(0), 0);
  assert.equal(child.signal(9), 0);
  await reap(result.pid);
  child.markReaped();
  assert.equal(child.signal(0), ESRCH);
});

Deno.test("child: once reaped, a group that emptied later is not followed by a signal to whoever got the pid", async () => {
  // The child exits at once, leaving a member in its group: at the reap the
  // group is not empty. Once that member is gone too, the pid is free.
  const result = spawn(["sh", "-c", "sleep 0.3 & exit 0"], false);
  assert.equal(result.errno, 0);
  const child = new Child(result.pid);
  await reap(result.pid);
  child.markReaped();
  for (let i = 0; i < 1000 && child.signal(0) === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  // Another process gets the pid, in this process's group (not a leader).
  let other: Deno.ChildProcess | null = null;
  for (let attempt = 0; attempt < 200 && other === null; attempt++) {
    Deno.writeTextFileSync(
      "/proc/sys/kernel/ns_last_pid",
      String(result.pid - 1),
    );
    const candidate = new Deno.Command("sleep", { args: ["30"] }).spawn();
    if (candidate.pid === result.pid) other = candidate;
    else {
      candidate.kill("SIGKILL");
      await candidate.status;
    }
  }
  assert.ok(other, "could not get the reaped child's pid for another process");
  try {
    assert.equal(child.signal(15), ESRCH);
    assert.ok(alive(other.pid), "the unrelated process was signalled");
  } finally {
    other.kill("SIGKILL");
    await other.status;
  }
});

Deno.test("spawnError: 127 when not there, 126 with the errno and a way out", () => {
  assert.equal(spawnError("proxy", ENOENT).exitCode, 127);
  assert.match(spawnError("proxy", ENOENT).message, /not found in PATH/);
  assert.match(spawnError("/proxy", ENOENT).message, /#! line/);
  const busy = spawnError("/proxy", ETXTBSY);
  assert.equal(busy.exitCode, 126);
  assert.match(busy.message, /\(ETXTBSY\): the file is open for writing/);
  assert.match(spawnError("/tmp", EACCES).message, /it is a directory/);
});
