// What prompts the sidecar to look at a lease: a real inotify watch of a real
// directory; its own looks' closes prompt nothing.
import assert from "node:assert/strict";
import { LeaseEvents } from "../../lib/triggers/lease.ts";
import { holdLease } from "../../lib/triggers/lease.ts";
import { recordingLogger } from "../harness/log.ts";
import { holdsFor, pollUntil, sleep, tempDir } from "../harness/mod.ts";

/** Lease events on `records`, counting the looks they prompt; closed when disposed. */
function watchingLeases(records: string[]) {
  const { log, lines } = recordingLogger();
  const w = {
    log,
    lines,
    changes: 0,
    events: new LeaseEvents(records, () => w.changes++, log),
    [Symbol.dispose]: () => w.events.close(),
  };
  return w;
}

/** Opens and closes `path` read-only, as a look at the lease does. */
function openAndClose(path: string): void {
  Deno.openSync(path, { read: true }).close();
}

Deno.test("lease events: read-only closes (the sidecar's own looks) prompt nothing; a close after writing does", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  const lock = `${record}.lock`;
  await Deno.writeTextFile(lock, "");
  await Deno.writeTextFile(record, "{}");
  await Deno.writeTextFile(`${dir.path}/other`, "");
  using w = watchingLeases([record]);
  assert.equal(w.events.arm(), true);
  for (let i = 0; i < 10; i++) {
    openAndClose(lock);
    openAndClose(record);
    // Paced so that each close comes in a batch of its own.
    await sleep(10);
  }
  // A file that is neither the record nor its lock is no news either.
  await Deno.writeTextFile(`${dir.path}/other`, "x");
  // A main that dies closes the lock file it opened for writing.
  await Deno.writeTextFile(lock, "");
  await pollUntil(() => w.changes > 0, "the close of the lock file");
  await sleep(50);
  assert.equal(w.changes, 1);
});

Deno.test("lease events: a record made, or removed, prompts a look", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  using w = watchingLeases([record]);
  assert.equal(w.events.arm(), true);
  await Deno.mkdir(record);
  await pollUntil(() => w.changes > 0, "a directory made at the record's path");
  await Deno.remove(record);
  await pollUntil(() => w.changes > 1, "it removed");
  await Deno.writeTextFile(`${dir.path}/.tmp`, "{}");
  await Deno.rename(`${dir.path}/.tmp`, record);
  await pollUntil(() => w.changes > 2, "the record renamed into place");
});

Deno.test("lease events: a directory that does not exist yet is watched once it does", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/later/done`;
  using w = watchingLeases([record]);
  assert.equal(w.events.arm(), false);
  assert.equal(w.events.armed, false);
  assert.deepEqual(w.lines.filter((l) => /warn/.test(l)), []);
  await Deno.mkdir(`${dir.path}/later`);
  assert.equal(w.events.arm(), true);
  assert.equal(w.events.armed, true);
  await Deno.writeTextFile(`${record}.lock`, "");
  await pollUntil(() => w.changes > 0, "the lock file made");
});

Deno.test("lease events: a watched directory removed is no longer armed, and is watched again once made again", async () => {
  await using dir = await tempDir();
  const sub = `${dir.path}/share`;
  await Deno.mkdir(sub);
  const record = `${sub}/done`;
  using w = watchingLeases([record]);
  assert.equal(w.events.arm(), true);
  await Deno.remove(sub);
  await pollUntil(() => !w.events.armed, "the watch to end with its directory");
  assert.ok(w.changes > 0, "the end of the watch prompts a look");
  await Deno.mkdir(sub);
  assert.equal(w.events.arm(), true);
  const before = w.changes;
  await Deno.writeTextFile(`${record}.lock`, "");
  await pollUntil(() => w.changes > before, "an event from the new directory");
});

Deno.test("lease events: a lock file made prompts nothing until it is closed after writing (a main holds it in between)", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  using w = watchingLeases([record]);
  assert.equal(w.events.arm(), true);
  const file = Deno.openSync(`${record}.lock`, { write: true, create: true });
  // Paced so that the creation comes in a batch of its own.
  await sleep(50);
  file.close();
  await pollUntil(() => w.changes > 0, "the close of the lock file");
  await sleep(50);
  assert.equal(w.changes, 1);
});

Deno.test("lease events: a main that waits for its lock (a probe holds it) makes one event, once it holds it", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  const lock = `${record}.lock`;
  await Deno.writeTextFile(lock, "");
  // Held the way a probe (or a previous holder) holds it, read-only.
  const holder = Deno.openSync(lock, { read: true });
  holder.lockSync(true);
  using w = watchingLeases([record]);
  assert.equal(w.events.arm(), true);
  const taking = holdLease(record, w.log);
  // Long enough for several of the main's tries.
  await sleep(150);
  holder.close();
  const lease = await taking;
  assert.ok(lease, "the lease taken once the holder let go");
  await pollUntil(() => w.changes > 0, "the lock file's mode change");
  await sleep(50);
  // One event (its mode changed once held), not one per try.
  assert.equal(w.changes, 1);
  lease.release();
});

/** This process's open inotify instances. */
function inotifyInstances(): number {
  return [...Deno.readDirSync("/proc/self/fd")].filter(({ name }) => {
    try {
      return Deno.readLinkSync(`/proc/self/fd/${name}`) ===
        "anon_inode:inotify";
    } catch {
      return false; // the descriptor of the listing itself, closed since
    }
  }).length;
}

Deno.test("lease events: armed only when every records' directory is watched; armed again, nothing new is said; closed, the instance is closed", async () => {
  await using dir = await tempDir();
  const [here, later] = [`${dir.path}/here`, `${dir.path}/later`];
  await Deno.mkdir(here);
  const { log, lines } = recordingLogger();
  const before = inotifyInstances();
  const events = new LeaseEvents(
    [`${here}/done`, `${later}/done`],
    () => {},
    log,
  );
  try {
    assert.equal(events.arm(), false);
    assert.equal(events.armed, false);
    assert.equal(inotifyInstances(), before + 1);
    await Deno.mkdir(later);
    assert.equal(events.arm(), true);
    assert.equal(events.arm(), true);
    assert.deepEqual(lines, [
      `guillotine: debug: watching the leases for events dir=${here}`,
      `guillotine: debug: watching the leases for events dir=${later}`,
    ]);
  } finally {
    events.close();
  }
  // Closed once its waiting read has seen the close.
  await pollUntil(() => inotifyInstances() === before, "the instance closed");
});

Deno.test("lease events: an overflow of the event queue (events may be lost) prompts a look", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  const files = [`${dir.path}/a`, `${dir.path}/b`];
  for (const file of files) await Deno.writeTextFile(file, "");
  using w = watchingLeases([record]);
  assert.equal(w.events.arm(), true);
  // More events than the kernel queues (16384 by default), none of them
  // news, made before the watch reads any; alternated, so none merge.
  const max = Number(
    await Deno.readTextFile("/proc/sys/fs/inotify/max_queued_events"),
  );
  for (let i = 0; i <= max; i++) Deno.chmodSync(files[i % 2], 0o600 + i % 2);
  await pollUntil(() => w.changes > 0, "the overflow");
});

Deno.test("lease events: a watched directory moved away is no longer watched: one made at its path is", async () => {
  await using dir = await tempDir();
  const sub = `${dir.path}/share`;
  await Deno.mkdir(sub);
  const record = `${sub}/done`;
  using w = watchingLeases([record]);
  assert.equal(w.events.arm(), true);
  // Its watch goes on, on the directory under its new name.
  await Deno.rename(sub, `${dir.path}/moved`);
  await pollUntil(() => w.changes > 0, "the move prompting a look");
  // The end of the watch it drops (IN_IGNORED, of no directory now) is no
  // news.
  await holdsFor(() => w.changes === 1, "one look", 200);
  await Deno.mkdir(sub);
  assert.equal(w.events.arm(), true);
  const before = w.changes;
  await Deno.writeTextFile(`${record}.lock`, "");
  await pollUntil(() => w.changes > before, "an event from the new directory");
});
