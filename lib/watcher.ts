/**
 * Watches for the files that say the main work is done. File events come from
 * one `Deno.watchFs` on the nearest existing directory of each watched file
 * (several watchers in one process interfere); a poll beside it catches what
 * events miss (network file systems, a watched directory removed and made
 * again, which silences its watcher). Any event only prompts a check: whether
 * a file exists is always decided by `stat`, which follows symlink swaps.
 *
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "./errors.ts";
import type { Logger } from "./log/logger.ts";
import { pathExists as exists } from "./sys/files.ts";
import { cString } from "./sys/libc.ts";
import { parentOf } from "./values/path.ts";

/** Why the sidecar is to end. */
export interface Trigger {
  /** For logs: what fired. */
  reason: string;
  /** The watched files that exist (empty for the quit endpoint). */
  files: string[];
  /** The exit code this trigger decides (a lost main, `?code=N`), if any. */
  exitCode?: number;
}

/** What {@linkcode FileWatch} watches and how. */
export interface WatchOptions {
  /** Absolute paths. */
  paths: string[];
  mode: "all" | "any";
  method: "events" | "poll";
  /** 0: no poll (then only events). */
  pollIntervalMs: number;
  log: Logger;
}

/**
 * Whether the files seen so far fire the trigger. A file once seen stays
 * counted: each one says that a main container finished.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSatisfied } from "./watcher.ts";
 * assert.equal(isSatisfied(1, 2, "all"), false);
 * assert.ok(isSatisfied(1, 2, "any"));
 * ```
 */
export function isSatisfied(
  seen: number,
  total: number,
  mode: "all" | "any",
): boolean {
  return mode === "any" ? seen > 0 : seen === total;
}

/**
 * The nearest directory above `path` that exists, with its inode, which is
 * where its creation (or the creation of the directories on the way) will show
 * as an event.
 *
 * @throws {GuillotineError} When an existing ancestor is not a directory, or
 *   cannot be read, so the path can never appear.
 */
export function nearestDirectory(
  path: string,
): { dir: string; ino: number | null } {
  for (let dir = parentOf(path);; dir = parentOf(dir)) {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(dir);
    } catch (error) {
      if (
        error instanceof Deno.errors.NotFound ||
        error instanceof Deno.errors.NotADirectory
      ) {
        continue;
      }
      throw new GuillotineError(
        `Cannot watch "${path}": "${dir}" cannot be read (${
          (error as Error).message
        }): fix its permissions or choose another path`,
        EXIT_USAGE,
      );
    }
    if (info.isDirectory) return { dir, ino: info.ino };
    throw new GuillotineError(
      `Cannot watch "${path}": "${dir}" is not a directory: choose a path inside a directory, such as the shared volume`,
      EXIT_USAGE,
    );
  }
}

/** Watches files until the trigger's condition holds. */
export class FileWatch {
  readonly #options: WatchOptions;
  readonly #seen = new Set<string>();
  /** Each path as a C string, made once: the poll allocates nothing. */
  readonly #cPaths: Map<string, Uint8Array<ArrayBuffer>>;
  #watcher: Deno.FsWatcher | null = null;
  #watchedDirs = "";
  #timer: ReturnType<typeof setInterval> | undefined;
  #done = false;
  #fire!: (trigger: Trigger) => void;
  /** Resolves once when the condition holds. */
  readonly triggered: Promise<Trigger>;

  constructor(options: WatchOptions) {
    this.#options = options;
    this.#cPaths = new Map(options.paths.map((p) => [p, cString(p)]));
    this.triggered = new Promise((resolve) => this.#fire = resolve);
  }

  /**
   * Arms the watch, then checks the files, in that order, so that a file
   * made during start-up is seen by one or the other.
   *
   * @returns The trigger when the condition already holds, else null.
   * @throws {GuillotineError} When a path can never appear.
   */
  arm(): Trigger | null {
    if (this.#options.method === "events") {
      this.#rearm(true);
    } else {
      for (const path of this.#options.paths) nearestDirectory(path);
    }
    return this.#check();
  }

  /**
   * Starts the poll. Separate from {@linkcode arm}: Deno loads its timers on
   * first use, which takes milliseconds, so the child is started first.
   */
  startPolling(): void {
    if (
      this.#done || this.#timer !== undefined || !this.#options.pollIntervalMs
    ) return;
    this.#timer = setInterval(
      () => this.#onChange("poll"),
      this.#options.pollIntervalMs,
    );
  }

  /** Stops watching. */
  close(): void {
    this.#done = true;
    // Even clearInterval(undefined) would make Deno load its timers.
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#closeWatcher();
  }

  #onChange(source: string): void {
    if (this.#done) return;
    if (this.#check(source)) return;
    if (this.#options.method === "events" && this.#rearm()) this.#check(source);
  }

  #check(source = "start-up"): Trigger | null {
    const { paths, mode, log } = this.#options;
    let last: string | null = null;
    for (const path of paths) {
      if (!this.#seen.has(path) && exists(this.#cPaths.get(path)!)) {
        this.#seen.add(path);
        last = path;
        log.debug("watched file exists", { file: path, seen_by: source });
      }
    }
    if (last === null || !isSatisfied(this.#seen.size, paths.length, mode)) {
      return null;
    }
    const files = paths.filter((p) => this.#seen.has(p));
    const trigger: Trigger = {
      reason: paths.length === 1
        ? `watched file ${last} exists`
        : `watched file ${last} exists (${mode} of ${paths.length})`,
      files,
    };
    this.close();
    this.#fire(trigger);
    return trigger;
  }

  /**
   * Points the one watcher at the nearest existing directory of each file not
   * yet seen, when that set changed (a parent made or removed).
   *
   * @param strict Throw, rather than warn, when a path can never appear.
   * @returns Whether the watcher was re-armed, so a check is due.
   */
  #rearm(strict = false): boolean {
    const found = new Map<string, number | null>();
    try {
      for (const path of this.#options.paths) {
        if (this.#seen.has(path)) continue;
        const { dir, ino } = nearestDirectory(path);
        found.set(dir, ino);
      }
    } catch (error) {
      // At start-up a path that can never appear is guillotine's error (125).
      if (strict) throw error;
      this.#options.log.warn("cannot re-arm the file watch; the poll goes on", {
        error: (error as Error).message,
      });
      return false;
    }
    const dirs = [...found.keys()].sort();
    // The inode is part of the key: a directory removed and made again
    // silences its watcher, though its path is the same.
    const key = dirs.map((d) => `${d}@${found.get(d)}`).join("\0");
    if (key === this.#watchedDirs && this.#watcher) return false;
    this.#closeWatcher();
    if (dirs.length === 0) return false;
    let watcher: Deno.FsWatcher;
    try {
      watcher = Deno.watchFs(dirs, { recursive: false });
    } catch (error) {
      this.#options.log.warn("cannot watch for file events; the poll goes on", {
        dirs: dirs.join(","),
        error: (error as Error).message,
      });
      return false;
    }
    this.#watcher = watcher;
    this.#watchedDirs = key;
    this.#options.log.debug("watching for file events", {
      dirs: dirs.join(","),
    });
    this.#consume(watcher);
    return true;
  }

  async #consume(watcher: Deno.FsWatcher): Promise<void> {
    try {
      for await (const _event of watcher) {
        if (this.#watcher !== watcher) return;
        this.#onChange("file event");
      }
    } catch {
      // A watcher that fails is replaced below or by the poll's next re-arm.
    }
    if (this.#watcher === watcher && !this.#done) {
      this.#watcher = null;
      this.#rearm();
    }
  }

  #closeWatcher(): void {
    const watcher = this.#watcher;
    this.#watcher = null;
    this.#watchedDirs = "";
    try {
      watcher?.close();
    } catch {
      // Already closed.
    }
  }
}
