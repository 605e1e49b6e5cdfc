/**
 * The manifests the end-to-end tests play, rendered for one run: the images
 * this checkout builds, fresh names, and for examples/e2e-pod.yaml and
 * tests/e2e/pgbouncer-pod.yaml the variants the runs need (the server's port,
 * the SQL, where guillotine runs).
 *
 * @module
 */

import assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { parseDuration } from "../../lib/options/values/duration.ts";
import { parseOptions } from "../../lib/options/parse.ts";
import { ROOT } from "../harness/mod.ts";

/** The Pod that examples/ shows and these tests play. */
export const JOB_MANIFEST = `${ROOT}examples/e2e-pod.yaml`;
/** A Job whose proxy is injected, quit by URL. */
export const INJECTED_MANIFEST = `${ROOT}examples/injected-sidecar-job.yaml`;
/** A ConfigMap and the Pod with pgbouncer that mounts it. */
export const PGBOUNCER_MANIFEST = `${ROOT}tests/e2e/pgbouncer-pod.yaml`;
/**
 * The images the tests build (scripts/build-local-image.sh) and play in place
 * of the manifests' `localhost/guillotine:local` (the local stand-in for the
 * release image) and `localhost/guillotine-e2e-job:local`: named after this
 * checkout, so that checkouts sharing a machine's podman cannot replace each
 * other's images in the middle of a run.
 */
const TAG = `e2e${ROOT.replace(/[^A-Za-z0-9]+/g, "-")}`.replace(/-$/, "")
  .slice(0, 120);
/** The sidecar image: guillotine, socat, pgbouncer and psql. */
export const SIDECAR_IMAGE = `localhost/guillotine:${TAG}`;
/** Each image a manifest names, and the one this checkout builds for it. */
export const IMAGES: Record<string, string> = {
  "localhost/guillotine:local": SIDECAR_IMAGE,
  "localhost/guillotine-e2e-job:local": `localhost/guillotine-e2e-job:${TAG}`,
};
/** The emptyDir-backed trigger file's variable. */
export const WATCHED_FILE_ENV = "GUILLOTINE_WATCHED_FILE";
const PROXY_EXECUTABLE = "/usr/bin/socat";
const MANIFEST_UPSTREAM = "TCP:127.0.0.1:5432";

// deno-lint-ignore no-explicit-any
export type Manifest = any;

/** Reads a manifest (YAML). */
export async function loadManifest(path: string): Promise<Manifest> {
  return parse(await Deno.readTextFile(path));
}

/** Reads a file of several manifests (YAML documents between `---`). */
export async function loadManifests(path: string): Promise<Manifest[]> {
  return parseAllDocuments(await Deno.readTextFile(path))
    .map((document) => document.toJS());
}

/** The container `name` of a Pod manifest. */
export function findContainer(manifest: Manifest, name: string): Manifest {
  const container = manifest.spec.containers.find((c: Manifest) =>
    c.name === name
  );
  assert.ok(container, `The manifest has no container named "${name}"`);
  return container;
}

function envEntry(container: Manifest, name: string): Manifest {
  const variable = container.env?.find((e: Manifest) => e.name === name);
  assert.ok(variable, `Container "${container.name}" has no env "${name}"`);
  return variable;
}

/** The value of the environment variable `name` of a container. */
export function getEnv(container: Manifest, name: string): string {
  return envEntry(container, name).value;
}

/**
 * A copy of `base` to play: the images this checkout built, a fresh Pod name
 * and fresh emptyDir names (podman names an emptyDir's volume after the
 * manifest's volume and keeps it between runs, so a fresh name gives each Pod
 * a fresh emptyDir).
 */
export function renderPod(base: Manifest, label: string): Manifest {
  const manifest = structuredClone(base);
  for (const container of manifest.spec.containers) {
    container.image = IMAGES[container.image] ?? container.image;
  }
  const name = `guillotine-e2e-${label}-${crypto.randomUUID().slice(0, 8)}`;
  manifest.metadata.name = name;
  for (const volume of manifest.spec.volumes ?? []) {
    if (!volume.emptyDir) continue;
    const old = volume.name;
    volume.name = `${name}-${old}`;
    for (const container of manifest.spec.containers) {
      for (const mount of container.volumeMounts ?? []) {
        if (mount.name === old) mount.name = volume.name;
      }
    }
  }
  return manifest;
}

/**
 * A copy of a Pod and the ConfigMaps it mounts, rendered by
 * {@linkcode renderPod}, each ConfigMap renamed after the Pod: podman keeps a
 * ConfigMap volume under the ConfigMap's name, so a fresh name gives each Pod
 * its own.
 *
 * @returns The ConfigMaps, then the Pod, as `podman kube play` takes them.
 */
export function renderPodAndConfigMaps(
  base: Manifest[],
  label: string,
): Manifest[] {
  const pod = renderPod(base.find((doc) => doc.kind === "Pod"), label);
  const configMaps = base.filter((doc) => doc.kind === "ConfigMap")
    .map((doc) => structuredClone(doc));
  for (const configMap of configMaps) {
    const old = configMap.metadata.name;
    configMap.metadata.name = `${pod.metadata.name}-${old}`;
    for (const volume of pod.spec.volumes ?? []) {
      if (volume.configMap?.name === old) {
        volume.configMap.name = configMap.metadata.name;
      }
    }
  }
  return [...configMaps, pod];
}

/**
 * Where guillotine runs in the job Pod: on the proxy only (the example as
 * written), nowhere (the control), or on both sides (the README's full
 * pattern).
 */
export type Wrapping = "sidecar" | "none" | "both";

/**
 * The example job Pod, changed only where a run must differ: names, the
 * server's port, the SQL, and where guillotine runs.
 */
export function renderJobPod(
  base: Manifest,
  options: { label: string; port: number; sql: string; guillotine: Wrapping },
): Manifest {
  const manifest = renderPod(base, options.label);
  const job = findContainer(manifest, "job");
  envEntry(job, "JOB_SQL").value = options.sql;
  const proxy = findContainer(manifest, "proxy");
  const args: string[] = proxy.args;
  const upstream = args.indexOf(MANIFEST_UPSTREAM);
  assert.ok(upstream >= 0, `The proxy should forward to ${MANIFEST_UPSTREAM}`);
  args[upstream] = `TCP:127.0.0.1:${options.port}`;
  const start = args.indexOf(PROXY_EXECUTABLE);
  assert.ok(start >= 0, `The proxy should run ${PROXY_EXECUTABLE}`);
  if (options.guillotine === "none") {
    // `command` replaces the image's entrypoint (guillotine): the proxy runs
    // bare, with the same command line, as in the original Job.
    proxy.command = args.slice(start);
    delete proxy.args;
  } else if (options.guillotine === "both") {
    const watched = wrapJob(job, proxy, options.sql);
    // The sidecar exits with the code the job's record holds.
    args.splice(start, 0, "--watch", watched, "--exit-code-from-file", "--");
  }
  return manifest;
}

/**
 * The job runs guillotine from the sidecar's image, which carries psql too;
 * as `args`, after the entrypoint (guillotine). podman 4.3 does not expand
 * $(VAR) in a command, so the SQL is written out. Both environment twins of
 * --watch go: the job's guillotine must not watch its own record, and the
 * sidecar watches the same file by flag.
 *
 * @returns The watched file: the job's completion record.
 */
function wrapJob(job: Manifest, proxy: Manifest, sql: string): string {
  const watched = getEnv(job, WATCHED_FILE_ENV);
  assert.equal(getEnv(proxy, WATCHED_FILE_ENV), watched);
  const socket = `${getEnv(job, "PGHOST")}/.s.PGSQL.${getEnv(job, "PGPORT")}`;
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
    sql,
  ];
  const drop = new Set([WATCHED_FILE_ENV, "JOB_SQL"]);
  job.env = job.env.filter((e: Manifest) => !drop.has(e.name));
  proxy.env = proxy.env.filter((e: Manifest) => e.name !== WATCHED_FILE_ENV);
  return watched;
}

/** The value after `flag` in a container's arguments. */
export function argAfter(container: Manifest, flag: string): string {
  const args: string[] = container.args;
  const at = args.indexOf(flag);
  assert.ok(at >= 0 && at + 1 < args.length, `No "${flag} VALUE" in ${args}`);
  return args[at + 1];
}

/** The pgbouncer sidecar's --lost-main-grace, in milliseconds. */
export function lostMainGraceMs(pod: Manifest): number {
  return parseDuration(
    argAfter(findContainer(pod, "pgbouncer"), "--lost-main-grace"),
  );
}

const PGBOUNCER_UPSTREAM = "host=127.0.0.1 port=5432 ";

/**
 * The main side in the pgbouncer Pod: guillotine with `--notify` (the lease,
 * as written), or the plain shell of examples/e2e-pod.yaml's job, which only
 * touches the watched file at the end (the control).
 */
export type MainSide = "guillotine" | "shell";

/**
 * The pgbouncer Pod (tests/e2e/pgbouncer-pod.yaml) changed only where a run
 * must differ: names, the server's port, the SQL, and the main side.
 *
 * @param jobPod examples/e2e-pod.yaml, whose job is the shell main side.
 * @returns The ConfigMap, then the Pod.
 */
export function renderPgbouncerPod(
  base: Manifest[],
  jobPod: Manifest,
  options: { label: string; port: number; sql: string; main: MainSide },
): Manifest[] {
  const docs = renderPodAndConfigMaps(base, options.label);
  const configMap = docs.find((doc) => doc.kind === "ConfigMap");
  const ini: string = configMap.data["pgbouncer.ini"];
  assert.ok(
    ini.includes(PGBOUNCER_UPSTREAM),
    `pgbouncer.ini should name the server as ${PGBOUNCER_UPSTREAM}`,
  );
  configMap.data["pgbouncer.ini"] = ini.replace(
    PGBOUNCER_UPSTREAM,
    `host=127.0.0.1 port=${options.port} `,
  );
  const pod = docs.at(-1);
  const job = findContainer(pod, "job");
  const record = argAfter(job, "--notify");
  assert.equal(argAfter(findContainer(pod, "pgbouncer"), "--watch"), record);
  if (options.main === "guillotine") {
    job.args[job.args.indexOf("-c") + 1] = options.sql;
    return docs;
  }
  // The control: the same work in examples/e2e-pod.yaml's job image and
  // script, which runs `psql -c "$JOB_SQL"` and then touches the watched file.
  const shell = findContainer(jobPod, "job");
  job.image = IMAGES[shell.image];
  job.command = shell.command;
  delete job.args;
  job.env = [
    ...job.env,
    { name: "JOB_SQL", value: options.sql },
    { name: WATCHED_FILE_ENV, value: record },
  ];
  return docs;
}

/** The host's static busybox, mounted read-only, as the hardened run does. */
const BUSYBOX_VOLUME = {
  name: "busybox",
  hostPath: { path: "/bin/busybox", type: "File" },
};
const BUSYBOX_MOUNT = {
  name: "busybox",
  mountPath: "/busybox",
  readOnly: true,
};

/** The name of the stand-in for the proxy a webhook would inject. */
export const INJECTED_PROXY = "injected-proxy";

/**
 * examples/injected-sidecar-job.yaml's Pod, to play here: the main
 * container's guillotine options as written, its work replaced by a busybox
 * shell script (`work`, given the stand-in's port), and where the mesh's
 * webhook would inject its proxy, a stand-in that serves POST /quitquitquit
 * where the main container's quit URL points (read by guillotine's own
 * parser): guillotine --listen around a sleeping busybox. No hostNetwork: the
 * Pod's loopback is its own, as in Kubernetes.
 */
export function renderInjectedPod(
  job: Manifest,
  options: { label: string; work: (port: string) => string },
): Manifest {
  const { metadata, spec } = job.spec.template;
  const pod = renderPod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { ...metadata, name: job.metadata.name },
    spec,
  }, options.label);
  assert.equal(pod.spec.containers.length, 1, "One container, the job's");
  const [main] = pod.spec.containers;
  const command: string[] = main.command;
  assert.equal(command[0], "/guillotine", "The job runs guillotine");
  const end = command.indexOf("--");
  assert.ok(end > 0, "The job's command ends guillotine's options with --");
  const request = parseOptions(command.slice(1), {});
  assert.ok(request.kind === "run", "The job's guillotine runs a command");
  const [quit] = request.config.quitUrls;
  assert.ok(quit, "The job's guillotine has a --quit-url");
  const port = new URL(quit.url).port;
  main.image = SIDECAR_IMAGE;
  delete main.command;
  main.args = [
    ...command.slice(1, end),
    "--",
    "/busybox",
    "sh",
    "-c",
    options.work(port),
  ];
  main.volumeMounts = [...(main.volumeMounts ?? []), BUSYBOX_MOUNT];
  pod.spec.containers.push({
    name: INJECTED_PROXY,
    image: SIDECAR_IMAGE,
    args: [
      "--listen",
      port,
      "--",
      "/busybox",
      "sleep",
      "600",
    ],
    volumeMounts: [BUSYBOX_MOUNT],
  });
  pod.spec.volumes = [...(pod.spec.volumes ?? []), BUSYBOX_VOLUME];
  return pod;
}
