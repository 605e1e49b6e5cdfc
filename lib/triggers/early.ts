/**
 * The one look at the watched files before the child starts: one already
 * there means the child never starts. The rest of the watch is armed after
 * the spawn, and its first check catches a file made in between. Loads
 * nothing of the watch: only access(2) and stat, which open nothing.
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import { isDirectory, pathProbe } from "../sys/files.ts";
import { parentOf } from "../options/values/path.ts";
import { nearestDirectory, refuseDirectories } from "./watch_paths.ts";

/**
 * Whether the watch's condition holds already (a path that exists and is no
 * directory counts, as for the watch), so the child must not start.
 *
 * @throws {GuillotineError} (125) For a path that is a directory, or cannot
 *   appear (something on the way is not a directory, or cannot be read).
 */
export function triggeredAtStart(
  paths: readonly string[],
  mode: "all" | "any",
): boolean {
  let present = 0;
  refuseDirectories(paths);
  for (const path of paths) {
    // The usual case asked of access(2): the first Deno.statSync of a process
    // costs 1.3-5.8 ms (measured).
    if (!isDirectory(parentOf(path))) {
      const { problem } = nearestDirectory(path);
      if (problem) throw new GuillotineError(problem, EXIT_USAGE);
    }
    const probe = pathProbe(path);
    if (probe.exists() && !probe.isDirectory()) present++;
  }
  return paths.length > 0 &&
    (mode === "any" ? present > 0 : present === paths.length);
}
