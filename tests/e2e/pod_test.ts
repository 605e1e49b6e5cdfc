/**
 * End-to-end test: guillotine lets a Job's Pod complete.
 *
 * It plays examples/e2e-pod.yaml with `podman kube play`: a job container
 * inserts one row with psql through a Unix socket on the shared emptyDir, the
 * proxy sidecar (socat, wrapped by guillotine) forwards that socket to a real
 * PostgreSQL server started here on the loopback. Four runs:
 *
 * - with guillotine: the Pod exits, every container exits 0, one row;
 * - without guillotine (the control): the job ends, the proxy keeps running,
 *   so the Pod never completes (the bug guillotine exists for);
 * - the job fails: the Pod still exits, the job's exit code shows the failure;
 * - guillotine on both sides (the README's full pattern): the job container
 *   runs `guillotine --wait-for unix:... --notify ... -- psql ...` (no shell),
 *   the sidecar `guillotine --watch ... --exit-code-from-file -- socat ...`;
 *   played twice, an insert that succeeds (both exit 0, one row) and one that
 *   fails (both exit psql's 1, no row).
 *
 * It also runs the release workflow's smoke test (scripts/smoke-test-image.sh)
 * on the local sidecar image.
 *
 * Needs root, podman (with the ulimits in /etc/containers/containers.conf),
 * a PostgreSQL server and client, socat, dash and a static busybox, which
 * `scripts/setup.sh` installs. It fails, never skips, when one is missing.
 *
 * Run: deno test -A tests/e2e/
 *
 * Environment: GUILLOTINE_APP_DIR (passed on to scripts/build-local-image.sh)
 * builds the sidecar image from another main.ts.
 */
import assert from "node:assert/strict";
// Pinned here rather than in deno.json's imports: only these tests use it.
import { parse } from "yaml";

const REPO = new URL("../../", import.meta.url).pathname;
const MANIFEST = `${REPO}examples/e2e-pod.yaml`;
const BUILD_SCRIPT = `${REPO}scripts/build-local-image.sh`;
const SMOKE_SCRIPT = `${REPO}scripts/smoke-test-image.sh`;
const SIDECAR_IMAGE = "localhost/guillotine:local";
const SETUP_HINT = "run scripts/setup.sh as root first";
const PROXY_EXECUTABLE = "/usr/bin/socat";
const WATCHED_FILE_ENV = "GUILLOTINE_WATCHED_FILE";
const MANIFEST_UPSTREAM = "TCP:127.0.0.1:5432";
/** Ample for a Pod that starts in ~2 s, and under the default 30 s grace period. */
const POD_EXIT_TIMEOUT_MS = 25_000;
/** How long the control run's proxy must stay up after the job ended. */
const CONTROL_HOLD_MS = 3_000;

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

async function _run(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Output> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(cmd, {
      args,
      env: options.env,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot run "${cmd}": not found (${SETUP_HINT})`);
    }
    throw error;
  }
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

async function _mustRun(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<string> {
  const out = await _run(cmd, args, options);
  if (out.code !== 0) {
    let hint = "";
    if (/rlimit/.test(out.stderr)) {
      hint = ` (podman needs default_ulimits in ` +
        `/etc/containers/containers.conf: ${SETUP_HINT})`;
    }
    throw new Error(
      `Command failed with exit code ${out.code}: ${cmd} ${args.join(" ")}` +
        `${hint}\n${out.stderr}${out.stdout}`,
    );
  }
  return out.stdout;
}

/** Polls `probe` until it returns true; fails with `what` and `detail()`. */
async function _waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  detail: () => Promise<string> = () => Promise.resolve(""),
): Promise<number> {
  const start = performance.now();
  while (!(await probe())) {
    if (performance.now() - start > timeoutMs) {
      assert.fail(
        `Timed out after ${timeoutMs} ms waiting for ${what}\n${await detail()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return performance.now() - start;
}

/** Checks `probe` for `durationMs`; fails as soon as it is false. */
async function _holdsFor(
  what: string,
  probe: () => Promise<boolean>,
  durationMs: number,
  detail: () => Promise<string>,
): Promise<void> {
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    if (!(await probe())) {
      assert.fail(
        `Expected ${what} for ${durationMs} ms, but it stopped after ` +
          `${Math.round(performance.now() - start)} ms\n${await detail()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function _freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** The bin directory of the newest PostgreSQL server installed from Debian. */
async function _postgresBinDir(): Promise<string | undefined> {
  const versions: number[] = [];
  try {
    for await (const entry of Deno.readDir("/usr/lib/postgresql")) {
      if (/^\d+$/.test(entry.name)) versions.push(Number(entry.name));
    }
  } catch {
    return undefined;
  }
  for (const version of versions.sort((a, b) => b - a)) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    try {
      await Deno.stat(`${dir}/initdb`);
      await Deno.stat(`${dir}/pg_ctl`);
      await Deno.stat(`${dir}/psql`);
      return dir;
    } catch {
      // this version has no server; try an older one
    }
  }
  return undefined;
}

async function _requireTools(): Promise<string> {
  const missing: string[] = [];
  if ((await _run("podman", ["--version"]).catch(() => null))?.code !== 0) {
    missing.push("podman");
  }
  const pgBin = await _postgresBinDir();
  if (!pgBin) missing.push("PostgreSQL server (initdb, pg_ctl, psql)");
  for (const tool of ["socat", "dash", "ldd", "deno"]) {
    if ((await _run("sh", ["-c", `command -v ${tool}`])).code !== 0) {
      missing.push(tool);
    }
  }
  try {
    await Deno.stat("/bin/busybox");
  } catch {
    missing.push("/bin/busybox (busybox-static)");
  }
  if (Deno.uid() !== 0) missing.push("root (podman kube play, runuser)");
  if (missing.length > 0 || !pgBin) {
    throw new Error(
      `The end-to-end tests need what this machine lacks: ${
        missing.join(", ")
      }; ${SETUP_HINT}`,
    );
  }
  return pgBin;
}

/** A private PostgreSQL cluster in a temporary directory, on the loopback. */
class PostgresServer {
  #dir = "";
  #bin: string;
  port = 0;

  constructor(bin: string) {
    this.#bin = bin;
  }

  async start(): Promise<void> {
    this.#dir = await Deno.makeTempDir({ prefix: "guillotine-e2e-pg-" });
    // The server refuses to run as root; the postgres user owns the cluster.
    await _mustRun("chown", ["postgres:postgres", this.#dir]);
    this.port = _freePort();
    await this.#asPostgres(`${this.#bin}/initdb`, [
      "--pgdata",
      `${this.#dir}/data`,
      "--auth=trust",
      "--username=postgres",
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
    ]);
    await this.#asPostgres(`${this.#bin}/pg_ctl`, [
      "--pgdata",
      `${this.#dir}/data`,
      "--log",
      `${this.#dir}/server.log`,
      "--wait",
      "--timeout=30",
      "--options",
      `-p ${this.port} -k ${this.#dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "start",
    ]);
  }

  /** Runs `sql` and returns psql's unaligned, tuples-only output. */
  sql(sql: string, database = "postgres"): Promise<string> {
    return _mustRun(`${this.#bin}/psql`, [
      "--no-psqlrc",
      "--host=127.0.0.1",
      `--port=${this.port}`,
      "--username=postgres",
      `--dbname=${database}`,
      "--tuples-only",
      "--no-align",
      "--set=ON_ERROR_STOP=1",
      "--command",
      sql,
    ]).then((out) => out.trim());
  }

  async stop(): Promise<void> {
    if (!this.#dir) return;
    await this.#asPostgres(`${this.#bin}/pg_ctl`, [
      "--pgdata",
      `${this.#dir}/data`,
      "--mode=immediate",
      "--wait",
      "stop",
    ]).catch((error) => console.error(`Stopping PostgreSQL: ${error}`));
    await Deno.remove(this.#dir, { recursive: true });
  }

  #asPostgres(cmd: string, args: string[]): Promise<string> {
    return _mustRun("runuser", ["-u", "postgres", "--", cmd, ...args], {
      cwd: this.#dir,
    });
  }
}

// deno-lint-ignore no-explicit-any
type Manifest = any;

interface ContainerState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  FinishedAt: string;
  RestartCount?: number;
}

/** One Pod made from the example manifest, played by podman. */
class PlayedPod {
  readonly name: string;
  readonly volume: string;
  #file = "";

  constructor(readonly manifest: Manifest) {
    this.name = manifest.metadata.name;
    this.volume = manifest.spec.volumes[0].name;
  }

  async play(): Promise<void> {
    this.#file = await Deno.makeTempFile({
      prefix: `${this.name}-`,
      suffix: ".json",
    });
    // JSON is YAML, and needs no YAML writer.
    await Deno.writeTextFile(
      this.#file,
      JSON.stringify(this.manifest, null, 2),
    );
    await _mustRun("podman", ["kube", "play", this.#file]);
  }

  async podStatus(): Promise<string> {
    const out = await _run("podman", ["pod", "inspect", this.name]);
    if (out.code !== 0) return `missing (${out.stderr.trim()})`;
    const parsed = JSON.parse(out.stdout);
    // podman 4 prints one object, podman 5 an array of them.
    return (Array.isArray(parsed) ? parsed[0] : parsed).State;
  }

  async container(name: string): Promise<ContainerState> {
    const out = await _mustRun("podman", [
      "container",
      "inspect",
      `${this.name}-${name}`,
    ]);
    return JSON.parse(out)[0].State;
  }

  async logs(name: string): Promise<string> {
    const out = await _run("podman", ["logs", `${this.name}-${name}`]);
    return out.stdout + out.stderr;
  }

  /** Everything worth reading when an assertion about this Pod fails. */
  async describe(): Promise<string> {
    const lines = [`pod ${this.name}: ${await this.podStatus()}`];
    for (const name of ["job", "proxy"]) {
      try {
        const s = await this.container(name);
        lines.push(`--- ${name}: ${s.Status}, exit code ${s.ExitCode}`);
        lines.push((await this.logs(name)).trimEnd());
      } catch (error) {
        lines.push(`--- ${name}: ${error}`);
      }
    }
    return lines.join("\n");
  }

  /** A file on the Pod's emptyDir, read from the host. */
  async sharedFile(path: string): Promise<string> {
    const mountpoint = await _mustRun("podman", [
      "volume",
      "inspect",
      "--format",
      "{{.Mountpoint}}",
      this.volume,
    ]);
    return await Deno.readTextFile(`${mountpoint.trim()}/${path}`);
  }

  async remove(): Promise<void> {
    await _run("podman", ["pod", "rm", "--force", "--time", "0", this.name]);
    await _run("podman", ["volume", "rm", "--force", this.volume]);
    if (this.#file) await Deno.remove(this.#file).catch(() => {});
  }
}

function _findContainer(manifest: Manifest, name: string): Manifest {
  const container = manifest.spec.containers.find((c: Manifest) =>
    c.name === name
  );
  assert.ok(container, `${MANIFEST} has no container named "${name}"`);
  return container;
}

function _getEnv(container: Manifest, name: string): string {
  const variable = container.env.find((e: Manifest) => e.name === name);
  assert.ok(
    variable,
    `Container "${container.name}" in ${MANIFEST} has no env "${name}"`,
  );
  return variable.value;
}

function _setEnv(container: Manifest, name: string, value: string): void {
  const variable = container.env.find((e: Manifest) => e.name === name);
  assert.ok(
    variable,
    `Container "${container.name}" in ${MANIFEST} has no env "${name}"`,
  );
  variable.value = value;
}

function _deleteEnv(container: Manifest, name: string): void {
  _getEnv(container, name);
  container.env = container.env.filter((e: Manifest) => e.name !== name);
}

/**
 * Where guillotine runs: on the proxy only (the example as written), nowhere
 * (the control), or on both sides (the README's full pattern).
 */
type Wrapping = "sidecar" | "none" | "both";

/**
 * The example Pod, changed only where a run must differ: names, the server's
 * port, the SQL, and where guillotine runs.
 */
function _variant(
  base: Manifest,
  options: { label: string; port: number; sql: string; guillotine: Wrapping },
): Manifest {
  const manifest = structuredClone(base);
  const suffix = crypto.randomUUID().slice(0, 8);
  const name = `guillotine-e2e-${options.label}-${suffix}`;
  manifest.metadata.name = name;
  // podman names an emptyDir's volume after the manifest's volume and keeps
  // it between runs; a fresh name gives each Pod a fresh emptyDir.
  assert.equal(
    manifest.spec.volumes.length,
    1,
    `${MANIFEST} should have one volume`,
  );
  const oldVolume = manifest.spec.volumes[0].name;
  manifest.spec.volumes[0].name = `${name}-share`;
  for (const container of manifest.spec.containers) {
    for (const mount of container.volumeMounts ?? []) {
      if (mount.name === oldVolume) mount.name = `${name}-share`;
    }
  }
  const job = _findContainer(manifest, "job");
  _setEnv(job, "JOB_SQL", options.sql);
  const proxy = _findContainer(manifest, "proxy");
  const args: string[] = proxy.args;
  const upstream = args.indexOf(MANIFEST_UPSTREAM);
  assert.ok(
    upstream >= 0,
    `The proxy in ${MANIFEST} should forward to "${MANIFEST_UPSTREAM}"`,
  );
  args[upstream] = `TCP:127.0.0.1:${options.port}`;
  const start = args.indexOf(PROXY_EXECUTABLE);
  assert.ok(
    start >= 0,
    `The proxy in ${MANIFEST} should run "${PROXY_EXECUTABLE}"`,
  );
  if (options.guillotine === "none") {
    // `command` replaces the image's entrypoint (guillotine): the proxy runs
    // bare, with the same command line, as in the original Job.
    proxy.command = args.slice(start);
    delete proxy.args;
  } else if (options.guillotine === "both") {
    // The job runs guillotine from the sidecar's image, which carries psql
    // too; as `args`, after the entrypoint (guillotine). podman 4.3 does not
    // expand $(VAR) in a command, so the SQL is written out. The environment
    // twin of --watch goes: the job's guillotine must not watch its own
    // record.
    const watched = _getEnv(job, WATCHED_FILE_ENV);
    const socket = `${_getEnv(job, "PGHOST")}/.s.PGSQL.${
      _getEnv(job, "PGPORT")
    }`;
    job.image = proxy.image;
    delete job.command;
    job.args = [
      "--wait-for",
      `unix:${socket}`,
      "--wait-timeout",
      "60s",
      "--notify",
      watched,
      "--",
      "psql",
      "--no-psqlrc",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      options.sql,
    ];
    _deleteEnv(job, WATCHED_FILE_ENV);
    _deleteEnv(job, "JOB_SQL");
    // The sidecar watches the same file by flag and exits with the code the
    // record holds.
    assert.equal(_getEnv(proxy, WATCHED_FILE_ENV), watched);
    _deleteEnv(proxy, WATCHED_FILE_ENV);
    args.splice(start, 0, "--watch", watched, "--exit-code-from-file", "--");
  }
  return manifest;
}

let imagesBuilt: Promise<void> | undefined;

/** Builds the images once for all tests in this file, from the current code. */
function _buildImages(): Promise<void> {
  imagesBuilt ??= (async () => {
    const start = performance.now();
    await _mustRun("bash", [BUILD_SCRIPT]);
    console.log(`images built in ${Math.round(performance.now() - start)} ms`);
  })();
  return imagesBuilt;
}

Deno.test("e2e: guillotine lets a Job's Pod complete under podman kube play", async (t) => {
  const pgBin = await _requireTools();
  const base: Manifest = parse(await Deno.readTextFile(MANIFEST));
  const database = _findContainer(base, "job").env
    .find((e: Manifest) => e.name === "PGDATABASE")?.value;
  assert.ok(database, `The job in ${MANIFEST} should set PGDATABASE`);
  await _buildImages();

  const server = new PostgresServer(pgBin);
  const pods: PlayedPod[] = [];
  try {
    await server.start();
    await server.sql(`CREATE DATABASE ${database}`);
    await server.sql(
      "CREATE TABLE job_runs (id serial PRIMARY KEY, run_id text NOT NULL, " +
        "inserted_at timestamptz NOT NULL DEFAULT now())",
      database,
    );
    const rowsFor = async (runId: string) =>
      Number(
        await server.sql(
          `SELECT count(*) FROM job_runs WHERE run_id = '${runId}'`,
          database,
        ),
      );

    const playVariant = async (
      label: string,
      sql: (runId: string) => string,
      guillotine: Wrapping,
    ) => {
      const runId = `${label}-${crypto.randomUUID().slice(0, 8)}`;
      const pod = new PlayedPod(
        _variant(base, {
          label,
          port: server.port,
          sql: sql(runId),
          guillotine,
        }),
      );
      pods.push(pod);
      await pod.play();
      return { pod, runId };
    };
    /**
     * The job ran once, and the proxy ended right after it: by the trigger's
     * SIGTERM, not by the grace period's SIGKILL (10 s).
     */
    const assertEndedTogether = (
      job: ContainerState,
      proxy: ContainerState,
      detail: string,
    ) => {
      assert.equal(
        job.RestartCount ?? 0,
        0,
        `The job should not restart\n${detail}`,
      );
      const lag = Date.parse(proxy.FinishedAt) - Date.parse(job.FinishedAt);
      assert.ok(
        lag < 5_000,
        `The proxy ended ${lag} ms after the job\n${detail}`,
      );
    };
    /** Plays a variant and waits until the whole Pod has exited. */
    const playUntilExited = async (
      label: string,
      sql: (runId: string) => string,
      guillotine: Wrapping,
    ) => {
      const { pod, runId } = await playVariant(label, sql, guillotine);
      const took = await _waitFor(
        `pod ${pod.name} to exit`,
        async () => (await pod.podStatus()) === "Exited",
        POD_EXIT_TIMEOUT_MS,
        () => pod.describe(),
      );
      console.log(`pod exited ${Math.round(took)} ms after kube play`);
      return {
        pod,
        runId,
        job: await pod.container("job"),
        proxy: await pod.container("proxy"),
        detail: await pod.describe(),
      };
    };
    const insert = (runId: string) =>
      `INSERT INTO job_runs (run_id) VALUES ('${runId}')`;
    // psql exits 1 when a statement fails under ON_ERROR_STOP with -c.
    const insertIntoMissing = (runId: string) =>
      `INSERT INTO missing_table (run_id) VALUES ('${runId}')`;

    await t.step(
      "with guillotine: the Pod exits, every container exits 0, one row",
      async () => {
        const { runId, job, proxy, detail } = await playUntilExited(
          "ok",
          insert,
          "sidecar",
        );
        assert.equal(job.ExitCode, 0, `The job should exit 0\n${detail}`);
        assert.equal(
          proxy.ExitCode,
          0,
          `guillotine should exit 0 once triggered\n${detail}`,
        );
        assertEndedTogether(job, proxy, detail);
        assert.equal(
          await rowsFor(runId),
          1,
          `The row should be inserted exactly once\n${detail}`,
        );
      },
    );

    await t.step(
      "without guillotine (control): the proxy keeps the Pod running",
      async () => {
        const { pod, runId } = await playVariant("control", insert, "none");
        await _waitFor(
          `the job in pod ${pod.name} to exit`,
          async () => (await pod.container("job")).Status === "exited",
          POD_EXIT_TIMEOUT_MS,
          () => pod.describe(),
        );
        const job = await pod.container("job");
        assert.equal(
          job.ExitCode,
          0,
          `The job should exit 0\n${await pod.describe()}`,
        );
        await _holdsFor(
          "the proxy (and so the Pod) to keep running after the job ended",
          async () =>
            (await pod.container("proxy")).Running &&
            (await pod.podStatus()) !== "Exited",
          CONTROL_HOLD_MS,
          () => pod.describe(),
        );
        assert.equal(
          await rowsFor(runId),
          1,
          "The row should be inserted exactly once",
        );
        await pod.remove();
      },
    );

    await t.step(
      "the job fails: the Pod still exits and the job's exit code shows it",
      async () => {
        const { pod, runId, job, proxy, detail } = await playUntilExited(
          "fail",
          insertIntoMissing,
          "sidecar",
        );
        // psql exits 1 when a statement fails under ON_ERROR_STOP with -c.
        assert.equal(
          job.ExitCode,
          1,
          `The job should exit with psql's 1\n${detail}`,
        );
        assert.match(
          await pod.logs("job"),
          /relation "missing_table" does not exist/,
        );
        assert.equal(
          proxy.ExitCode,
          0,
          `guillotine should exit 0 once triggered\n${detail}`,
        );
        assert.equal(await rowsFor(runId), 0, "No row should be inserted");
      },
    );

    // The full pattern: guillotine in the job container too, waiting for the
    // proxy's socket and writing the completion record that the sidecar's
    // guillotine turns into its own exit code.
    const watched = _getEnv(_findContainer(base, "job"), WATCHED_FILE_ENV);
    const playBothSides = async (
      label: string,
      sql: (runId: string) => string,
      expected: { code: number; rows: number },
    ) => {
      const { pod, runId, job, proxy, detail } = await playUntilExited(
        label,
        sql,
        "both",
      );
      assert.equal(
        job.ExitCode,
        expected.code,
        `The job's guillotine should exit with psql's ${expected.code}\n${detail}`,
      );
      assert.equal(
        proxy.ExitCode,
        expected.code,
        `The sidecar's guillotine should exit with the recorded ` +
          `${expected.code}\n${detail}`,
      );
      assertEndedTogether(job, proxy, detail);
      // The record lies on the emptyDir, mounted at the watched file's parent.
      const record = JSON.parse(
        await pod.sharedFile(watched.slice(watched.lastIndexOf("/") + 1)),
      );
      assert.equal(record.exitCode, expected.code, JSON.stringify(record));
      assert.equal(record.reason, "exited", JSON.stringify(record));
      assert.equal(record.command[0], "psql", JSON.stringify(record));
      assert.equal(
        await rowsFor(runId),
        expected.rows,
        `The row should be inserted ${expected.rows} time(s)\n${detail}`,
      );
      return pod;
    };

    await t.step(
      "guillotine on both sides: the Pod exits, both exit 0, one row",
      async () => {
        await playBothSides("both-ok", insert, { code: 0, rows: 1 });
      },
    );

    await t.step(
      "guillotine on both sides, the job fails: both exit psql's 1",
      async () => {
        const pod = await playBothSides("both-fail", insertIntoMissing, {
          code: 1,
          rows: 0,
        });
        assert.match(
          await pod.logs("job"),
          /relation "missing_table" does not exist/,
        );
      },
    );
  } finally {
    for (const pod of pods) await pod.remove();
    await server.stop();
  }
});

Deno.test("e2e: the local sidecar image passes the release smoke test", async () => {
  await _requireTools();
  await _buildImages();
  const out = await _run("bash", [SMOKE_SCRIPT, SIDECAR_IMAGE], {
    env: { ENGINE: "podman" },
  });
  assert.equal(
    out.code,
    0,
    `${SMOKE_SCRIPT} failed:\n${out.stdout}${out.stderr}`,
  );
});
