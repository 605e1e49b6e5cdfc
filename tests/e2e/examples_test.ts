/**
 * Checks that every manifest in examples/ keeps guillotine's contract: the
 * job and the wrapped sidecar name the same watched file, that file lies on a
 * volume both mount at the same path and that starts empty with the Pod, the
 * sidecar runs through guillotine, and nothing restarts the finished Pod.
 * examples/e2e-pod.yaml is also played for real by pod_test.ts.
 *
 * Needs nothing but Deno: run with `deno test -A tests/e2e/examples_test.ts`.
 */
import assert from "node:assert/strict";
// Pinned here rather than in deno.json's imports: only these tests use it.
import { parse } from "yaml";

const EXAMPLES = new URL("../../examples/", import.meta.url).pathname;
const WATCHED_FILE_ENV = "GUILLOTINE_WATCHED_FILE";

// deno-lint-ignore no-explicit-any
type Yaml = any;

async function _load(name: string): Promise<Yaml> {
  return parse(await Deno.readTextFile(`${EXAMPLES}${name}`));
}

function _env(container: Yaml, name: string): string | undefined {
  return (container.env ?? []).find((e: Yaml) => e.name === name)?.value;
}

function _runsGuillotine(container: Yaml): boolean {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  // With only `args`, the image's entrypoint (/guillotine, or the local
  // image's deno run main.ts) is guillotine.
  return argv[0] === "/guillotine" ||
    (!container.command && /guillotine/.test(container.image));
}

function _dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** The contract, checked on one Pod spec (a Pod's or a Job template's). */
function _assertContract(file: string, pod: Yaml): void {
  assert.notEqual(
    pod.restartPolicy ?? "Always",
    "Always",
    `${file}: restartPolicy`,
  );
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
  for (const container of watching) {
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

for (const file of ["job.yaml", "helm-hook-job.yaml"]) {
  Deno.test(`examples/${file} keeps guillotine's contract`, async () => {
    const job = await _load(file);
    assert.equal(job.kind, "Job");
    _assertContract(file, job.spec.template.spec);
  });
}

Deno.test("examples/e2e-pod.yaml keeps guillotine's contract", async () => {
  const pod = await _load("e2e-pod.yaml");
  assert.equal(pod.kind, "Pod");
  _assertContract("e2e-pod.yaml", pod.spec);
});

Deno.test("examples/job.yaml and e2e-pod.yaml run the same job protocol", async () => {
  const job = (await _load("job.yaml")).spec.template.spec;
  const pod = (await _load("e2e-pod.yaml")).spec;
  const script = (spec: Yaml) =>
    spec.containers.find((c: Yaml) => c.name === "job").command.join("\n");
  for (const spec of [job, pod]) {
    // The file is written after the work, whatever its outcome, and the
    // job's own status is what the container exits with.
    assert.match(
      script(spec),
      /status=\$\?\s+touch "\$GUILLOTINE_WATCHED_FILE"\s+exit "\$status"/,
    );
  }
  assert.equal(
    _env(job.containers[0], WATCHED_FILE_ENV),
    _env(pod.containers[0], WATCHED_FILE_ENV),
  );
});

Deno.test("examples/native-sidecar.yaml uses a native sidecar, no guillotine", async () => {
  const pod = (await _load("native-sidecar.yaml")).spec.template.spec;
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
