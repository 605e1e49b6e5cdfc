// The lost-main rule of the sidecar's lease watch on a clock the test turns:
// real lock files, an injected monotonic clock, explicit looks.
import assert from "node:assert/strict";
import { leasePath, LeaseWatch } from "../../lib/triggers/lease.ts";
import type { Trigger } from "../../lib/triggers/watcher.ts";
import { lockExclusive, openLockFile, unlock } from "../../lib/sys/flock.ts";
import { recordingLogger } from "../harness/log.ts";
import { tempDir } from "../harness/mod.ts";

const GRACE = 10_000;

/** A lease watch on one record whose lock file exists and is free. */
async function freeLease(dir: string) {
  const record = `${dir}/done`;
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
