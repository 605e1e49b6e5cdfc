// The lost-main rule of the sidecar's lease watch on a clock the test turns:
// real lock files, an injected monotonic clock, explicit looks.
import assert from "node:assert/strict";
import { holdLease, leasePath, LeaseWatch } from "../../lib/triggers/lease.ts";
import type { Trigger } from "../../lib/triggers/watcher.ts";
import {
  lockExclusive,
  lockProbe,
  openLockFile,
  unlock,
} from "../../lib/sys/flock.ts";
import { createLogger } from "../../lib/log/logger.ts";
import { recordingLogger } from "../harness/log.ts";
import { holdsFor, pollUntil, tempDir } from "../harness/mod.ts";

const GRACE = 10_000;

/** A lease watch on one record whose lock file exists and is free. */
async function freeLease(
  dir: string,
  restartPolicy: "Never" | "OnFailure" = "Never",
) {
  const record = `${dir}/done`;
  await Deno.writeTextFile(leasePath(record), "");
  let time = 1_000;
  const { lines, log } = recordingLogger();
  const watch = new LeaseWatch(
    {
      restartPolicy,
      watch: [record],
      lostMainGraceMs: GRACE,
      lostMainExitCode: 1,
    },
    log,
    () => time,
  );
  let fired = false;
  const triggers: Trigger[] = [];
  watch.lost.then((trigger) => {
    fired = true;
    triggers.push(trigger);
  });
  return {
    record,
    lines,
    watch,
    triggers,
    /** Sets the clock, looks once, and says whether the watch fired. */
    async lookAt(ms: number): Promise<boolean> {
      time = ms;
      watch.check();
      await Promise.resolve();
      return fired;
    },
  };
}

Deno.test("lease rule: a free lease with no record fires after the grace, measured on the injected clock", async () => {
  await using dir = await tempDir();
  const lease = await freeLease(dir.path);
  assert.equal(await lease.lookAt(1_000), false);
  assert.equal(await lease.lookAt(1_000 + GRACE - 1), false);
  assert.equal(await lease.lookAt(1_000 + GRACE), true);
  assert.deepEqual(lease.triggers.map((t) => [t.exitCode, t.files]), [
    [1, []],
  ]);
  // A stale lock file: never seen held.
  assert.equal(
    lease.lines.filter((l) => /without a record.*seen_held=false/.test(l))
      .length,
    1,
  );
});

Deno.test("lease rule: no lock file is no lease: never lost", async () => {
  await using dir = await tempDir();
  const lease = await freeLease(dir.path);
  await Deno.remove(leasePath(lease.record));
  assert.equal(await lease.lookAt(1_000), false);
  assert.equal(await lease.lookAt(1_000 + 10 * GRACE), false);
  assert.deepEqual(lease.lines, []);
});

Deno.test("lease rule: once closed, or once fired, a look does nothing", async () => {
  await using dir = await tempDir();
  const closed = await freeLease(dir.path);
  closed.watch.close();
  assert.equal(await closed.lookAt(1_000), false);
  assert.equal(await closed.lookAt(1_000 + GRACE), false);
  assert.deepEqual(closed.lines, []);

  await using other = await tempDir();
  const fired = await freeLease(other.path);
  await fired.lookAt(1_000);
  assert.equal(await fired.lookAt(1_000 + GRACE), true);
  const said = fired.lines.length;
  // The lease goes on being free: nothing more is said or fired.
  await fired.lookAt(1_000 + 3 * GRACE);
  assert.equal(fired.lines.length, said);
  assert.equal(fired.triggers.length, 1);
});

Deno.test("lease rule: a step of the wall clock does not end the grace", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await Deno.writeTextFile(leasePath(record), "");
  const { log } = recordingLogger();
  const watch = new LeaseWatch({
    restartPolicy: "Never",
    watch: [record],
    lostMainGraceMs: 60_000,
    lostMainExitCode: 1,
  }, log);
  let fired = false;
  watch.lost.then(() => fired = true);
  const wall = Date.now;
  try {
    watch.check();
    // NTP steps the clock a day forward.
    Date.now = () => wall() + 86_400_000;
    watch.check();
    await Promise.resolve();
    assert.equal(fired, false);
  } finally {
    Date.now = wall;
    watch.close();
  }
});

Deno.test("lease rule: a main that comes back within the grace and dies again gets a fresh, full grace", async () => {
  await using dir = await tempDir();
  const lease = await freeLease(dir.path);
  assert.equal(await lease.lookAt(1_000), false);
  // A restarted main takes the lease just before the grace is over...
  const held = openLockFile(leasePath(lease.record));
  assert.ok("fd" in held && lockExclusive(held.fd) === 0);
  assert.equal(await lease.lookAt(1_000 + GRACE - 100), false);
  // ...and dies again: the grace starts over from here.
  unlock(held.fd);
  const again = 1_000 + GRACE + 50;
  assert.equal(await lease.lookAt(again), false);
  assert.equal(await lease.lookAt(again + GRACE - 1), false);
  assert.equal(await lease.lookAt(again + GRACE), true);
  assert.equal(
    lease.lines.filter((l) =>
      /took the lease again file=/.test(l) && l.includes(lease.record)
    ).length,
    1,
  );
  // Its second end: this lease was seen held.
  assert.equal(
    lease.lines.filter((l) => /without a record.*seen_held=true/.test(l))
      .length,
    1,
  );
});

Deno.test("lease rule: a directory at the record's path is no record; a valid record is", async () => {
  await using dir = await tempDir();
  const lease = await freeLease(dir.path);
  await Deno.mkdir(lease.record);
  assert.equal(await lease.lookAt(1_000), false);
  assert.equal(await lease.lookAt(1_000 + GRACE), true);

  await using other = await tempDir();
  const valid = await freeLease(other.path);
  await Deno.writeTextFile(valid.record, '{"guillotine":1,"exitCode":0}\n');
  assert.equal(await valid.lookAt(1_000), false);
  assert.equal(await valid.lookAt(1_000 + 10 * GRACE), false);
});

/** A debug-level JSON logger whose events a test can read. */
function eventLogger() {
  const events: Record<string, unknown>[] = [];
  const log = createLogger({
    level: "debug",
    format: "json",
    write: (line) => events.push(JSON.parse(line)),
  });
  return { events, log };
}

/** This process's descriptors open on `path`. */
function openedAt(path: string): number[] {
  return [...Deno.readDirSync("/proc/self/fd")].filter(({ name }) => {
    try {
      return Deno.readLinkSync(`/proc/self/fd/${name}`) === path;
    } catch {
      return false; // the descriptor of the listing itself, closed since
    }
  }).map(({ name }) => Number(name));
}

/** The events without their time. */
function untimed(events: Record<string, unknown>[]) {
  return events.map(({ time: _, ...rest }) => rest);
}

Deno.test("lease hold: the record's directories are made; the lease is held until released, and a second release lets go of nothing else", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/a/b/done`;
  const lock = leasePath(record);
  const { events, log } = eventLogger();
  const lease = await holdLease(record, log);
  assert.ok(lease);
  assert.deepEqual(untimed(events), [
    { level: "debug", msg: "holding the lease", file: lock },
  ]);
  const probe = lockProbe(lock);
  assert.equal(probe(), "held");
  lease.release();
  assert.equal(probe(), "free");
  // The next holder is likely given the descriptor the first one closed.
  const next = await holdLease(record, log);
  assert.ok(next);
  lease.release();
  assert.equal(probe(), "held", "a second release closed another's lock");
  next.release();
  assert.equal(probe(), "free");
});

Deno.test("lease hold: a lease held by another is tried again for about a second, then a warning with its errno", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  const lock = leasePath(record);
  const other = openLockFile(lock);
  assert.ok("fd" in other && lockExclusive(other.fd) === 0);
  try {
    const { events, log } = eventLogger();
    const began = performance.now();
    assert.equal(await holdLease(record, log), null);
    const took = performance.now() - began;
    assert.ok(took >= 900, `gave up after ${took} ms`);
    assert.deepEqual(untimed(events), [{
      level: "warn",
      msg:
        "cannot take the lease (EAGAIN): the sidecar will not notice if this container dies without a record",
      file: lock,
      errno: "EAGAIN",
    }]);
    assert.deepEqual(openedAt(lock), [other.fd], "its descriptor is closed");
  } finally {
    unlock(other.fd);
  }
});

Deno.test("lease hold: a lock file that is no regular file (a device) is a warning with no errno", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  const lock = leasePath(record);
  // /dev/null's numbers: it opens for writing, and is no regular file.
  const made = await new Deno.Command("mknod", { args: [lock, "c", "1", "3"] })
    .output();
  assert.ok(made.success, "mknod");
  const { events, log } = eventLogger();
  assert.equal(await holdLease(record, log), null);
  assert.deepEqual(untimed(events), [{
    level: "warn",
    msg:
      "cannot take the lease (it is not a regular file): the sidecar will not notice if this container dies without a record",
    file: lock,
    errno: null,
  }]);
});

Deno.test("lease rule: under OnFailure a lost main is said once and waited for, never fired; lost again after holding the lease, it is said again", async () => {
  await using dir = await tempDir();
  const lease = await freeLease(dir.path, "OnFailure");
  const lost = (l: string) =>
    l ===
      `guillotine: warn: main container lost (no record, its lease free for 10s): under restartPolicy OnFailure the kubelet restarts it; watching for its next record file=${lease.record}`;
  assert.equal(await lease.lookAt(1_000), false);
  assert.equal(await lease.lookAt(1_000 + GRACE - 1), false);
  assert.equal(lease.lines.filter(lost).length, 0);
  assert.equal(await lease.lookAt(1_000 + GRACE), false);
  assert.equal(await lease.lookAt(1_000 + 5 * GRACE), false);
  assert.equal(lease.lines.filter(lost).length, 1);
  // The restarted main takes the lease, and is lost in its turn.
  const held = openLockFile(leasePath(lease.record));
  assert.ok("fd" in held && lockExclusive(held.fd) === 0);
  assert.equal(await lease.lookAt(1_000 + 6 * GRACE), false);
  assert.equal(await lease.lookAt(1_000 + 6 * GRACE + 1), false);
  // Said once, when it is taken again; no more while it is held.
  assert.equal(
    lease.lines.filter((l) => /took the lease again/.test(l)).length,
    1,
  );
  unlock(held.fd);
  assert.equal(await lease.lookAt(1_000 + 7 * GRACE), false);
  assert.equal(await lease.lookAt(1_000 + 8 * GRACE), false);
  assert.equal(lease.lines.filter(lost).length, 2);
  assert.deepEqual(lease.triggers, []);
});

Deno.test("lease rule: a lock file that cannot be probed (a symlink there) is said once, with the file and the errno, and is never lost", async () => {
  await using dir = await tempDir();
  const lease = await freeLease(dir.path);
  const lock = leasePath(lease.record);
  await Deno.remove(lock);
  await Deno.symlink(`${dir.path}/elsewhere`, lock);
  assert.equal(await lease.lookAt(1_000), false);
  assert.equal(await lease.lookAt(1_000 + 10 * GRACE), false);
  assert.deepEqual(lease.lines, [
    `guillotine: warn: cannot probe the lease (ELOOP): a main container that dies will not be noticed file=${lock} errno=ELOOP`,
  ]);
});

/** A lease watch on `records` whose looks are counted; its clock stands still. */
function countedWatch(records: string[], time: number) {
  const { lines, log } = recordingLogger();
  const watch = new LeaseWatch(
    {
      restartPolicy: "Never",
      watch: records,
      lostMainGraceMs: 600_000,
      lostMainExitCode: 1,
    },
    log,
    () => time,
  );
  let looks = 0;
  const check = watch.check.bind(watch);
  watch.check = (now?: number) => {
    looks++;
    check(now);
  };
  return { lines, watch, looks: () => looks };
}

Deno.test("lease watch: while a grace runs, and with another lease never lost, the watch looks once, then once for each event, and otherwise waits for the safety look", async () => {
  await using dir = await tempDir();
  const [lost, absent] = [`${dir.path}/done`, `${dir.path}/other`];
  await Deno.writeTextFile(leasePath(lost), "");
  // Late on the monotonic clock: a wait reckoned from a grace that never
  // began would be long past.
  const { lines, watch, looks } = countedWatch([lost, absent], 1e9);
  const running = watch.start();
  try {
    await pollUntil(() => looks() > 0, "the first look");
    assert.ok(lines.some((l) => l.includes("without a record")), "lost");
    await holdsFor(() => looks() === 1, "one look", 1_000);
    // An event (the lock file closed after writing) is one more look.
    await Deno.writeTextFile(leasePath(lost), "");
    await pollUntil(() => looks() > 1, "the look the event prompts");
    await holdsFor(() => looks() === 2, "two looks", 500);
    // Closed, it ends at once, not at the end of its wait (the safety look).
    let ended = false;
    running.then(() => ended = true);
    watch.close();
    await pollUntil(() => ended, "the end of the watch", 2_000);
  } finally {
    watch.close();
    await running;
  }
});

Deno.test("lease watch: a records' directory removed and made again is watched again", async () => {
  await using dir = await tempDir();
  const share = `${dir.path}/share`;
  await Deno.mkdir(share);
  const record = `${share}/done`;
  const { lines, watch } = countedWatch([record], 1_000);
  const watching = (l: string) =>
    l === `guillotine: debug: watching the leases for events dir=${share}`;
  const running = watch.start();
  try {
    await pollUntil(() => lines.some(watching), "the watch");
    await Deno.remove(share);
    await Deno.mkdir(share);
    // Within a few of the looks made while it is not watched (every 250 ms),
    // well before the safety look (10 s).
    await pollUntil(
      () => lines.filter(watching).length === 2,
      "the directory watched again",
      5_000,
    );
    await Deno.writeTextFile(leasePath(record), "");
    await pollUntil(
      () => lines.some((l) => l.includes("without a record")),
      "the free lease seen",
      5_000,
    );
  } finally {
    watch.close();
    await running;
  }
});

Deno.test("lease watch: once fired, it is closed, and its loop ends", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await Deno.writeTextFile(leasePath(record), "");
  let time = 1_000;
  const { lines, log } = recordingLogger();
  const watch = new LeaseWatch(
    {
      restartPolicy: "Never",
      watch: [record],
      lostMainGraceMs: GRACE,
      lostMainExitCode: 1,
    },
    log,
    () => time,
  );
  let [fired, ended] = [false, false];
  watch.lost.then(() => fired = true);
  const running = watch.start().then(() => ended = true);
  try {
    await pollUntil(
      () => lines.some((l) => l.includes("without a record")),
      "the first look",
    );
    time += GRACE;
    watch.check();
    // At once, not at the end of its wait (the safety look, 10 s).
    await pollUntil(() => fired && ended, "the end of the watch", 2_000);
  } finally {
    watch.close();
    await running;
  }
});
