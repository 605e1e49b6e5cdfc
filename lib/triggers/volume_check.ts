/**
 * Start-up warnings about the shared paths: a watched file whose directory
 * does not exist (a typo, or the volume mounted elsewhere), and, as PID 1, a
 * watched file or record on the container's own root file system, which the
 * other container cannot see. guillotine goes on either way.
 * @module
 */

import type { Config } from "../options/config.ts";
import type { Logger } from "../log/logger.ts";
import { mountPoints } from "../sys/mountinfo.ts";
import { parentOf } from "../options/values/path.ts";
import { nearestDirectory } from "./watch_paths.ts";

/** The longest mount point that is `path` (absolute, resolved) or above it. */
export function mountPointOf(
  path: string,
  mounts: readonly string[],
): string {
  let best = "/";
  for (const mount of mounts) {
    const inside = path === mount || path.startsWith(`${mount}/`);
    if (inside && mount.length > best.length) best = mount;
  }
  return best;
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
