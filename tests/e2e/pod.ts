/**
 * Pods played by podman for the end-to-end tests: the local images built from
 * this checkout, `podman kube play` of a rendered manifest (manifest.ts),
 * waiting for the Pod's end, what its containers did (state, exit code, logs,
 * what they changed on their root file system), the files on its emptyDir,
 * and the tear-down.
 *
 * Needs root, podman (with the ulimits in /etc/containers/containers.conf),
 * socat, pgbouncer, dash, ldd and a static busybox, which `scripts/setup.sh`
 * installs; it fails, never skips, when one is missing.
 *
 * @module
 */

import { exec, mustExec, pollUntil, ROOT, which } from "../harness/mod.ts";
import { IMAGES, type Manifest, SIDECAR_IMAGE } from "./manifest.ts";
import { PostgresServer } from "./postgres.ts";

const BUILD_SCRIPT = `${ROOT}scripts/build-local-image.sh`;
const SETUP_HINT = "run scripts/setup.sh as root first";

/** A container's state as `podman container inspect` shows it. */
export interface ContainerState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  FinishedAt: string;
  RestartCount?: number;
}

/** Fails, naming everything missing, unless podman Pods can be played here. */
function requirePodTools(): void {
  const missing = ["podman", "socat", "pgbouncer", "dash", "ldd", "deno"]
    .filter((tool) => which(tool) === null);
  try {
    Deno.statSync("/bin/busybox");
  } catch {
    missing.push("/bin/busybox (busybox-static)");
  }
  if (Deno.uid() !== 0) missing.push("root (podman kube play, runuser)");
  if (missing.length > 0) {
    throw new Error(
      `The end-to-end tests need what this machine lacks: ${
        missing.join(", ")
      }; ${SETUP_HINT}`,
    );
  }
}

/** Runs podman, which must succeed; returns its stdout. */
export async function podman(args: string[]): Promise<string> {
  try {
    return await mustExec("podman", args);
  } catch (error) {
    const message = (error as Error).message;
    if (!/rlimit/.test(message)) throw error;
    throw new Error(
      `podman needs default_ulimits in /etc/containers/containers.conf ` +
        `(${SETUP_HINT}): ${message}`,
    );
  }
}

let imagesBuilt: Promise<void> | undefined;

/** Builds the local images once per test module, from the current code. */
export function buildImages(): Promise<void> {
  imagesBuilt ??= (async () => {
    requirePodTools();
    const start = performance.now();
    await mustExec("bash", [BUILD_SCRIPT], {
      env: {
        SIDECAR_IMAGE,
        JOB_IMAGE: IMAGES["localhost/guillotine-e2e-job:local"],
      },
    });
    console.log(`images built in ${Math.round(performance.now() - start)} ms`);
  })();
  return imagesBuilt;
}

/**
 * One Pod played by podman; removed, with its emptyDirs and ConfigMap
 * volumes, on disposal.
 */
export class PlayedPod {
  readonly name: string;
  readonly containers: string[];
  readonly #emptyDirs: string[];
  /** Every volume podman makes for the Pod: emptyDirs, ConfigMaps. */
  readonly #volumes: string[];
  readonly #file: string;

  private constructor(manifest: Manifest, file: string) {
    this.name = manifest.metadata.name;
    this.containers = manifest.spec.containers.map((c: Manifest) => c.name);
    const volumes = manifest.spec.volumes ?? [];
    this.#emptyDirs = volumes.filter((v: Manifest) => v.emptyDir)
      .map((v: Manifest) => v.name);
    // podman keeps a ConfigMap volume under the ConfigMap's name.
    this.#volumes = [
      ...this.#emptyDirs,
      ...volumes.filter((v: Manifest) => v.configMap)
        .map((v: Manifest) => v.configMap.name),
    ];
    this.#file = file;
  }

  /**
   * Plays a Pod with `podman kube play`, or several documents (ConfigMaps
   * the Pod mounts, and the Pod) from one file.
   */
  static async play(manifests: Manifest | Manifest[]): Promise<PlayedPod> {
    const docs: Manifest[] = Array.isArray(manifests) ? manifests : [manifests];
    const manifest = docs.find((doc) => doc.kind === "Pod");
    const file = await Deno.makeTempFile({
      prefix: `${manifest.metadata.name}-`,
      suffix: ".yaml",
    });
    // JSON is YAML, and needs no YAML writer.
    await Deno.writeTextFile(
      file,
      docs.map((doc) => JSON.stringify(doc, null, 2)).join("\n---\n"),
    );
    const pod = new PlayedPod(manifest, file);
    try {
      await podman(["kube", "play", file]);
    } catch (error) {
      await pod.remove();
      throw error;
    }
    return pod;
  }

  /** The Pod's state: Running, Exited... */
  async status(): Promise<string> {
    const out = await exec("podman", ["pod", "inspect", this.name]);
    if (out.code !== 0) return `missing (${out.stderr.trim()})`;
    const parsed = JSON.parse(out.stdout);
    // podman 4 prints one object, podman 5 an array of them.
    return (Array.isArray(parsed) ? parsed[0] : parsed).State;
  }

  /** podman's name for the Pod's container `name`. */
  containerId(name: string): string {
    return `${this.name}-${name}`;
  }

  /** `podman container inspect` of the container `name`. */
  // deno-lint-ignore no-explicit-any
  async inspect(name: string): Promise<any> {
    return JSON.parse(
      await podman(["container", "inspect", this.containerId(name)]),
    )[0];
  }

  /** The state of the container `name`. */
  async container(name: string): Promise<ContainerState> {
    return (await this.inspect(name)).State;
  }

  /** Everything the container `name` wrote, stdout then stderr. */
  async logs(name: string): Promise<string> {
    const out = await exec("podman", ["logs", this.containerId(name)]);
    return out.stdout + out.stderr;
  }

  /** Everything worth reading when an assertion about this Pod fails. */
  async describe(): Promise<string> {
    const lines = [`pod ${this.name}: ${await this.status()}`];
    for (const name of this.containers) {
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

  /** Runs `check`; its failure comes with {@linkcode describe}'s account. */
  async explain<T>(check: () => T | Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await this.describe()}`, {
        cause: error,
      });
    }
  }

  /** Waits until the container `name` has exited; returns its state. */
  async exitedContainer(
    name: string,
    timeoutMs: number,
  ): Promise<ContainerState> {
    return await this.explain(() =>
      pollUntil(
        async () => {
          const state = await this.container(name);
          return state.Status === "exited" ? state : null;
        },
        `the container ${name} of pod ${this.name} to exit`,
        timeoutMs,
        100,
      )
    );
  }

  /**
   * Waits until the whole Pod has exited.
   *
   * @returns Each container's final state, by name.
   */
  async exited(timeoutMs: number): Promise<Record<string, ContainerState>> {
    const start = performance.now();
    await this.explain(() =>
      pollUntil(
        async () => (await this.status()) === "Exited",
        `pod ${this.name} to exit`,
        timeoutMs,
        100,
      )
    );
    console.log(
      `pod ${this.name} exited ${
        Math.round(performance.now() - start)
      } ms after the wait began`,
    );
    const states: Record<string, ContainerState> = {};
    for (const name of this.containers) {
      states[name] = await this.container(name);
    }
    return states;
  }

  /** A file on the Pod's (first) emptyDir, read from the host. */
  async sharedFile(path: string): Promise<string> {
    return await Deno.readTextFile(`${await this.sharedDir()}/${path}`);
  }

  /** The host directory behind the Pod's (first) emptyDir. */
  async sharedDir(): Promise<string> {
    const mountpoint = await podman([
      "volume",
      "inspect",
      "--format",
      "{{.Mountpoint}}",
      this.#emptyDirs[0],
    ]);
    return mountpoint.trim();
  }

  /** Removes the Pod, its containers and its volumes. */
  async remove(): Promise<void> {
    await exec("podman", ["pod", "rm", "--force", "--time", "0", this.name]);
    for (const volume of this.#volumes) {
      await exec("podman", ["volume", "rm", "--force", volume]);
    }
    await Deno.remove(this.#file).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.remove();
  }
}

/** A played Pod whose job talks to a private PostgreSQL server. */
export interface DatabaseRun {
  pod: PlayedPod;
  server: PostgresServer;
  /** How many rows the job inserted. */
  rows(): Promise<number>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a private PostgreSQL server with the job's `database` (building the
 * images meanwhile), then plays the Pod that `render` writes for the server's
 * port and a fresh run id made from `label`. Disposal removes the Pod and
 * stops the server; so does a failure to play.
 */
export async function playWithDatabase(
  database: string,
  label: string,
  render: (port: number, runId: string) => Manifest | Manifest[],
): Promise<DatabaseRun> {
  const [server] = await Promise.all([PostgresServer.start(), buildImages()]);
  const runId = `${label}-${crypto.randomUUID().slice(0, 8)}`;
  let pod: PlayedPod;
  try {
    await server.createJobDatabase(database);
    pod = await PlayedPod.play(render(server.port, runId));
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    pod,
    server,
    rows: () => server.jobRows(database, runId),
    async [Symbol.asyncDispose]() {
      await pod.remove();
      await server.stop();
    },
  };
}
