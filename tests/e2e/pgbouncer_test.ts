/**
 * End-to-end tests with a real proxy that nobody here wrote: Debian's
 * pgbouncer, wrapped by guillotine and stopped with SIGINT (its safe
 * shutdown), between psql in the main container and a private PostgreSQL
 * (postgres.ts), played from tests/e2e/pgbouncer-pod.yaml by `podman kube
 * play` (pod.ts). One test per run:
 *
 * - guillotine on both sides: the Pod exits with exactly one row, and
 *   pgbouncer was ended by guillotine's SIGINT;
 * - the main container killed whole while its psql runs (`podman kill
 *   --signal KILL`, standing for a group OOM kill on cgroup v2; this machine
 *   has cgroup v1): no record, but its lease is free, so the Pod still ends
 *   within the lost-main grace plus a few seconds and the sidecar exits with
 *   the lost-main code;
 * - the control, a plain-shell main side that only touches the file at the
 *   end and takes no lease: the same kill leaves the Pod running, which is
 *   what the lease fixes.
 *
 * Needs root, podman, PostgreSQL and pgbouncer, which `scripts/setup.sh`
 * installs. It fails, never skips, when one is missing.
 *
 * Run: deno test -A tests/e2e/pgbouncer_test.ts
 */
import assert from "node:assert/strict";
import { holdsFor, pollUntil } from "../harness/mod.ts";
import {
  findContainer,
  getEnv,
  JOB_MANIFEST,
  loadManifest,
  loadManifests,
  lostMainGraceMs,
  type MainSide,
  PGBOUNCER_MANIFEST,
  renderPgbouncerPod,
} from "./manifest.ts";
import { playWithDatabase, podman } from "./pod.ts";
import { insertRun as insert } from "./postgres.ts";

const BASE = await loadManifests(PGBOUNCER_MANIFEST);
const JOB_POD = await loadManifest(JOB_MANIFEST);
const POD = BASE.find((doc) => doc.kind === "Pod");
const DATABASE = getEnv(findContainer(POD, "job"), "PGDATABASE");
/** The manifest's --lost-main-grace (2s). */
const GRACE_MS = lostMainGraceMs(POD);
/**
 * What a lost main's Pod may take beyond the grace: the lease is looked at
 * every 250 ms, then SIGINT, pgbouncer's shutdown, and podman's own
 * bookkeeping (measured: about 0.4 s in all).
 */
const SLACK_MS = 4_000;
/** Ample for a Pod that starts in ~2 s, and under the 10 s SIGKILL grace. */
const POD_EXIT_TIMEOUT_MS = 25_000;
/** The main's work in the kill runs: long enough to be killed in flight. */
const sleepInMain = () => "SELECT pg_sleep(60)";

/** The job's database on a private server, and the pgbouncer Pod, played. */
async function playPgbouncer(
  label: string,
  sql: (runId: string) => string,
  main: MainSide,
) {
  const run = await playWithDatabase(
    DATABASE,
    label,
    (port, runId) =>
      renderPgbouncerPod(BASE, JOB_POD, {
        label: `pgbouncer-${label}`,
        port,
        sql: sql(runId),
        main,
      }),
  );
  const { pod, server } = run;
  return {
    ...run,
    /** Waits until the main container's psql runs pg_sleep on the server. */
    async sleeping(): Promise<void> {
      await pod.explain(() =>
        pollUntil(
          async () =>
            Number(
              await server.sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'",
              ),
            ) === 1,
          "the main container's psql to run pg_sleep through pgbouncer",
          POD_EXIT_TIMEOUT_MS,
          100,
        )
      );
    },
    /** Kills the main container whole, as a group OOM kill would. */
    async killMain(): Promise<number> {
      await podman(["kill", "--signal", "KILL", pod.containerId("job")]);
      return performance.now();
    },
  };
}

/**
 * guillotine sent SIGINT, pgbouncer took it as its safe shutdown (its own log
 * line) and exited 0 on its own, within the grace period.
 */
function assertStoppedBySigint(said: string): void {
  assert.match(said, /sent SIGINT to the child's process group/);
  assert.match(said, /LOG got SIGINT, shutting down/, "pgbouncer's own line");
  assert.match(said, /child exit code 0 after SIGINT/);
}

Deno.test("e2e pgbouncer: guillotine on both sides, one row, pgbouncer stopped by SIGINT", async () => {
  await using run = await playPgbouncer("ok", insert, "guillotine");
  const { job, pgbouncer } = await run.pod.exited(POD_EXIT_TIMEOUT_MS);
  await run.pod.explain(async () => {
    assert.equal(job.ExitCode, 0, "The job's guillotine exits with psql's 0");
    assert.equal(pgbouncer.ExitCode, 0, "The sidecar exits with the record's");
    assert.equal(await run.rows(), 1, "The row should be inserted once");
    const said = await run.pod.logs("pgbouncer");
    assertStoppedBySigint(said);
    assert.doesNotMatch(said, /without a record/);
  });
});

Deno.test("e2e pgbouncer: the main container killed whole, the Pod ends after the lost-main grace, exit 1", async () => {
  await using run = await playPgbouncer("lost", sleepInMain, "guillotine");
  await run.sleeping();
  const killed = await run.killMain();
  await run.pod.exited(GRACE_MS + SLACK_MS);
  const tookMs = Math.round(performance.now() - killed);
  console.log(`pod exited ${tookMs} ms after the main container was killed`);
  await run.pod.explain(async () => {
    assert.ok(tookMs >= GRACE_MS, `Ended ${tookMs} ms after the kill`);
    const job = await run.pod.container("job");
    const pgbouncer = await run.pod.container("pgbouncer");
    assert.equal(job.ExitCode, 137, "The main container died of SIGKILL");
    assert.equal(pgbouncer.ExitCode, 1, "The sidecar's lost-main code");
    const said = await run.pod.logs("pgbouncer");
    assert.match(said, /main container ended without a record/);
    assertStoppedBySigint(said);
  });
});

Deno.test("e2e pgbouncer: without guillotine on the main side (control), the same kill leaves the Pod running", async () => {
  await using run = await playPgbouncer("control", sleepInMain, "shell");
  const { pod } = run;
  await run.sleeping();
  await run.killMain();
  const job = await pod.exitedContainer("job", POD_EXIT_TIMEOUT_MS);
  await pod.explain(async () => {
    assert.equal(job.ExitCode, 137, "The main container died of SIGKILL");
    // Well past the moment the lease run's Pod has ended.
    await holdsFor(
      async () =>
        (await pod.container("pgbouncer")).Running &&
        (await pod.status()) !== "Exited",
      "pgbouncer (and so the Pod) to keep running after the main was killed",
      GRACE_MS + SLACK_MS + 2_000,
      200,
    );
    assert.doesNotMatch(await pod.logs("pgbouncer"), /without a record/);
  });
});
