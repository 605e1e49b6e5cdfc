/**
 * The watched paths: how they are written down (absolute, each once), which
 * are refused (a directory), and where their creation will show as an event.
 * Each check uses access(2) or stat, which open nothing.
 *
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import { WATCHED_FILE_ENV } from "../options/table.ts";
import { pathExists } from "../sys/files.ts";
import { cString } from "../sys/libc.ts";
import { absolutePath, parentOf } from "../options/values/path.ts";

/**
 * Whether a path is a directory now, following symlinks: the path with a
 * trailing `/` exists only for a directory (access(2), which opens nothing
 * and, unlike stat, throws nothing for the usual answer: nothing there).
 */
function isDirectory(path: string): boolean {
  return pathExists(cString(`${path}/`));
}

/**
 * The ending that makes a path a directory by its form alone: a trailing `/`,
 * or `.` or `..` as its last name.
 *
 * @returns The ending, or null for a path that can name a file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { directoryEnding } from "./watch_paths.ts";
 * assert.equal(directoryEnding("/share/done/"), "/");
 * assert.equal(directoryEnding("share/.."), "..");
 * assert.equal(directoryEnding("."), ".");
 * assert.equal(directoryEnding("/share/done"), null);
 * assert.equal(directoryEnding("/share/done."), null);
 * ```
 */
export function directoryEnding(path: string): string | null {
  if (path.endsWith("/")) return "/";
  const last = path.slice(path.lastIndexOf("/") + 1);
  return last === "." || last === ".." ? last : null;
}

/**
 * The watched paths as the watch uses them: absolute (relative ones from
 * `cwd`), without `.`, `..` and repeated `/` (by their text: symlinks are not
 * followed), each once, so that `done`, `./done` and `/x//done` in `/x` are
 * one file, counted once. Runs when the watch is armed: whether a path is a
 * directory is a fact of that moment.
 *
 * @throws {GuillotineError} (125) For a path that is a directory now, or that
 *   can only be one ({@linkcode directoryEnding}); its one line names the
 *   option, the variable and an example of what to give instead.
 */
export function watchedPaths(paths: readonly string[], cwd: string): string[] {
  const unique = new Set<string>();
  for (const path of paths) {
    const absolute = absolutePath(path, cwd);
    const way = `give --watch (or ${WATCHED_FILE_ENV}) the path of the file`;
    if (isDirectory(absolute)) {
      throw new GuillotineError(
        `Watched file "${path}" is a directory: ${way} that the main container creates, such as ${
          absolute === "/" ? "" : absolute
        }/done`,
        EXIT_USAGE,
      );
    }
    const ending = directoryEnding(path);
    if (ending !== null) {
      throw new GuillotineError(
        `Watched file "${path}" ends with "${ending}", so it can only be a directory: ${way}, such as ${absolute}`,
        EXIT_USAGE,
      );
    }
    unique.add(absolute);
  }
  return [...unique];
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
