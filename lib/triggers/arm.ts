/**
 * What can end the child's run besides its exit, armed after the spawn; and
 * the warnings about shared paths (a watched file's directory missing; as PID
 * 1, a path on the container's own root, which the other cannot see).
 * @module
 */

import type { Config } from "../options/config.ts";
import type { Decision } from "./decision.ts";
import type { Endpoint } from "./endpoint.ts";
import { LeaseWatch } from "./lease.ts";
import type { Logger } from "../log/logger.ts";
import type { HostPort } from "../options/values/host_port.ts";
import { FileWatch, type WatchConfig } from "./watcher.ts";
import { mountPoints } from "../sys/mountinfo.ts";
import { parentOf } from "../options/values/path.ts";
import { nearestDirectory } from "./watch_paths.ts";

/** The file watch. */
export function armWatch(config: WatchConfig, log: Logger): FileWatch {
  return new FileWatch(config, log);
}

/** The sidecar's watch on the main containers' leases, when it applies. */
export function watchLeases(
  config: Pick<
    Config,
    "lease" | "watch" | "lostMainGraceMs" | "lostMainExitCode" | "restartPolicy"
  >,
  log: Logger,
): LeaseWatch | null {
  if (!config.lease || !config.watch.length) return null;
  const leases = new LeaseWatch(config, log);
  leases.start();
  return leases;
}

/** The quit endpoint; each quit request is proposed to `decision`. */
export async function openQuitEndpoint(
  address: HostPort,
  decision: Decision,
  log: Logger,
): Promise<Endpoint> {
  const { openEndpoint } = await import("./endpoint.ts");
  return openEndpoint(address, ({ method, path, code }) =>
    decision.hear({
      reason: `${method} ${path}${code === null ? "" : `?code=${code}`}`,
      files: [],
      exitCode: code ?? undefined,
    }), log);
}

/** The longest mount point that is `path` (absolute, resolved) or above it. */
export function mountPointOf(path: string, mounts: readonly string[]): string {
  return mounts.filter((m) => path === m || path.startsWith(`${m}/`))
    .reduce((best, m) => m.length > best.length ? m : best, "/");
}

/** Warns once per path; `pid1`: only then is `/` the container's own. */
export function checkSharedPaths(
  config: Pick<Config, "watch" | "notify">,
  pid1: boolean,
  log: Logger,
): void {
  const shared = config.watch.map((path) => ({ path, what: "watched file" }));
  if (config.notify) {
    shared.push({ path: config.notify, what: "completion record" });
  }
  let mounts: string[] | null | undefined;
  for (const { path, what } of shared) {
    const dir = parentOf(path);
    const { dir: nearest, problem } = nearestDirectory(path);
    if (problem) continue; // refused as the watch is armed, or said later
    if (nearest !== dir && what === "watched file") {
      log.warn(
        `the directory of the watched file does not exist: ${dir} (a typo, or the shared volume is not mounted there in this container); watching for it to appear`,
        { problem: "missing-directory", file: path, dir },
      );
      continue;
    }
    if (!pid1) continue;
    mounts ??= mountPoints();
    if (!mounts) return;
    let real = nearest;
    try {
      real = Deno.realPathSync(nearest);
    } catch { /* the text is the best guess left */ }
    if (mountPointOf(real, mounts) !== "/") continue;
    log.warn(
      `the ${what} is on this container's own file system (no volume is mounted at ${dir} or above it): the other container cannot see it; mount the shared volume there`,
      { problem: "not-on-volume", file: path, dir },
    );
  }
}
