/**
 * Start-up checks of the paths the two containers share: a watched file
 * whose directory does not exist (a typo, or the volume mounted elsewhere),
 * and, when guillotine is PID 1 (a container's init), a watched file or a
 * record on the container's own root file system, which the other container
 * cannot see. Each is one warning; guillotine goes on (the directory may
 * still appear, the record is still written).
 *
 * @module
 */

import type { Config } from "../options/config.ts";
import type { Logger } from "../log/logger.ts";
import { mountPoints } from "../sys/mountinfo.ts";
import { parentOf } from "../options/values/path.ts";
import { nearestDirectory } from "./watch_paths.ts";

/**
 * The mount point that holds `path` (absolute, symlinks resolved): the
 * longest mount point that is `path` or a directory above it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mountPointOf } from "./volume_check.ts";
 * const mounts = ["/", "/share", "/sharedata"];
 * assert.equal(mountPointOf("/share/done", mounts), "/share");
 * assert.equal(mountPointOf("/shared/done", mounts), "/");
 * assert.equal(mountPointOf("/share", mounts), "/share");
 * ```
 */
export function mountPointOf(
  path: string,
  mounts: readonly string[],
): string {
  let best = "/";
  for (const mount of mounts) {
    const inside = mount === "/" || path === mount ||
      path.startsWith(`${mount}/`);
    if (inside && mount.length > best.length) best = mount;
  }
  return best;
}

/** One path to check, and what it is for the messages. */
interface Shared {
  path: string;
  what: "watched file" | "completion record";
}

/**
 * Warns, once per path, about a watched file's missing directory, and (as
 * PID 1) about a watched file or a record on the root file system.
 *
 * @param pid1 Whether guillotine is its container's init: only then is `/`
 *   the container's own file system.
 */
export function checkSharedPaths(
  config: Pick<Config, "watch" | "notify">,
  pid1: boolean,
  log: Logger,
): void {
  const shared: Shared[] = [
    ...config.watch.map((p) => ({ path: p, what: "watched file" as const })),
    ...(config.notify
      ? [{ path: config.notify, what: "completion record" as const }]
      : []),
  ];
  let mounts: string[] | null | undefined;
  for (const { path, what } of shared) {
    const absolute = path; // the options resolved it
    const dir = parentOf(absolute);
    const { dir: nearest, problem } = nearestDirectory(absolute);
    if (problem) continue; // Refused as the watch is armed, or said later.
    const missing = nearest !== dir;
    if (missing && what === "watched file") {
      log.warn(
        `the directory of the watched file does not exist: ${dir} (a typo, or the shared volume is not mounted there in this container); watching for it to appear`,
        { problem: "missing-directory", file: absolute, dir },
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
      { problem: "not-on-volume", file: absolute, dir },
    );
  }
}
