/**
 * Checks that every manifest in examples/ keeps guillotine's contract: the
 * job and the wrapped sidecar name the same watched file, that file lies on a
 * volume both mount at the same path and that starts empty with the Pod, the
 * sidecar runs through guillotine, and nothing restarts the finished Pod.
 * With guillotine on both sides (job.yaml) the lease must work: one main
 * `--notify`, one sidecar `--watch` on the same record, the lease on, and the
 * comments telling its numbers. A Job whose proxy is injected
 * (injected-sidecar-job.yaml) must quit it at the URL that proxy documents.
 * Each container's guillotine options are read by guillotine's own parser.
 * examples/e2e-pod.yaml is also played for real by tests/e2e/pod_test.ts,
 * and injected-sidecar-job.yaml by tests/e2e/injected_test.ts. The Jobs of
 * tests/cluster/, which .github/workflows/cluster.yml runs on a real cluster,
 * keep the same contracts, and every Kubernetes manifest here passes
 * Kubernetes' own schema.
 *
 * Needs nothing but Deno: run with `deno test -A tests/docs/examples_test.ts`.
 */
import assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import type { Config } from "../../lib/options/config.ts";
import { leasePath } from "../../lib/triggers/lease.ts";
import { parseOptions } from "../../lib/options/parse.ts";
import { formatDuration } from "../../lib/options/values/duration.ts";
import { JOB_MANIFEST, renderJobPod } from "../e2e/manifest.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const EXAMPLES = `${REPO}examples/`;
const CLUSTER = new URL("../cluster/", import.meta.url).pathname;
const WATCHED_FILE_ENV = "GUILLOTINE_WATCHED_FILE";

// deno-lint-ignore no-explicit-any
type Yaml = any;

async function _load(name: string): Promise<Yaml> {
  return parse(await Deno.readTextFile(`${EXAMPLES}${name}`));
}

/** The documents of a file of tests/cluster/, by kind and name. */
async function _cluster(file: string): Promise<Record<string, Yaml>> {
  const text = await Deno.readTextFile(`${CLUSTER}${file}`);
  return Object.fromEntries(
    parseAllDocuments(text).map((d) => d.toJSON())
      .map((o: Yaml) => [`${o.kind}/${o.metadata.name}`, o]),
  );
}

function _env(container: Yaml, name: string): string | undefined {
  return (container.env ?? []).find((e: Yaml) => e.name === name)?.value;
}

function _runsGuillotine(container: Yaml): boolean {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  // With only `args`, the image's entrypoint (/guillotine, or the local
  // image's deno run main.ts) is guillotine; an installed copy may live in
  // another directory (tests/cluster/install-job.yaml).
  return /(^|\/)guillotine$/.test(argv[0] ?? "") ||
    (!container.command && /guillotine/.test(container.image));
}

function _dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/**
 * guillotine's configuration in a container, as guillotine itself reads its
 * arguments and literal environment; null when the container does not run it.
 */
function _guillotine(container: Yaml): Config | null {
  if (!_runsGuillotine(container)) return null;
  const argv = [
    ...(container.command ?? []).slice(1),
    ...(container.args ?? []),
  ].map(String);
  const env = Object.fromEntries(
    (container.env ?? []).filter((e: Yaml) => "value" in e)
      .map((e: Yaml) => [e.name, String(e.value)]),
  );
  const request = parseOptions(argv, env);
  assert.equal(request.kind, "run", `"${container.name}" runs guillotine`);
  return request.config;
}

function _assertNoRestart(file: string, pod: Yaml): void {
  assert.notEqual(
    pod.restartPolicy ?? "Always",
    "Always",
    `${file}: restartPolicy`,
  );
}

/** `containers` all mount an emptyDir at the directory of `path`. */
function _assertSharedEmptyDir(
  file: string,
  pod: Yaml,
  containers: Yaml[],
  path: string,
): void {
  for (const container of containers) {
    const mount = (container.volumeMounts ?? []).find((m: Yaml) =>
      m.mountPath === _dirname(path)
    );
    assert.ok(
      mount,
      `${file}: "${container.name}" does not mount ${_dirname(path)}`,
    );
    const volume = pod.volumes.find((v: Yaml) => v.name === mount.name);
    assert.ok(
      volume?.emptyDir,
      `${file}: volume "${mount.name}" should be an emptyDir`,
    );
  }
}

/** The contract, checked on one Pod spec (a Pod's or a Job template's). */
function _assertContract(file: string, pod: Yaml): void {
  _assertNoRestart(file, pod);
  const watching = pod.containers.filter((c: Yaml) =>
    _env(c, WATCHED_FILE_ENV)
  );
  assert.ok(
    watching.length >= 2,
    `${file}: job and sidecar should both set ${WATCHED_FILE_ENV}`,
  );
  const watched = new Set(watching.map((c: Yaml) => _env(c, WATCHED_FILE_ENV)));
  assert.equal(
    watched.size,
    1,
    `${file}: containers disagree on ${WATCHED_FILE_ENV}`,
  );
  const [path] = [...watched] as string[];
  const wrapped = watching.filter(_runsGuillotine);
  assert.equal(
    wrapped.length,
    1,
    `${file}: exactly one container should run guillotine`,
  );
  _assertSharedEmptyDir(file, pod, watching, path);
}

Deno.test("examples/helm-hook-job.yaml keeps guillotine's contract", async () => {
  const job = await _load("helm-hook-job.yaml");
  assert.equal(job.kind, "Job");
  _assertContract("helm-hook-job.yaml", job.spec.template.spec);
});

/** The comments of a manifest, as one line of words. */
function _comments(text: string): string {
  return text.split("\n").filter((line) => /^\s*#/.test(line))
    .map((line) => line.replace(/^\s*#\s?/, "")).join(" ").replace(/\s+/g, " ");
}

/**
 * The lease contract, with guillotine on both sides: exactly one main side
 * (`--notify`) and one sidecar (`--watch`), on the same record, on an
 * emptyDir both mount, the lease on for both.
 *
 * @returns Both sides' containers and configurations.
 */
function _assertLeaseContract(file: string, pod: Yaml) {
  _assertNoRestart(file, pod);
  const sides = pod.containers.map((c: Yaml) => ({ c, g: _guillotine(c) }))
    .filter((side: { g: Config | null }) => side.g) as {
      c: Yaml;
      g: Config;
    }[];
  const mains = sides.filter((side) => side.g.notify);
  const sidecars = sides.filter((side) => side.g.watch.length > 0);
  assert.equal(mains.length, 1, `${file}: one main side runs --notify`);
  assert.equal(sidecars.length, 1, `${file}: one sidecar runs --watch`);
  const [main, sidecar] = [mains[0], sidecars[0]];
  assert.notEqual(main.c, sidecar.c, `${file}: two containers`);
  const record = main.g.notify!;
  assert.deepEqual(main.g.watch, [], `${file}: the main side watches nothing`);
  assert.deepEqual(
    sidecar.g.watch,
    [record],
    `${file}: the sidecar watches the main's record`,
  );
  for (const { c, g } of [main, sidecar]) {
    assert.equal(g.lease, true, `${file}: "${c.name}" turns the lease off`);
  }
  _assertSharedEmptyDir(file, pod, [main.c, sidecar.c], record);
  return { main, sidecar, record };
}

Deno.test("examples/job.yaml runs guillotine on both sides, with the lease on", async () => {
  const job = await _load("job.yaml");
  assert.equal(job.kind, "Job");
  const { sidecar, record } = _assertLeaseContract(
    "job.yaml",
    job.spec.template.spec,
  );
  assert.equal(sidecar.g.exitCodeFromFile, true, "the main's code, both sides");
  // The comments explain the lease with the numbers this Job runs with.
  const said = _comments(await Deno.readTextFile(`${EXAMPLES}job.yaml`));
  for (
    const words of [
      leasePath(record),
      `--lost-main-grace (${formatDuration(sidecar.g.lostMainGraceMs)}`,
      `--lost-main-exit-code (${sidecar.g.lostMainExitCode})`,
      "Dockerfile.job",
    ]
  ) assert.ok(said.includes(words), `job.yaml's comments should say ${words}`);
});

Deno.test("examples/Dockerfile.job adds the release's /guillotine to the job's image", async () => {
  const text = await Deno.readTextFile(`${EXAMPLES}Dockerfile.job`);
  assert.match(text, /^ARG GUILLOTINE_IMAGE=ghcr\.io\/OWNER\/guillotine:\S+$/m);
  assert.match(text, /^FROM \$\{GUILLOTINE_IMAGE\} AS guillotine$/m);
  assert.match(text, /^COPY --from=guillotine \/guillotine \/guillotine$/m);
  const job = (await _load("job.yaml")).spec.template.spec;
  const built = _comments(text).match(/-t (\S+)/)?.[1];
  assert.equal(
    _assertLeaseContract("job.yaml", job).main.c.image,
    built,
    "job.yaml's main image is the one Dockerfile.job builds",
  );
});

Deno.test("examples/e2e-pod.yaml keeps guillotine's contract", async () => {
  const pod = await _load("e2e-pod.yaml");
  assert.equal(pod.kind, "Pod");
  _assertContract("e2e-pod.yaml", pod.spec);
});

Deno.test("examples/e2e-pod.yaml's job keeps the shell protocol of helm-hook-job.yaml", async () => {
  const hook = (await _load("helm-hook-job.yaml")).spec.template.spec;
  const pod = (await _load("e2e-pod.yaml")).spec;
  for (const spec of [hook, pod]) {
    // The file is written after the work, whatever its outcome, and the
    // job's own status is what the container exits with.
    assert.match(
      spec.containers[0].command.join("\n"),
      /status=\$\?\s+touch "\$GUILLOTINE_WATCHED_FILE"\s+exit "\$status"/,
    );
  }
});

Deno.test("examples/job.yaml's main side is what pod_test.ts plays on both sides", async () => {
  const job = (await _load("job.yaml")).spec.template.spec;
  const played = renderJobPod(await _load("e2e-pod.yaml"), {
    label: "examples",
    port: 5432,
    sql: "SELECT 1",
    guillotine: "both",
  }).spec;
  const mains = [
    _assertLeaseContract("job.yaml", job).main,
    _assertLeaseContract(`${JOB_MANIFEST}, played`, played).main,
  ];
  for (const { c, g } of mains) {
    // Wait for the proxy's socket, where psql looks for it, then run psql.
    const socket = `${_env(c, "PGHOST")}/.s.PGSQL.${_env(c, "PGPORT") ?? 5432}`;
    assert.deepEqual(
      g.waitFor.map((gate) =>
        `${gate.kind}:${"path" in gate ? gate.path : ""}`
      ),
      [`unix:${socket}`],
      `${c.name}: the gate`,
    );
  }
  const [written, tested] = mains.map(({ g }) => g.command.slice(0, -1));
  assert.deepEqual(written, tested, "psql's arguments but the SQL");
});

/**
 * Proxies that a webhook injects: how a Pod template asks for one, the quit
 * URL that proxy documents (written out here, not taken from guillotine's
 * presets, so that a preset that drifts fails), what must be on for it to
 * answer, and whether the job waits for the proxy to start.
 */
const INJECTED_PROXIES: {
  name: string;
  asks: (meta: Yaml) => boolean;
  quitUrl: string;
  enabled: (meta: Yaml) => boolean;
  waits: (meta: Yaml) => boolean;
}[] = [
  {
    // pilot-agent's status server: POST /quitquitquit, always on.
    name: "Istio",
    asks: (meta) => meta?.labels?.["sidecar.istio.io/inject"] === "true",
    quitUrl: "http://127.0.0.1:15020/quitquitquit",
    enabled: () => true,
    waits: (meta) =>
      JSON.parse(meta?.annotations?.["proxy.istio.io/config"] ?? "{}")
        .holdApplicationUntilProxyStarts === true,
  },
  {
    // linkerd2-proxy's admin server: POST /shutdown, off unless annotated.
    name: "Linkerd",
    asks: (meta) => meta?.annotations?.["linkerd.io/inject"] === "enabled",
    quitUrl: "http://127.0.0.1:4191/shutdown",
    enabled: (meta) =>
      meta?.annotations?.["config.linkerd.io/proxy-admin-shutdown"] ===
        "enabled",
    waits: (meta) =>
      meta?.annotations?.["config.linkerd.io/proxy-await"] !== "disabled",
  },
];

Deno.test("examples/injected-sidecar-job.yaml quits the injected proxy at the URL it documents", async () => {
  const file = "injected-sidecar-job.yaml";
  const job = await _load(file);
  assert.equal(job.kind, "Job");
  const { metadata, spec } = job.spec.template;
  _assertNoRestart(file, spec);
  const asked = INJECTED_PROXIES.filter((p) => p.asks(metadata));
  assert.equal(asked.length, 1, `${file}: ask for one injected proxy`);
  const [proxy] = asked;
  assert.ok(proxy.enabled(metadata), `${file}: ${proxy.name}'s quit endpoint`);
  // The proxy is injected: the manifest holds the job's container alone.
  assert.equal(spec.containers.length, 1, `${file}: the job's container only`);
  const g = _guillotine(spec.containers[0]);
  assert.ok(g, `${file}: the job's container runs guillotine`);
  assert.deepEqual(
    g.quitUrls.map((t) => `${t.method} ${t.url}`),
    [`POST ${proxy.quitUrl}`],
    `${file}: the quit URL ${proxy.name} documents`,
  );
  assert.deepEqual(
    g.watch,
    [],
    `${file}: the job's guillotine watches nothing`,
  );
  assert.ok(
    proxy.waits(metadata) || g.waitFor.length > 0,
    `${file}: the job should wait for ${proxy.name}'s proxy to start`,
  );
});

/** A native sidecar (an init container that restarts), and no guillotine. */
function _assertNativeSidecar(pod: Yaml): void {
  const [sidecar] = pod.initContainers;
  assert.equal(sidecar.restartPolicy, "Always");
  assert.ok(
    sidecar.startupProbe,
    "the job should wait for the proxy's startup probe",
  );
  for (const container of [...pod.initContainers, ...pod.containers]) {
    assert.equal(_env(container, WATCHED_FILE_ENV), undefined);
    assert.equal(_runsGuillotine(container), false);
  }
}

Deno.test("examples/native-sidecar.yaml uses a native sidecar, no guillotine", async () => {
  _assertNativeSidecar((await _load("native-sidecar.yaml")).spec.template.spec);
});

/** The Jobs .github/workflows/cluster.yml runs with guillotine on both sides. */
const CLUSTER_LEASE_JOBS = [
  ["readme-job.yaml", "readme"],
  ["oom-job.yaml", "oom"],
  ["fail-job.yaml", "fail"],
  ["install-job.yaml", "install"],
] as const;

async function _clusterPod(file: string, name: string): Promise<Yaml> {
  const job = (await _cluster(file))[`Job/${name}`];
  assert.ok(job, `${file}: no Job/${name}`);
  _assertNoRestart(file, job.spec.template.spec);
  assert.equal(job.spec.backoffLimit, 0, `${file}: one Pod, one verdict`);
  return job.spec.template.spec;
}

Deno.test("tests/cluster: each Job with guillotine on both sides keeps the lease contract", async () => {
  for (const [file, name] of CLUSTER_LEASE_JOBS) {
    const { sidecar } = _assertLeaseContract(
      file,
      await _clusterPod(file, name),
    );
    assert.equal(sidecar.g.exitCodeFromFile, true, `${file}: the main's code`);
  }
  // The README's Job runs examples/job.yaml's psql, with its own SQL.
  const written = _assertLeaseContract(
    "job.yaml",
    (await _load("job.yaml")).spec.template.spec,
  ).main.g.command;
  const run = _assertLeaseContract(
    "readme-job.yaml",
    await _clusterPod("readme-job.yaml", "readme"),
  ).main.g.command;
  assert.deepEqual(run.slice(0, -1), written.slice(0, -1));
  // The OOM Job: a limit to pass, and a lost main reported soon, as 1.
  const oom = _assertLeaseContract(
    "oom-job.yaml",
    await _clusterPod("oom-job.yaml", "oom"),
  );
  assert.ok(oom.main.c.resources?.limits?.memory, "oom: a memory limit");
  assert.ok(oom.sidecar.g.lostMainGraceMs <= 5000, "oom: a short grace");
  assert.equal(oom.sidecar.g.lostMainExitCode, 1);
});

Deno.test("tests/cluster: every Pod runs as 65532 on a read-only root", async () => {
  const files = [...Deno.readDirSync(CLUSTER)].map((e) => e.name)
    .filter((f) => f.endsWith("-job.yaml"));
  assert.equal(files.length, 5, files.join(", "));
  for (const file of files) {
    for (const object of Object.values(await _cluster(file))) {
      if (object.kind !== "Job") continue;
      const pod = object.spec.template.spec;
      assert.equal(pod.securityContext?.runAsUser, 65532, file);
      assert.equal(pod.securityContext?.runAsNonRoot, true, file);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        assert.equal(
          c.securityContext?.readOnlyRootFilesystem,
          true,
          `${file}: "${c.name}" should have a read-only root`,
        );
      }
    }
  }
});

Deno.test("tests/cluster/native-sidecar-job.yaml is examples/native-sidecar.yaml's form", async () => {
  _assertNativeSidecar(
    await _clusterPod("native-sidecar-job.yaml", "native"),
  );
});

Deno.test("tests/cluster/install-job.yaml runs the release image's copy in unchanged images", async () => {
  const pod = await _clusterPod("install-job.yaml", "install");
  const [install] = pod.initContainers;
  const [cp, from, to] = install.command;
  assert.deepEqual([cp, from], ["/bin/cp", "/guillotine"]);
  assert.equal(install.image, "guillotine:ci", "the release image, built here");
  const tools = install.volumeMounts.find((m: Yaml) =>
    to.startsWith(`${m.mountPath}/`)
  );
  assert.ok(tools, `the init container copies into a volume: ${to}`);
  for (const c of pod.containers) {
    assert.equal(c.command[0], to, `"${c.name}" runs the copy`);
    assert.ok(
      c.volumeMounts.some((m: Yaml) =>
        m.name === tools.name && m.mountPath === tools.mountPath
      ),
      `"${c.name}" mounts the copy where it was made`,
    );
    assert.match(c.image, /^docker\.io\/library\/[\w-]+:[\w.-]+-bookworm$/);
  }
  // The release image holds the cp the init container runs.
  const dockerfile = await Deno.readTextFile(
    new URL("../../Dockerfile.scratch", import.meta.url),
  );
  assert.match(dockerfile, /cp -L \/bin\/cp \/rootfs\/bin\/cp/);
  assert.match(dockerfile, /ldd \/bin\/cp/);
});

Deno.test("examples/docker-compose.yaml keeps guillotine's contract", async () => {
  const compose = await _load("docker-compose.yaml");
  const { job, proxy } = compose.services;
  const watched = job.environment[WATCHED_FILE_ENV];
  assert.ok(watched);
  assert.equal(proxy.environment[WATCHED_FILE_ENV], watched);
  const dir = _dirname(watched);
  for (const service of [job, proxy]) {
    assert.ok(
      service.volumes.includes(`share:${dir}`),
      `both services mount share:${dir}`,
    );
  }
  assert.equal(compose.volumes.share.driver_opts.type, "tmpfs");
  assert.equal(proxy.restart, "no");
  assert.match(job.command.join("\n"), /touch "\$\$GUILLOTINE_WATCHED_FILE"/);
});

/** A Cloud SQL Auth Proxy's command line in a container, or null. */
function _proxyArgv(container: Yaml): string[] | null {
  const argv = [
    ...(container.command ?? []),
    ...(container.args ?? []),
  ].map(String);
  const at = argv.findIndex((a) => /cloud[-_]sql[-_]proxy$/.test(a));
  if (at >= 0) return argv.slice(at);
  // The proxy's own image, run through its entrypoint with only `args`.
  if (!container.command && /cloud-sql-proxy:/.test(container.image ?? "")) {
    return ["/cloud-sql-proxy", ...argv];
  }
  return null;
}

Deno.test("examples run Cloud SQL Auth Proxy v2, never v1's binary or flags", async () => {
  const proxies: [string, string[]][] = [];
  for (
    const file of ["job.yaml", "helm-hook-job.yaml", "native-sidecar.yaml"]
  ) {
    const pod = (await _load(file)).spec.template.spec;
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      const argv = _proxyArgv(c);
      if (argv) proxies.push([`${file}: ${c.name}`, argv]);
    }
  }
  const compose = await _load("docker-compose.yaml");
  for (const [name, service] of Object.entries<Yaml>(compose.services)) {
    const argv = _proxyArgv({ ...service, args: service.command, command: [] });
    if (argv) proxies.push([`docker-compose.yaml: ${name}`, argv]);
  }
  assert.equal(proxies.length, 4, "one proxy in each of the four examples");
  for (const [where, argv] of proxies) {
    assert.equal(argv[0], "/cloud-sql-proxy", `${where}: v2's binary`);
    assert.ok(
      argv.some((a) => a === "--unix-socket" || a.startsWith("--unix-socket=")),
      `${where}: v2 serves sockets with --unix-socket DIR`,
    );
    const v1 = argv.filter((a) => /^-(dir|projects|instances)\b/.test(a));
    assert.deepEqual(v1, [], `${where}: v1 flags`);
  }
});

/** Each object of a manifest file, checked by Kubernetes' schema. */
async function schemaProblems(path: string): Promise<string[]> {
  const { Job } = await import("kubernetes-models/batch/v1/Job");
  const { Deployment } = await import("kubernetes-models/apps/v1/Deployment");
  const { Pod } = await import("kubernetes-models/v1/Pod");
  const { ConfigMap } = await import("kubernetes-models/v1/ConfigMap");
  const { Service } = await import("kubernetes-models/v1/Service");
  const problems: string[] = [];
  for (const document of parseAllDocuments(await Deno.readTextFile(path))) {
    const object = document.toJSON();
    const model = { Job, Deployment, Pod, ConfigMap, Service }[
      object?.kind as string
    ];
    if (!model) {
      problems.push(`${path}: no schema for kind ${object?.kind}`);
      continue;
    }
    try {
      new model(object).validate();
    } catch (error) {
      problems.push(`${path}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  return problems;
}

Deno.test("every Kubernetes manifest here passes Kubernetes' own schema", async () => {
  const e2e = new URL("../e2e/", import.meta.url).pathname;
  const files = [EXAMPLES, e2e, CLUSTER].flatMap((dir) =>
    [...Deno.readDirSync(dir)].map((e) => `${dir}${e.name}`)
  ).filter((f) => f.endsWith(".yaml") && !f.endsWith("docker-compose.yaml"));
  assert.ok(files.length >= 14, files.join(", "));
  const problems = (await Promise.all(files.map(schemaProblems))).flat();
  assert.deepEqual(problems, []);

  // The check can fail: a restart policy Kubernetes does not know.
  const broken = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.writeTextFile(
      broken,
      (await Deno.readTextFile(`${EXAMPLES}job.yaml`))
        .replace("restartPolicy: Never", "restartPolicy: Sometimes"),
    );
    const found = await schemaProblems(broken);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.match(found[0], /restartPolicy/);
  } finally {
    await Deno.remove(broken);
  }
});

/** A registry host: a name with a dot or a port, or localhost. */
const REGISTRY = /^(localhost|[\w-]+(\.[\w-]+)+(:\d+)?|[\w-]+:\d+)\//;

/** The base images a Dockerfile names, with its ARG defaults put in. */
function _baseImages(text: string): string[] {
  const args = Object.fromEntries(
    [...text.matchAll(/^\s*ARG (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]),
  );
  const stages = [...text.matchAll(/^\s*FROM .* AS (\S+)$/gim)].map((m) =>
    m[1]
  );
  const named = [
    ...text.matchAll(/^\s*FROM (?:--platform=\S+ )?(\S+)/gm),
    ...text.matchAll(/^\s*COPY --from=(\S+:\S+) /gm),
  ].map((m) => m[1].replace(/\$\{?(\w+)\}?/g, (_, n) => args[n] ?? `$${n}`));
  return named.filter((i) => i !== "scratch" && !stages.includes(i));
}

/** Dockerfiles here, and the dockerfile blocks of the README and docs/. */
function _dockerfiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const dir of ["", "examples/", "tests/cluster/"]) {
    for (const { name } of Deno.readDirSync(`${REPO}${dir}`)) {
      if (name.startsWith("Dockerfile")) {
        files[`${dir}${name}`] = Deno.readTextFileSync(`${REPO}${dir}${name}`);
      }
    }
  }
  const docs = [...Deno.readDirSync(`${REPO}docs`)].map((e) => `docs/${e.name}`)
    .filter((f) => f.endsWith(".md"));
  for (const doc of ["README.md", ...docs]) {
    const text = Deno.readTextFileSync(`${REPO}${doc}`);
    [...text.matchAll(/```dockerfile\n([\s\S]*?)```/g)]
      .forEach((m, i) => files[`${doc} block ${i + 1}`] = m[1]);
  }
  return files;
}

/** Base images not named in full, which podman and buildah cannot pull. */
function _shortNames(files: Record<string, string>): string[] {
  return Object.entries(files).flatMap(([file, text]) =>
    _baseImages(text).filter((i) => !REGISTRY.test(i)).map((i) =>
      `${file}: ${i}`
    )
  );
}

Deno.test("Dockerfiles build with podman: base images named in full", () => {
  const files = _dockerfiles();
  assert.ok(Object.keys(files).length >= 7, Object.keys(files).join(", "));
  assert.deepEqual(_shortNames(files), []);
  const short = _mutate(
    files["examples/Dockerfile.job"],
    "ARG JOB_IMAGE=docker.io/library/",
    "ARG JOB_IMAGE=",
  );
  assert.deepEqual(_shortNames({ job: short }), ["job: postgres:16-bookworm"]);
});

Deno.test("Dockerfiles build with podman: no TARGETARCH default, build args in the comments", () => {
  const scratch = _dockerfiles()["Dockerfile.scratch"];
  // A default would override buildx's value (docker/buildx#510): the arm64
  // image would get the x86_64 binary. The RUN falls back instead.
  assert.match(scratch, /^ARG TARGETARCH$/m);
  assert.doesNotMatch(scratch, /^ARG (TARGET|BUILD)\w*=/m);
  assert.match(scratch, /\$\{TARGETARCH:-\$\(dpkg --print-architecture\)\}/);
  for (const [file, text] of Object.entries(_dockerfiles())) {
    if (!/^(examples|tests\/cluster)\//.test(file)) continue;
    const comments = _comments(text);
    for (const [, name, value] of text.matchAll(/^ARG (\w+)=(\S+)$/gm)) {
      // Every example's, and every placeholder anywhere, is given.
      if (!file.startsWith("examples/") && !value.includes("OWNER")) continue;
      assert.match(comments, new RegExp(`--build-arg ${name}=\\S`), file);
    }
  }
});

/** Replaces `from` in `text` once, failing if it is not there. */
function _mutate(text: string, from: string, to: string): string {
  const mutated = text.replace(from, to);
  assert.notEqual(mutated, text, `the mutation found no ${from}`);
  return mutated;
}
