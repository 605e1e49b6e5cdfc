/**
 * End-to-end tests: guillotine lets a Job's Pod complete, played for real by
 * `podman kube play` from examples/e2e-pod.yaml (pod.ts). A job container
 * inserts one row with psql through a Unix socket on the shared emptyDir; the
 * proxy sidecar (socat, wrapped by guillotine) forwards that socket to a
 * private PostgreSQL server on the loopback (postgres.ts). One test per run:
 *
 * - with guillotine: the Pod exits, every container exits 0, one row;
 * - without guillotine (the control): the job ends, the proxy keeps running,
 *   so the Pod never completes (the bug guillotine exists for);
 * - the job fails: the Pod still exits, the job's exit code shows the failure;
 * - guillotine on both sides (the README's full pattern): the job container
 *   runs `guillotine --wait-for unix:... --notify ... -- psql ...` (no shell),
 *   the sidecar `guillotine --watch ... --exit-code-from-file -- socat ...`;
 *   once with an insert that succeeds, once with one that fails;
 * - hardened (tests/e2e/hardened-pod.yaml): read-only root file system, UID
 *   65532, the trigger, a completion record and a forwarded signal;
 * - the release workflow's smoke test (scripts/smoke-test-image.sh) on the
 *   local sidecar image.
 *
 * Needs root, podman, PostgreSQL, socat, dash and a static busybox, which
 * `scripts/setup.sh` installs. It fails, never skips, when one is missing.
 *
 * Run: deno test -A tests/e2e/
 */
import assert from "node:assert/strict";
import { exec, holdsFor, pollUntil, ROOT } from "../harness/mod.ts";
import {
  findContainer,
  getEnv,
  JOB_MANIFEST,
  loadManifest,
  renderJobPod,
  renderPod,
  SIDECAR_IMAGE,
  WATCHED_FILE_ENV,
  type Wrapping,
} from "./manifest.ts";
import {
  buildImages,
  type ContainerState,
  type DatabaseRun,
  PlayedPod,
  playWithDatabase,
  podman,
} from "./pod.ts";
import { insertRun as insert } from "./postgres.ts";

/** Ample for a Pod that starts in ~2 s, and under the default 30 s grace period. */
const POD_EXIT_TIMEOUT_MS = 25_000;
const HARDENED_MANIFEST = `${ROOT}tests/e2e/hardened-pod.yaml`;
/** distroless's "nonroot", which hardened-pod.yaml runs as. */
const NONROOT = 65532;
/** How long the control run's proxy must stay up after the job ended. */
const CONTROL_HOLD_MS = 3_000;
const BASE = await loadManifest(JOB_MANIFEST);
const DATABASE = getEnv(findContainer(BASE, "job"), "PGDATABASE");
const WATCHED = getEnv(findContainer(BASE, "job"), WATCHED_FILE_ENV);

// psql exits 1 when a statement fails under ON_ERROR_STOP with -c.
const insertIntoMissing = (runId: string) =>
  `INSERT INTO missing_table (run_id) VALUES ('${runId}')`;

/** The job's database on a private server, and its example Pod, played. */
function playJob(
  label: string,
  sql: (runId: string) => string,
  guillotine: Wrapping,
): Promise<DatabaseRun> {
  return playWithDatabase(
    DATABASE,
    label,
    (port, runId) =>
      renderJobPod(BASE, { label, port, sql: sql(runId), guillotine }),
  );
}

/**
 * The job ran once, and the proxy ended right after it: by the trigger's
 * SIGTERM, not by the grace period's SIGKILL (10 s).
 */
function assertEndedTogether(job: ContainerState, proxy: ContainerState) {
  assert.equal(job.RestartCount ?? 0, 0, "The job should not restart");
  const lag = Date.parse(proxy.FinishedAt) - Date.parse(job.FinishedAt);
  assert.ok(lag < 5_000, `The proxy ended ${lag} ms after the job`);
}

Deno.test("e2e: with guillotine, the Pod exits, every container exits 0, one row", async () => {
  await using run = await playJob("ok", insert, "sidecar");
  const { job, proxy } = await run.pod.exited(POD_EXIT_TIMEOUT_MS);
  await run.pod.explain(async () => {
    assert.equal(job.ExitCode, 0, "The job should exit 0");
    assert.equal(proxy.ExitCode, 0, "guillotine should exit 0 once triggered");
    assertEndedTogether(job, proxy);
    assert.equal(await run.rows(), 1, "The row should be inserted once");
  });
});

Deno.test("e2e: without guillotine (control), the proxy keeps the Pod running", async () => {
  await using run = await playJob("control", insert, "none");
  const { pod } = run;
  const job = await pod.exitedContainer("job", POD_EXIT_TIMEOUT_MS);
  await pod.explain(async () => {
    assert.equal(job.ExitCode, 0, "The job should exit 0");
    await holdsFor(
      async () =>
        (await pod.container("proxy")).Running &&
        (await pod.status()) !== "Exited",
      "the proxy (and so the Pod) to keep running after the job ended",
      CONTROL_HOLD_MS,
      200,
    );
    assert.equal(await run.rows(), 1, "The row should be inserted once");
  });
});

Deno.test("e2e: the job fails, the Pod still exits and the job's exit code shows it", async () => {
  await using run = await playJob("fail", insertIntoMissing, "sidecar");
  const { job, proxy } = await run.pod.exited(POD_EXIT_TIMEOUT_MS);
  await run.pod.explain(async () => {
    assert.equal(job.ExitCode, 1, "The job should exit with psql's 1");
    assert.match(
      await run.pod.logs("job"),
      /relation "missing_table" does not exist/,
    );
    assert.equal(proxy.ExitCode, 0, "guillotine should exit 0 once triggered");
    assert.equal(await run.rows(), 0, "No row should be inserted");
  });
});

/**
 * The full pattern: guillotine in the job container too, waiting for the
 * proxy's socket and writing the completion record that the sidecar's
 * guillotine turns into its own exit code.
 */
async function assertBothSides(
  run: DatabaseRun,
  expected: { code: number; rows: number },
) {
  const { job, proxy } = await run.pod.exited(POD_EXIT_TIMEOUT_MS);
  await run.pod.explain(async () => {
    assert.equal(job.ExitCode, expected.code, "The job's guillotine's code");
    assert.equal(proxy.ExitCode, expected.code, "The sidecar's recorded code");
    assertEndedTogether(job, proxy);
    // The record lies on the emptyDir, mounted at the watched file's parent.
    const record = JSON.parse(
      await run.pod.sharedFile(WATCHED.slice(WATCHED.lastIndexOf("/") + 1)),
    );
    assert.equal(record.exitCode, expected.code, JSON.stringify(record));
    assert.equal(record.reason, "exited", JSON.stringify(record));
    assert.equal(record.command[0], "psql", JSON.stringify(record));
    assert.equal(await run.rows(), expected.rows, "Rows inserted");
  });
}

Deno.test("e2e: guillotine on both sides, the Pod exits, both exit 0, one row", async () => {
  await using run = await playJob("both-ok", insert, "both");
  await assertBothSides(run, { code: 0, rows: 1 });
});

Deno.test("e2e: guillotine on both sides, the job fails, both exit psql's 1", async () => {
  await using run = await playJob("both-fail", insertIntoMissing, "both");
  await assertBothSides(run, { code: 1, rows: 0 });
  assert.match(
    await run.pod.logs("job"),
    /relation "missing_table" does not exist/,
  );
});

/**
 * The container `name` ran with a read-only root file system as 65532, and
 * wrote nothing there: `podman diff` lists only what podman itself made before
 * the start, the mount points of the volumes (added) and of /etc/hosts,
 * /etc/hostname and /etc/resolv.conf (in a changed /etc).
 */
async function assertHardened(pod: PlayedPod, name: string): Promise<void> {
  const info = await pod.inspect(name);
  assert.equal(info.HostConfig.ReadonlyRootfs, true, `${name}: read-only root`);
  assert.equal(info.Config.User, `${NONROOT}:${NONROOT}`, `${name}: user`);
  const diff = JSON.parse(
    await podman(["diff", "--format", "json", pod.containerId(name)]),
  );
  const mounts = info.Mounts.map((m: { Destination: string }) => m.Destination);
  assert.deepEqual(
    { ...diff, added: diff.added?.filter((p: string) => !mounts.includes(p)) },
    { changed: ["/etc"], added: [] },
    `${name}: changes to the root file system`,
  );
}

Deno.test("e2e: hardened, a read-only root and UID 65532: trigger, record and a forwarded signal", async () => {
  await buildImages();
  const manifest = await loadManifest(HARDENED_MANIFEST);
  await using pod = await PlayedPod.play(renderPod(manifest, "hardened"));
  for (const name of pod.containers) {
    await pod.explain(() =>
      pollUntil(
        async () => /^ready$/m.test(await pod.logs(name)),
        `${name}'s child to be ready`,
      )
    );
  }
  // As the runtime signals a container: to its PID 1, guillotine.
  await podman(["kill", "--signal", "USR2", pod.containerId("job")]);
  const { job, sidecar } = await pod.exited(POD_EXIT_TIMEOUT_MS);
  await pod.explain(async () => {
    assert.equal(
      job.ExitCode,
      3,
      "The job's guillotine exits with its child's",
    );
    assert.equal(sidecar.ExitCode, 3, "The sidecar exits with the record's");
    const said = (await pod.logs("job")).split("\n");
    for (
      const line of [
        "parent 1",
        `uid ${NONROOT}, PID 1's uid ${NONROOT}`,
        "/ is read-only",
        "/tmp is read-only",
        "/deno-dir is read-only",
        "got SIGUSR2",
      ]
    ) assert.ok(said.includes(line), `The job's child should say "${line}"`);
    assert.match(await pod.logs("sidecar"), /^got SIGTERM$/m);
    const record = JSON.parse(await pod.sharedFile("done"));
    assert.equal(record.exitCode, 3, JSON.stringify(record));
    assert.equal(record.reason, "exited", JSON.stringify(record));
    const share = await pod.sharedDir();
    const written = [...Deno.readDirSync(share)].map((e) => e.name).sort();
    assert.deepEqual(
      written,
      ["done", "done.lock"],
      "The emptyDir holds the record and its lease alone",
    );
    for (const name of written) {
      assert.equal(Deno.statSync(`${share}/${name}`).uid, NONROOT, name);
    }
    for (const name of pod.containers) await assertHardened(pod, name);
  });
});

Deno.test("e2e: the local sidecar image passes the release smoke test", async () => {
  await buildImages();
  const script = `${ROOT}scripts/smoke-test-image.sh`;
  const out = await exec("bash", [script, SIDECAR_IMAGE], {
    env: { ENGINE: "podman" },
  });
  assert.equal(out.code, 0, `${script} failed:\n${out.stdout}${out.stderr}`);
});
