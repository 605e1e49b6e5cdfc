/**
 * The watched paths: how they are written down (absolute, each once), which
 * are refused (a directory), and where their creation will show as an event.
 * Each check uses access(2) or stat, which open nothing.
 *
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import { WATCHED_FILE_ENV } from "../options/table.ts";
import { isDirectory } from "../sys/files.ts";
import { parentOf } from "../options/values/path.ts";

/**
 * Refuses a watched path that is a directory now (the paths are absolute:
 * the options resolved them). Checked before the child starts.
 *
 * @throws {GuillotineError} (125) Its one line names the option, the
 *   variable and an example of what to give instead.
 */
export function refuseDirectories(paths: readonly string[]): void {
  for (const path of paths) {
    if (!isDirectory(path)) continue;
    throw new GuillotineError(
      `Watched file "${path}" is a directory: give --watch (or ${WATCHED_FILE_ENV}) the path of the file that the main container creates, such as ${path}/done`,
      EXIT_USAGE,
    );
  }
}

/**
 * The nearest directory above `path` that exists, with its identity (device
 * and inode): where the creation of the file (or of the directories on the
 * way) will show as an event.
 *
 * @returns The directory, and why the path cannot appear now when something
 *   on the way is not a directory or cannot be read (then the directory is
 *   the one above that, where its replacement would show).
 */
export function nearestDirectory(
  path: string,
): { dir: string; id: string; problem: string | null } {
  let problem: string | null = null;
  for (let dir = parentOf(path);; dir = parentOf(dir)) {
    let info: Deno.FileInfo | null = null;
    try {
      info = Deno.statSync(dir);
    } catch (error) {
      if (
        !(error instanceof Deno.errors.NotFound) &&
        !(error instanceof Deno.errors.NotADirectory)
      ) {
        problem ??= `Cannot watch "${path}": "${dir}" cannot be read (${
          (error as Error).message
        }): fix its permissions or choose another path`;
      }
    }
    if (info?.isDirectory || dir === "/") {
      return { dir, id: info ? `${info.dev}:${info.ino}` : "", problem };
    }
    problem ??= info &&
      `Cannot watch "${path}": "${dir}" is not a directory: choose a path inside a directory, such as the shared volume`;
  }
}

/** One directory to watch, and for what. */
export interface PlannedWatch {
  /** Device and inode: a directory replaced at its path is another one. */
  id: string;
  /** Creations and renames into it (else only its own rename or removal). */
  entries: boolean;
}

/** What {@linkcode planWatches} returns. */
export interface WatchPlan {
  /** Directory → how to watch it. */
  dirs: Map<string, PlannedWatch>;
  /** Why a path cannot appear now, for each such path. */
  problems: string[];
  /** A symlink on the way to a watched directory, if any. */
  symlink: string | null;
}

/**
 * Where file events can show that the watched paths appeared: the nearest
 * existing directory of each path, for what is made in it, and every
 * directory above that, for their own renames and removals (a rename of an
 * ancestor moves the watched directory away and gives it no event). A
 * symlink on the way is reported: a swap of it shows in no watched directory.
 *
 * @param paths The paths not yet seen.
 */
export function planWatches(paths: readonly string[]): WatchPlan {
  const plan: WatchPlan = { dirs: new Map(), problems: [], symlink: null };
  for (const path of paths) {
    const { dir, id, problem } = nearestDirectory(path);
    if (problem) plan.problems.push(problem);
    plan.dirs.set(dir, { id, entries: true });
    for (let at = dir;; at = parentOf(at)) {
      try {
        if (Deno.lstatSync(at).isSymlink) plan.symlink ??= at;
      } catch { /* gone meanwhile: the next event re-plans */ }
      if (at === "/") break;
      const above = parentOf(at);
      if (plan.dirs.has(above)) continue;
      let info: Deno.FileInfo | null = null;
      try {
        info = Deno.statSync(above);
      } catch { /* gone meanwhile */ }
      plan.dirs.set(above, {
        id: info ? `${info.dev}:${info.ino}` : "",
        entries: false,
      });
    }
  }
  return plan;
}
