// The lease between the two sides (issue #10): each side is PID 1 of its own
// PID namespace, and they share a directory, as containers share an emptyDir.
import assert from "node:assert/strict";
import { leasePath } from "../../lib/triggers/lease.ts";
import { lockProbe } from "../../lib/sys/flock.ts";
import {
  type EventMatch,
  eventsLike,
  findEvent,
  type Guillotine,
  guillotineArgv,
  noEvent,
  pollUntil,
  sleep,
  spawn,
  start,
  tempDir,
} from "../harness/mod.ts";

const JSON_LOG = ["--log-format", "json"];

/** The sidecar's warning that `record`'s main ended without it. */
function ended(record: string, grace: string): EventMatch {
  return {
    level: "warn",
    msg:
      `main container ended without a record (its lease is free): waiting ${grace} for it to come back`,
    file: record,
  };
}

/** Any such warning, whatever the grace: the only event with seen_held. */
function anyEnded(record: string): EventMatch {
  return (e) => e.file === record && "seen_held" in e;
}

/** The sidecar's trigger when `record`'s main is lost. */
function lost(record: string, grace: string): EventMatch {
  return {
    msg:
      `guillotining the child: main container lost: no record at ${record} and its lease free for ${grace}`,
  };
}

/** The sidecar's warning that it cannot probe `lock`, whatever the errno. */
function cannotProbe(lock: string): EventMatch {
  return (e) => e.level === "warn" && e.file === lock && "errno" in e;
}

/** When the first event like `match` was logged, in ms since the epoch. */
function timeOf(g: Guillotine, match: EventMatch): number {
  return Date.parse(findEvent(g.events, match, g.stderr).time);
}

/** guillotine as PID 1 running as the user nobody (65534), not root. */
function startAsNobody(args: string[]): Guillotine {
  return spawn([
    "setpriv",
    "--reuid",
    "65534",
    "--regid",
    "65534",
    "--clear-groups",
    ...guillotineArgv([...JSON_LOG, ...args]),
  ], { what: "guillotine" });
}

/** A main container: guillotine --notify over a long piece of work. */
async function startMain(record: string): Promise<Guillotine> {
  const main = start([...JSON_LOG, "--notify", record, "sleep", "100"]);
  await main.childPid();
  await pollUntil(
    () => lockProbe(leasePath(record))() === "held",
    "the main side to hold its lease",
  );
  return main;
}

/** Kills a main container's guillotine as an OOM group kill would. */
async function killMain(main: Guillotine): Promise<void> {
  await main.kill("SIGKILL");
  await main.status();
}

/** A sidecar: guillotine --watch over a stand-in proxy. */
async function startSidecar(
  records: string[],
  extra: string[] = [],
): Promise<Guillotine> {
  const grace = extra.includes("--lost-main-grace")
    ? []
    : ["--lost-main-grace", "1s"];
  const sidecar = start([
    ...JSON_LOG,
    ...records.flatMap((r) => ["--watch", r]),
    ...grace,
    ...extra,
    "sleep",
    "100",
  ]);
  await sidecar.childPid();
  return sidecar;
}

Deno.test("lease: a main side killed mid-work ends the sidecar with the lost-main code within the grace period plus 1 s", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using sidecar = await startSidecar([record]);
  await using main = await startMain(record);
  const killed = Date.now();
  await killMain(main);
  const status = await sidecar.status(10_000);
  const elapsed = Date.now() - killed;
  assert.equal(status.code, 1, sidecar.stderr);
  assert.ok(elapsed <= 2_000, `ended ${elapsed} ms after the kill`);
  findEvent(sidecar.events, ended(record, "1s"), sidecar.stderr);
  const { pid } = findEvent(sidecar.events, { msg: "child started" });
  findEvent(sidecar.events, {
    msg: "sent SIGTERM to the child's process group",
    pgid: pid,
  }, sidecar.stderr);
  await assert.rejects(Deno.stat(record), Deno.errors.NotFound);
});

Deno.test("lease: a main that comes back within the grace period keeps the sidecar running until its record", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using sidecar = await startSidecar([record], [
    "--lost-main-grace",
    "3s",
  ]);
  await using first = await startMain(record);
  await killMain(first);
  await sidecar.waitForEvent(ended(record, "3s"));
  // The restarted main takes the lease back and finishes its work.
  await using second = start(["--notify", record, "sh", "-c", "exit 0"]);
  assert.equal((await second.status()).code, 0, second.stderr);
  const status = await sidecar.status(10_000);
  assert.equal(status.code, 0, sidecar.stderr);
  const { pid } = findEvent(sidecar.events, { msg: "child started" });
  findEvent(sidecar.events, {
    msg: `guillotining the child: watched file ${record} exists`,
    pid,
  }, sidecar.stderr);
  noEvent(sidecar.events, lost(record, "3s"), sidecar.stderr);
});

Deno.test("lease: a main that ends normally wins with its record, without a lost-main message", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using sidecar = await startSidecar([record], ["--exit-code-from-file"]);
  await using main = start(["--notify", record, "sh", "-c", "exit 3"]);
  assert.equal((await main.status()).code, 3);
  assert.equal((await sidecar.status(10_000)).code, 3, sidecar.stderr);
  // Neither ended without a record nor lost.
  noEvent(sidecar.events, anyEnded(record), sidecar.stderr);
  noEvent(sidecar.events, lost(record, "1s"), sidecar.stderr);
});

for (const mode of ["all", "any"]) {
  Deno.test(`lease: two mains, one killed, in ${mode} mode: the sidecar ends with the lost-main code`, async () => {
    await using dir = await tempDir();
    const [a, b] = [`${dir.path}/a`, `${dir.path}/b`];
    await using sidecar = await startSidecar([a, b], [
      "--watch-mode",
      mode,
      "--lost-main-exit-code",
      "42",
    ]);
    await using mainA = await startMain(a);
    await using mainB = await startMain(b);
    await killMain(mainA);
    assert.equal((await sidecar.status(10_000)).code, 42, sidecar.stderr);
    findEvent(sidecar.events, lost(a, "1s"), sidecar.stderr);
    assert.ok(
      lockProbe(leasePath(b))() === "held",
      "main B still runs",
    );
    mainB.destroy();
  });
}

Deno.test("lease: --lease off on the main side takes no lease, and a sidecar with --lease off ignores a free one", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using main = start([
    "--lease",
    "off",
    "--notify",
    record,
    "sh",
    "-c",
    "exit 0",
  ]);
  assert.equal((await main.status()).code, 0);
  await assert.rejects(Deno.stat(leasePath(record)), Deno.errors.NotFound);
  await Deno.remove(record);

  // A free lease with no record: a sidecar with the lease on ends at once
  // (grace 0); one with it off keeps its child until the record comes.
  await Deno.writeTextFile(leasePath(record), "");
  await using on = start([
    "--watch",
    record,
    "--lost-main-grace",
    "0",
    "sleep",
    "100",
  ]);
  assert.equal((await on.status(10_000)).code, 1, on.stderr);
  await using off = await startSidecar([record], [
    "--lost-main-grace",
    "0",
    "--lease",
    "off",
  ]);
  // As long as the sidecar with the lease on took, three times over.
  await new Promise((r) => setTimeout(r, 1_000));
  noEvent(off.events, anyEnded(record), off.stderr);
  await Deno.writeTextFile(record, "");
  assert.equal((await off.status(10_000)).code, 0, off.stderr);
});

Deno.test("lease: a main whose child makes a directory at the record's path says so (EISDIR), and the sidecar takes it as lost", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using sidecar = await startSidecar([record]);
  await using main = start([
    ...JSON_LOG,
    "--notify",
    record,
    "sh",
    "-c",
    `mkdir ${record}; exit 3`,
  ]);
  assert.equal((await main.status()).code, 3, main.stderr);
  const failed = eventsLike(main.events, {
    msg:
      "cannot write completion record: the sidecar will take this container as lost",
  });
  assert.deepEqual(
    failed.map((e) => [e.level, e.file, e.errno]),
    [["error", record, "EISDIR"]],
    main.stderr,
  );
  assert.equal((await sidecar.status(10_000)).code, 1, sidecar.stderr);
  assert.equal(
    eventsLike(sidecar.events, lost(record, "1s")).length,
    1,
    sidecar.stderr,
  );
});

Deno.test("lease: a main as root with umask 077 is still watched by a sidecar running as another user", async () => {
  await using dir = await tempDir();
  await Deno.chmod(dir.path, 0o755);
  const record = `${dir.path}/done`;
  await using sidecar = startAsNobody([
    "--watch",
    record,
    "--lost-main-grace",
    "1s",
    "sleep",
    "100",
  ]);
  await sidecar.childPid();
  await using main = spawn([
    "sh",
    "-c",
    `umask 077 && exec "$@"`,
    "sh",
    ...guillotineArgv(["--notify", record, "sleep", "100"]),
  ], { what: "guillotine" });
  await main.childPid();
  const lock = leasePath(record);
  await pollUntil(() => lockProbe(lock)() === "held", "the lease");
  assert.equal((await Deno.stat(lock)).mode! & 0o777, 0o644);
  await killMain(main);
  assert.equal((await sidecar.status(10_000)).code, 1, sidecar.stderr);
  noEvent(sidecar.events, cannotProbe(lock), sidecar.stderr);
  assert.equal(
    eventsLike(sidecar.events, lost(record, "1s")).length,
    1,
    sidecar.stderr,
  );
});

Deno.test("lease: a record written under umask 077 is readable by a sidecar running as another user", async () => {
  await using dir = await tempDir();
  await Deno.chmod(dir.path, 0o755);
  const record = `${dir.path}/done`;
  await using sidecar = startAsNobody([
    "--watch",
    record,
    "--exit-code-from-file",
    "sleep",
    "100",
  ]);
  await sidecar.childPid();
  await using main = spawn([
    "sh",
    "-c",
    `umask 077 && exec "$@"`,
    "sh",
    ...guillotineArgv(["--notify", record, "sh", "-c", "exit 5"]),
  ], { what: "guillotine" });
  assert.equal((await main.status()).code, 5, main.stderr);
  assert.equal((await Deno.stat(record)).mode! & 0o777, 0o644);
  assert.equal((await sidecar.status(10_000)).code, 5, sidecar.stderr);
});

Deno.test("lease: a sidecar that cannot probe a lock file says so once, naming the file and the errno", async () => {
  await using dir = await tempDir();
  await Deno.chmod(dir.path, 0o755);
  const record = `${dir.path}/done`;
  const lock = leasePath(record);
  await Deno.writeTextFile(lock, "", { mode: 0o600 });
  await Deno.chmod(lock, 0o600);
  await using sidecar = startAsNobody([
    "--watch",
    record,
    "sleep",
    "100",
  ]);
  await sidecar.childPid();
  await sidecar.waitForEvent({
    level: "warn",
    msg:
      "cannot probe the lease (EACCES): a main container that dies will not be noticed",
    file: lock,
    errno: "EACCES",
  });
  // More looks at the lease (a write to the lock file prompts one) say
  // nothing more.
  for (let i = 0; i < 5; i++) {
    await Deno.writeTextFile(lock, "");
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(
    eventsLike(sidecar.events, cannotProbe(lock)).length,
    1,
    sidecar.stderr,
  );
});

Deno.test("lease: a symlink planted at FILE.lock is not followed: nothing is made where it points, the record is written", async () => {
  await using dir = await tempDir();
  await using outside = await tempDir();
  const record = `${dir.path}/done`;
  const target = `${outside.path}/created-through-the-link`;
  await Deno.symlink(target, leasePath(record));
  await using main = start([
    ...JSON_LOG,
    "--notify",
    record,
    "sh",
    "-c",
    "exit 0",
  ]);
  assert.equal((await main.status()).code, 0, main.stderr);
  await assert.rejects(Deno.lstat(target), Deno.errors.NotFound);
  findEvent(main.events, {
    level: "warn",
    msg:
      "cannot take the lease (it is a symbolic link: not followed): the sidecar will not notice if this container dies without a record",
    file: leasePath(record),
    errno: "ELOOP",
  }, main.stderr);
  assert.equal(
    JSON.parse(await Deno.readTextFile(record)).exitCode,
    0,
  );
});

Deno.test("lease: a main killed with SIGKILL is noticed at once through inotify, not by a periodic look (lost within the grace + 1 s)", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using sidecar = await startSidecar([record], [
    "--log-level",
    "debug",
  ]);
  await using main = await startMain(record);
  // The sidecar watches for events from its first look on.
  await sidecar.waitForEvent({
    level: "debug",
    msg: "watching the leases for events",
    dir: dir.path,
  });
  const killed = Date.now();
  await killMain(main);
  assert.equal((await sidecar.status(10_000)).code, 1, sidecar.stderr);
  const noticed = timeOf(sidecar, ended(record, "1s")) - killed;
  const lostAt = timeOf(sidecar, lost(record, "1s")) - killed;
  console.log(`noticed ${noticed} ms after the kill; lost after ${lostAt} ms`);
  assert.ok(lostAt < 1_000 + 1_000, `lost ${lostAt} ms after the kill`);
  // The grace, on the sidecar's own clock: from its notice to the end.
  assert.ok(
    lostAt - noticed >= 990 && lostAt - noticed < 1_400,
    `lost ${lostAt - noticed} ms after the notice`,
  );
  assert.ok(
    noticed >= 0 && noticed < 1_000,
    `noticed ${noticed} ms after the kill`,
  );
  // The main taking its lease at the start was no lost main.
  assert.equal(
    eventsLike(sidecar.events, anyEnded(record)).length,
    1,
    sidecar.stderr,
  );
});

Deno.test("lease: a main that comes back within the grace and dies again gets a fresh, full grace", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using sidecar = await startSidecar([record], [
    "--lost-main-grace",
    "3s",
  ]);
  await using first = await startMain(record);
  await killMain(first);
  await sidecar.waitForEvent(ended(record, "3s"));
  await using second = await startMain(record);
  const held = Date.now();
  // Seen at once (its lock file's mode change is an event), not at the end
  // of the grace.
  await sidecar.waitForEvent({
    level: "info",
    msg: "a main container took the lease again",
    file: record,
  });
  const seen = Date.now() - held;
  assert.ok(seen < 1_500, `the new holder seen after ${seen} ms`);
  // Dies again well into the first grace: an end at the first grace's
  // deadline would come about 1 s after this kill, a fresh grace's 3 s after.
  const graceBegan = timeOf(sidecar, ended(record, "3s"));
  await sleep(graceBegan + 2_000 - Date.now());
  const killed = Date.now();
  await killMain(second);
  assert.equal((await sidecar.status(15_000)).code, 1, sidecar.stderr);
  const lostAt = timeOf(sidecar, lost(record, "3s")) - killed;
  console.log(`lost ${lostAt} ms after the second kill (grace 3 s)`);
  assert.ok(lostAt >= 2_900, `lost ${lostAt} ms after the second kill`);
});

Deno.test("lease: the record is there whenever the lease is seen free after being held (never released first)", async () => {
  await using dir = await tempDir();
  for (let round = 0; round < 6; round++) {
    const record = `${dir.path}/done-${round}`;
    const lock = lockProbe(leasePath(record));
    await using main = start([
      "--notify",
      record,
      "sh",
      "-c",
      "sleep 0.3; exit 4",
    ]);
    let seenHeld = false, looks = 0, ended = false;
    const status = main.status().finally(() => ended = true);
    while (!ended) {
      for (let i = 0; i < 50; i++) {
        const state = lock();
        looks++;
        if (state === "held") seenHeld = true;
        else if (state === "free" && seenHeld) {
          // The instant the lease is free, the record must be whole.
          const text = Deno.readTextFileSync(record);
          assert.equal(JSON.parse(text).exitCode, 4, text);
        }
        // A shared lock held an instant at a time: the main's retries win.
        for (const end = performance.now() + 0.2; performance.now() < end;);
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    assert.equal((await status).code, 4, main.stderr);
    assert.ok(seenHeld, `round ${round}: the lease never seen held`);
    assert.ok(looks > 100, `round ${round}: only ${looks} looks`);
  }
});
