/**
 * The watched paths (absolute, each once): the look before the child starts,
 * which are refused, where their creation will show as an event. Only
 * access(2) and stat, which open nothing; the watch loads after the spawn.
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import { WATCHED_FILE_ENV } from "../options/table.ts";
import { isDirectory, pathProbe } from "../sys/files.ts";
import { parentOf } from "../options/values/path.ts";
import type { DirWatch } from "./dir_watches.ts";

type Mode = "all" | "any"; // --watch-mode

/** Refuses a watched path that is a directory now, in one line (125). */
export function refuseDirectories(paths: readonly string[]): void {
  const path = paths.find(isDirectory);
  if (path === undefined) return;
  throw new GuillotineError(
    `Watched file "${path}" is a directory: give --watch (or ${WATCHED_FILE_ENV}) the path of the file that the main container creates, such as ${path}/done`,
    EXIT_USAGE,
  );
}

/**
 * Whether the condition holds already (a path there and no directory counts),
 * so the child must not start. Throws (125) for a path that is a directory or
 * cannot appear (something on the way is no directory, or cannot be read).
 */
export function triggeredAtStart(
  paths: readonly string[],
  mode: Mode,
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
  return paths.length > 0 && isSatisfied(present, paths.length, mode);
}

/** Whether the files seen so far fire (a file once seen stays counted). */
export function isSatisfied(seen: number, total: number, mode: Mode): boolean {
  return mode === "any" ? seen > 0 : seen === total;
}

/** A directory's identity: one replaced at its path is another one. */
function identity(dir: string): { id: string; error?: Error } {
  try {
    const { dev, ino, isDirectory } = Deno.statSync(dir);
    return { id: isDirectory ? `${dev}:${ino}` : "file" };
  } catch (error) {
    return { id: "", error: error as Error };
  }
}

/**
 * The nearest existing directory above `path`, where its creation will show,
 * and why the path cannot appear now (the way blocked: the one above that).
 */
export function nearestDirectory(
  path: string,
): { dir: string; id: string; problem: string | null } {
  let problem: string | null = null;
  for (let dir = parentOf(path);; dir = parentOf(dir)) {
    const { id, error } = identity(dir);
    if (
      error && !(error instanceof Deno.errors.NotFound) &&
      !(error instanceof Deno.errors.NotADirectory)
    ) {
      problem ??=
        `Cannot watch "${path}": "${dir}" cannot be read (${error.message}): fix its permissions or choose another path`;
    }
    if (id === "file") {
      problem ??=
        `Cannot watch "${path}": "${dir}" is not a directory: choose a path inside a directory, such as the shared volume`;
    } else if (id || dir === "/") return { dir, id, problem };
  }
}

/**
 * The nearest existing directory of each path, for what is made in it, and
 * every one above, for their own renames (the watched one moves, no event).
 */
export function planWatches(
  paths: readonly string[],
  entries: number,
  self: number,
) {
  const plan = {
    dirs: new Map<string, DirWatch>(),
    problems: [] as string[], // why a path cannot appear now
    symlink: null as string | null, // one on the way: its swap shows no event
  };
  for (const path of paths) {
    const { dir, id, problem } = nearestDirectory(path);
    if (problem) plan.problems.push(problem);
    plan.dirs.set(dir, { id, mask: entries });
    for (let at = dir;; at = parentOf(at)) {
      try {
        if (Deno.lstatSync(at).isSymlink) plan.symlink ??= at;
      } catch { /* gone meanwhile: the next event re-plans */ }
      if (at === "/") break;
      const above = parentOf(at);
      if (!plan.dirs.has(above)) {
        plan.dirs.set(above, { id: identity(above).id, mask: self });
      }
    }
  }
  return plan;
}
