// inotify through libc, for real: events of every kind of file arrive, no
// event's path is opened, and close() ends a pending wait at once.
import assert from "node:assert/strict";
import {
  IN_CREATE,
  IN_DELETE_SELF,
  IN_IGNORED,
  IN_MOVED_TO,
  IN_ONLYDIR,
  Inotify,
  type InotifyEvent,
} from "../../lib/sys/inotify.ts";
import { cString, errno, libc } from "../../lib/sys/libc.ts";

const MASK = IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_ONLYDIR;
const O_WRONLY = 1;
const O_NONBLOCK = 0o4000;
const ENXIO = 6;

/** `promise`, or a failure naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        timer = setTimeout(
          () => reject(new Error(`${what}: not within ${ms} ms`)),
          ms,
        )
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Collects events until `done` says enough. */
async function collect(
  inotify: Inotify,
  done: (events: InotifyEvent[]) => boolean,
): Promise<InotifyEvent[]> {
  const all: InotifyEvent[] = [];
  while (!done(all)) {
    const events = await within(inotify.next(), 5_000, "events");
    assert.ok(events, "closed while collecting");
    all.push(...events);
  }
  return all;
}

/** Whether anyone has the FIFO open for reading (a writer's open succeeds). */
function fifoHasReader(path: string): boolean {
  const fd = libc().open(cString(path), O_WRONLY | O_NONBLOCK);
  if (fd >= 0) {
    libc().close(fd);
    return true;
  }
  assert.equal(errno(), ENXIO);
  return false;
}

/** This process's inotify and eventfd descriptors: fd → what it is. */
function watchFds(): Map<string, string> {
  const found = new Map<string, string>();
  for (const { name } of Deno.readDirSync("/proc/self/fd")) {
    try {
      const target = Deno.readLinkSync(`/proc/self/fd/${name}`);
      if (/inotify|eventfd/.test(target)) found.set(name, target);
    } catch { /* closed meanwhile */ }
  }
  return found;
}

/** The descriptors of `now` that were not in `before`. */
function added(before: Map<string, string>, now = watchFds()): string[] {
  return [...now].filter(([fd, what]) => before.get(fd) !== what).map((
    [fd, what],
  ) => `${fd} ${what}`).sort();
}

Deno.test("every kind of file gives its event and nothing is opened", async () => {
  const dir = Deno.makeTempDirSync();
  const inotify = new Inotify();
  try {
    const wd = inotify.addWatch(dir, MASK);
    new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).outputSync();
    Deno.listen({ transport: "unix", path: `${dir}/socket` }).close();
    Deno.symlinkSync("loop", `${dir}/loop`);
    Deno.writeTextFileSync(`${dir}/.tmp`, "");
    Deno.renameSync(`${dir}/.tmp`, `${dir}/done`);
    const names = ["fifo", "socket", "loop", "done"];
    const events = await collect(
      inotify,
      (all) => names.every((n) => all.some((e) => e.name === n)),
    );
    assert.ok(events.every((e) => e.wd === wd));
    assert.ok(events.some((e) => e.name === "fifo" && e.mask & IN_CREATE));
    assert.ok(events.some((e) => e.name === "done" && e.mask & IN_MOVED_TO));
    assert.equal(fifoHasReader(`${dir}/fifo`), false, "the FIFO was opened");
  } finally {
    inotify.close();
    await inotify.closed;
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("close() ends a pending wait at once, and releases both descriptors", async () => {
  const dir = Deno.makeTempDirSync();
  // Other test modules may run in this process: only our descriptors count.
  const before = watchFds();
  const inotify = new Inotify();
  try {
    inotify.addWatch(dir, MASK);
    const kinds = added(before).map((fd) => fd.replace(/^\d+ /, "")).sort();
    assert.deepEqual(kinds, ["anon_inode:[eventfd]", "anon_inode:inotify"]);
    const pending = inotify.next();
    const start = performance.now();
    inotify.close();
    assert.ok(performance.now() - start < 50, "close() waited");
    assert.equal(await within(pending, 5_000, "the wait to end"), null);
    assert.equal(await inotify.next(), null);
    await within(inotify.closed, 5_000, "the descriptors to close");
    assert.deepEqual(added(before), []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("close() with no wait pending releases at once", async () => {
  const before = watchFds();
  const inotify = new Inotify();
  assert.equal(added(before).length, 2);
  inotify.close();
  inotify.close();
  await within(inotify.closed, 5_000, "the descriptors to close");
  assert.deepEqual(added(before), []);
});

Deno.test("a removed directory ends its watch; so does removeWatch", async () => {
  const dir = Deno.makeTempDirSync();
  const inotify = new Inotify();
  try {
    Deno.mkdirSync(`${dir}/a`);
    Deno.mkdirSync(`${dir}/b`);
    const a = inotify.addWatch(`${dir}/a`, MASK);
    const b = inotify.addWatch(`${dir}/b`, MASK);
    assert.notEqual(a, b);
    assert.equal(inotify.addWatch(`${dir}/a`, MASK), a, "one watch per inode");
    Deno.removeSync(`${dir}/a`);
    inotify.removeWatch(b);
    inotify.removeWatch(b);
    const events = await collect(
      inotify,
      (all) => all.filter((e) => e.mask & IN_IGNORED).length === 2,
    );
    assert.ok(events.some((e) => e.wd === a && e.mask & IN_DELETE_SELF));
    assert.throws(
      () => inotify.addWatch(`${dir}/a`, MASK),
      /inotify_add_watch failed with ENOENT/,
    );
    Deno.writeTextFileSync(`${dir}/file`, "");
    assert.throws(
      () => inotify.addWatch(`${dir}/file`, MASK),
      /inotify_add_watch failed with ENOTDIR/,
    );
  } finally {
    inotify.close();
    await inotify.closed;
    Deno.removeSync(dir, { recursive: true });
  }
});

/** The threads of this process now in poll(2) or ppoll(2) (x86_64). */
function threadsInPoll(): number[] {
  const POLL = 7, PPOLL = 271;
  const found: number[] = [];
  for (const { name } of Deno.readDirSync("/proc/self/task")) {
    try {
      const call = Number(
        Deno.readTextFileSync(`/proc/self/task/${name}/syscall`).split(" ")[0],
      );
      if (call === POLL || call === PPOLL) found.push(Number(name));
    } catch { /* ended meanwhile */ }
  }
  return found;
}

Deno.test("signals sent straight to the waiting thread never make the wait fail", async () => {
  if (Deno.build.arch !== "x86_64") return; // syscall numbers above.
  const dir = await Deno.makeTempDir();
  const inotify = new Inotify();
  const { tgkill } = Deno.dlopen("libc.so.6", {
    tgkill: { parameters: ["i32", "i32", "i32"], result: "i32" },
  }).symbols;
  // With a handler, a signal interrupts a wait that does not block it (EINTR).
  const SIGURG = 23;
  const handler = () => {};
  Deno.addSignalListener("SIGURG", handler);
  try {
    inotify.addWatch(dir, MASK);
    let settled = false;
    const pending = inotify.next().finally(() => settled = true);
    // Far more interruptions in a row than the wait ever tolerated (100).
    for (let sent = 0; sent < 300 && !settled;) {
      const [tid] = threadsInPoll();
      if (tid === undefined) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      tgkill(Deno.pid, tid, SIGURG);
      sent++;
      await new Promise((r) => setTimeout(r, 0));
    }
    assert.ok(!settled, "the wait ended under the signals");
    await Deno.writeTextFile(`${dir}/done`, "");
    const events = await within(pending, 5_000, "the event after the signals");
    assert.deepEqual(events?.map((e) => e.name), ["done"]);
  } finally {
    Deno.removeSignalListener("SIGURG", handler);
    inotify.close();
    await inotify.closed;
    await Deno.remove(dir, { recursive: true });
  }
});
