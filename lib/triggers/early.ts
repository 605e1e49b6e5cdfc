/**
 * The one look at the watched files before the child starts. A watched file
 * that already exists means the child never starts; everything else about
 * the watch (inotify, the poll, the lease watch) is armed after the spawn,
 * so that the child is not kept waiting for it, and the check that comes
 * with arming catches a file made in between (lib/run/supervisor.ts).
 *
 * This module loads nothing of the watch itself: only access(2) and stat,
 * which open nothing.
 *
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import { isDirectory, pathProbe } from "../sys/files.ts";
import { parentOf } from "../options/values/path.ts";
import { nearestDirectory, refuseDirectories } from "./watch_paths.ts";

/**
 * Whether the watch's condition holds already: each watched path that
 * exists and is not a directory counts, as the watch counts it.
 *
 * @param paths The watched paths, absolute (the options resolved them).
 * @param mode Whether all of them must exist, or any one.
 * @returns True when the child must not start.
 * @throws {GuillotineError} (125) For a path that is or can only be a
 *   directory, or that cannot appear (something on the way is not a
 *   directory, or cannot be read): before the child, as bad input.
 *
 * @example Needs --allow-read, --allow-write and --allow-ffi (libc's access).
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { triggeredAtStart } from "./early.ts";
 * const dir = Deno.makeTempDirSync();
 * const [done, other] = [`${dir}/done`, `${dir}/other`];
 * assert.equal(triggeredAtStart([done], "all"), false);
 * Deno.writeTextFileSync(done, "");
 * assert.equal(triggeredAtStart([done, other], "any"), true);
 * assert.equal(triggeredAtStart([done, other], "all"), false);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function triggeredAtStart(
  paths: readonly string[],
  mode: "all" | "any",
): boolean {
  let present = 0;
  refuseDirectories(paths);
  for (const path of paths) {
    // The usual case, a parent that is a directory, asked of access(2): the
    // first Deno.statSync of a process costs 1.3-5.8 ms here (measured).
    if (!isDirectory(parentOf(path))) {
      const { problem } = nearestDirectory(path);
      if (problem) throw new GuillotineError(problem, EXIT_USAGE);
    }
    const probe = pathProbe(path);
    if (probe.exists() && !probe.isDirectory()) present++;
  }
  if (!paths.length) return false;
  return mode === "any" ? present > 0 : present === paths.length;
}
