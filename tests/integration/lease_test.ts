// The lease between the two sides (issue #10): each side is PID 1 of its own
// PID namespace, and they share a directory, as containers share an emptyDir.
import assert from "node:assert/strict";
import { leasePath } from "../../lib/triggers/lease.ts";
import { lockProbe } from "../../lib/sys/flock.ts";
import {
  type Guillotine,
  guillotineArgv,
  pollUntil,
  sleep,
  spawn,
  start,
  tempDir,
} from "../harness/mod.ts";

/** The JSON log events that a run wrote on stderr so far. */
function events(g: Guillotine): Record<string, unknown>[] {
  return g.stderr.split("\n").filter((l) => l.startsWith("{")).map((l) =>
    JSON.parse(l)
  );
}

/** The events whose message starts with `prefix`. */
function eventsOf(g: Guillotine, prefix: string): Record<string, unknown>[] {
  return events(g).filter((e) => String(e.msg).startsWith(prefix));
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
    ...guillotineArgv(args),
  ], { what: "guillotine" });
}

/** A main container: guillotine --notify over a long piece of work. */
async function startMain(record: string): Promise<Guillotine> {
  const main = start(["--notify", record, "sleep", "100"]);
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
  assert.match(sidecar.stderr, /main container ended without a record/);
  assert.match(sidecar.stderr, /sent SIGTERM to the child's process group/);
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
  await sidecar.waitForStderr(/main container ended without a record/);
  // The restarted main takes the lease back and finishes its work.
  await using second = start(["--notify", record, "sh", "-c", "exit 0"]);
  assert.equal((await second.status()).code, 0, second.stderr);
  const status = await sidecar.status(10_000);
  assert.equal(status.code, 0, sidecar.stderr);
  assert.match(sidecar.stderr, /guillotining the child: .*done/);
  assert.doesNotMatch(sidecar.stderr, /main container lost/);
});

Deno.test("lease: a main that ends normally wins with its record, without a lost-main message", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using sidecar = await startSidecar([record], ["--exit-code-from-file"]);
  await using main = start(["--notify", record, "sh", "-c", "exit 3"]);
  assert.equal((await main.status()).code, 3);
  assert.equal((await sidecar.status(10_000)).code, 3, sidecar.stderr);
  assert.doesNotMatch(sidecar.stderr, /without a record|lost/);
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
    assert.match(sidecar.stderr, new RegExp(`no record at ${a}`));
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
  assert.doesNotMatch(off.stderr, /without a record/);
  await Deno.writeTextFile(record, "");
  assert.equal((await off.status(10_000)).code, 0, off.stderr);
});

Deno.test("lease: a main whose child makes a directory at the record's path says so (EISDIR), and the sidecar takes it as lost", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using sidecar = await startSidecar([record], [
    "--log-format",
    "json",
  ]);
  await using main = start([
    "--log-format",
    "json",
    "--notify",
    record,
    "sh",
    "-c",
    `mkdir ${record}; exit 3`,
  ]);
  assert.equal((await main.status()).code, 3, main.stderr);
  const [failed, ...more] = eventsOf(main, "cannot write completion record");
  assert.deepEqual(
    [failed?.level, failed?.file, failed?.errno, more.length],
    ["error", record, "EISDIR", 0],
    main.stderr,
  );
  assert.equal((await sidecar.status(10_000)).code, 1, sidecar.stderr);
  assert.equal(
    eventsOf(sidecar, "guillotining the child: main container lost").length,
    1,
  );
});

Deno.test("lease: a main as root with umask 077 is still watched by a sidecar running as another user", async () => {
  await using dir = await tempDir();
  await Deno.chmod(dir.path, 0o755);
  const record = `${dir.path}/done`;
  await using sidecar = startAsNobody([
    "--log-format",
    "json",
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
  assert.equal(eventsOf(sidecar, "cannot probe").length, 0, sidecar.stderr);
  assert.equal(
    eventsOf(sidecar, "guillotining the child: main container lost").length,
    1,
  );
});

Deno.test("lease: a record written under umask 077 is readable by a sidecar running as another user", async () => {
  await using dir = await tempDir();
  await Deno.chmod(dir.path, 0o755);
  const record = `${dir.path}/done`;
  await using sidecar = startAsNobody([
    "--log-format",
    "json",
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
    "--log-format",
    "json",
    "--watch",
    record,
    "sleep",
    "100",
  ]);
  await sidecar.childPid();
  const warned = await pollUntil(
    () => eventsOf(sidecar, "cannot probe the lease")[0],
    () => `the warning; stderr: ${sidecar.stderr}`,
  );
  assert.deepEqual([warned.level, warned.file, warned.errno], [
    "warn",
    lock,
    "EACCES",
  ]);
  // More looks at the lease (a write to the lock file prompts one) say
  // nothing more.
  for (let i = 0; i < 5; i++) {
    await Deno.writeTextFile(lock, "");
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(eventsOf(sidecar, "cannot probe").length, 1, sidecar.stderr);
});

Deno.test("lease: a symlink planted at FILE.lock is not followed: nothing is made where it points, the record is written", async () => {
  await using dir = await tempDir();
  await using outside = await tempDir();
  const record = `${dir.path}/done`;
  const target = `${outside.path}/created-through-the-link`;
  await Deno.symlink(target, leasePath(record));
  await using main = start([
    "--log-format",
    "json",
    "--notify",
    record,
    "sh",
    "-c",
    "exit 0",
  ]);
  assert.equal((await main.status()).code, 0, main.stderr);
  await assert.rejects(Deno.lstat(target), Deno.errors.NotFound);
  const [warned] = eventsOf(main, "cannot take the lease");
  assert.deepEqual([warned?.level, warned?.errno], ["warn", "ELOOP"]);
  assert.equal(
    JSON.parse(await Deno.readTextFile(record)).exitCode,
    0,
  );
});

Deno.test("lease: a main killed with SIGKILL is noticed at once through inotify, not by a periodic look (lost within the grace + 1 s)", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using sidecar = await startSidecar([record], [
    "--log-format",
    "json",
    "--log-level",
    "debug",
  ]);
  await using main = await startMain(record);
  // The sidecar watches for events from its first look on.
  await pollUntil(
    () => eventsOf(sidecar, "watching the leases for events").length,
    () => `the lease watch; stderr: ${sidecar.stderr}`,
  );
  const killed = Date.now();
  await killMain(main);
  assert.equal((await sidecar.status(10_000)).code, 1, sidecar.stderr);
  const at = (prefix: string) =>
    Date.parse(String(eventsOf(sidecar, prefix)[0]?.time)) - killed;
  const noticed = at("main container ended without a record");
  const lost = at("guillotining the child: main container lost");
  console.log(`noticed ${noticed} ms after the kill; lost after ${lost} ms`);
  assert.ok(lost < 1_000 + 1_000, `lost ${lost} ms after the kill`);
  // The grace, on the sidecar's own clock: from its notice to the end.
  assert.ok(
    lost - noticed >= 990 && lost - noticed < 1_400,
    `lost ${lost - noticed} ms after the notice`,
  );
  assert.ok(
    noticed >= 0 && noticed < 1_000,
    `noticed ${noticed} ms after the kill`,
  );
  // The main taking its lease at the start was no lost main.
  assert.equal(
    eventsOf(sidecar, "main container ended without a record").length,
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
    "--log-format",
    "json",
  ]);
  await using first = await startMain(record);
  await killMain(first);
  await pollUntil(
    () => eventsOf(sidecar, "main container ended without a record").length,
    () => `the grace to start; stderr: ${sidecar.stderr}`,
  );
  await using second = await startMain(record);
  const held = Date.now();
  // Seen at once (its lock file's mode change is an event), not at the end
  // of the grace.
  await pollUntil(
    () => eventsOf(sidecar, "a main container took the lease again").length,
    () => `the lease taken again; stderr: ${sidecar.stderr}`,
  );
  const seen = Date.now() - held;
  assert.ok(seen < 1_500, `the new holder seen after ${seen} ms`);
  // Dies again well into the first grace: an end at the first grace's
  // deadline would come about 1 s after this kill, a fresh grace's 3 s after.
  const graceBegan = Date.parse(
    String(eventsOf(sidecar, "main container ended without a record")[0].time),
  );
  await sleep(graceBegan + 2_000 - Date.now());
  const killed = Date.now();
  await killMain(second);
  assert.equal((await sidecar.status(15_000)).code, 1, sidecar.stderr);
  const lost = Date.parse(
    String(
      eventsOf(sidecar, "guillotining the child: main container lost")[0]
        ?.time,
    ),
  ) - killed;
  console.log(`lost ${lost} ms after the second kill (grace 3 s)`);
  assert.ok(lost >= 2_900, `lost ${lost} ms after the second kill`);
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
