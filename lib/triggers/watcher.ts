/**
 * Watches for the files that say the main work is done. File events come from
 * one inotify instance (lib/sys/inotify.ts, which says why not `Deno.watchFs`)
 * watching the nearest existing directory of each watched file; a poll beside
 * it catches what events miss (network file systems, a directory above the
 * watched one renamed). Any event only prompts a check: whether a file exists
 * is decided by access(2), which follows symlink swaps and opens nothing, so a
 * FIFO, a socket or a device there counts as the file and never blocks. A
 * directory there does not count: it is refused at start-up
 * (lib/triggers/watch_paths.ts) and only warned about later, once a minute at most, as
 * is every warning that each event or poll could repeat.
 *
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import type { Logger } from "../log/logger.ts";
import { throttleLogger } from "../log/throttle.ts";
import { pathExists as exists } from "../sys/files.ts";
import {
  IN_CREATE,
  IN_DELETE_SELF,
  IN_IGNORED,
  IN_MOVE_SELF,
  IN_MOVED_TO,
  IN_ONLYDIR,
  Inotify,
  type InotifyEvent,
} from "../sys/inotify.ts";
import { cString } from "../sys/libc.ts";
import { every, type Ticker } from "../runtime/ticker.ts";
import { nearestDirectory } from "./watch_paths.ts";

/** Why the sidecar is to end. */
export interface Trigger {
  /** For logs: what fired. */
  reason: string;
  /** The watched files that exist (empty for the quit endpoint). */
  files: string[];
  /** The exit code this trigger decides (a lost main, `?code=N`), if any. */
  exitCode?: number;
}

type CString = Uint8Array<ArrayBuffer>;

/** A path as C strings: itself, and with a `/` (there only for a directory). */
function cPathsOf(path: string): { file: CString; dir: CString } {
  return { file: cString(path), dir: cString(`${path}/`) };
}

/** What {@linkcode FileWatch} watches and how. */
export interface WatchOptions {
  /** Absolute, normalised, each once: see `watchedPaths`. */
  paths: string[];
  mode: "all" | "any";
  method: "events" | "poll";
  /** 0: no poll (then only events). */
  pollIntervalMs: number;
  log: Logger;
}

// A file made or renamed into place, and the directory's own end. Not
// modifications: a busy neighbour must not wake guillotine for nothing.
const EVENTS = IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
  IN_ONLYDIR;

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

/** Watches files until the trigger's condition holds. */
export class FileWatch {
  readonly #options: WatchOptions;
  /** For warnings that every event or poll could repeat: once a minute. */
  readonly #warn: Logger;
  readonly #seen = new Set<string>();
  /** Each path as C strings, made once: a check allocates nothing. */
  readonly #cPaths: Map<string, { file: CString; dir: CString }>;
  #inotify: Inotify | null = null;
  /** The watched directories, with their watch and identity. */
  #dirs = new Map<string, { wd: number; id: string }>();
  /** What the watched directories were chosen from; "" for a re-arm. */
  #key = "";
  #ticker: Ticker | undefined;
  #done = false;
  #fire: (trigger: Trigger) => void;
  /** Resolves once when the condition holds. */
  readonly triggered: Promise<Trigger>;

  constructor(options: WatchOptions) {
    this.#options = options;
    this.#warn = throttleLogger(options.log);
    this.#cPaths = new Map(options.paths.map((p) => [p, cPathsOf(p)]));
    const { promise, resolve } = Promise.withResolvers<Trigger>();
    this.triggered = promise;
    this.#fire = resolve;
  }

  /**
   * Arms the watch, then checks the files, in that order, so that a file
   * made during start-up is seen by one or the other.
   *
   * @returns The trigger when the condition already holds, else null.
   * @throws {GuillotineError} When a path cannot appear (125).
   */
  arm(): Trigger | null {
    for (const path of this.#options.paths) {
      const { problem } = nearestDirectory(path);
      if (problem) throw new GuillotineError(problem, EXIT_USAGE);
    }
    if (this.#options.method === "events") this.#rearm();
    return this.#check();
  }

  /**
   * Starts the poll, on V8's own timer (`every`): Deno's timers would load
   * their module right after the child starts, and hold a signal meanwhile.
   */
  startPolling(): void {
    if (
      this.#done || this.#ticker !== undefined || !this.#options.pollIntervalMs
    ) return;
    this.#ticker = every(
      this.#options.pollIntervalMs,
      () => this.#onChange("poll"),
    );
  }

  /** Stops watching; never waits. */
  close(): void {
    this.#done = true;
    this.#ticker?.stop();
    this.#inotify?.close();
    this.#inotify = null;
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
      if (this.#seen.has(path)) continue;
      const c = this.#cPaths.get(path)!;
      if (!exists(c.file)) continue;
      if (exists(c.dir)) {
        this.#warn.warn(
          `watched file ${path} is a directory: it does not count until a file replaces it`,
        );
        continue;
      }
      this.#seen.add(path);
      last = path;
      log.debug("watched file exists", { file: path, seen_by: source });
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
   * Points the watch at the nearest existing directory of each file not yet
   * seen, when that set changed (a directory made, removed or replaced).
   *
   * @returns Whether the watched directories changed, so a check is due.
   */
  #rearm(): boolean {
    const wanted = new Map<string, string>();
    for (const path of this.#options.paths) {
      if (this.#seen.has(path)) continue;
      const { dir, id, problem } = nearestDirectory(path);
      if (problem) {
        this.#warn.warn(
          "cannot re-arm the file watch; watching the directory above",
          { error: problem },
        );
      }
      wanted.set(dir, id);
    }
    const key = [...wanted].map(([dir, id]) => `${dir}@${id}`).sort().join(
      "\0",
    );
    if (key === this.#key) return false;
    const inotify = this.#inotify ?? this.#openInotify();
    if (!inotify) return false;
    const dirs = new Map<string, { wd: number; id: string }>();
    let complete = true;
    for (const [dir, id] of wanted) {
      const current = this.#dirs.get(dir);
      if (current?.id === id) {
        dirs.set(dir, current);
        continue;
      }
      try {
        dirs.set(dir, { wd: inotify.addWatch(dir, EVENTS), id });
      } catch (error) {
        complete = false;
        this.#warn.warn("cannot watch for file events; the poll goes on", {
          dir,
          error: (error as Error).message,
        });
      }
    }
    // One inode seen through two paths has one watch: keep it while used.
    const used = new Set([...dirs.values()].map((d) => d.wd));
    for (const { wd } of this.#dirs.values()) {
      if (!used.has(wd)) inotify.removeWatch(wd);
    }
    this.#dirs = dirs;
    this.#key = complete ? key : "";
    this.#options.log.debug("watching for file events", {
      dirs: [...dirs.keys()].sort().join(","),
    });
    return true;
  }

  #openInotify(): Inotify | null {
    try {
      this.#inotify = new Inotify();
    } catch (error) {
      this.#warn.warn("cannot watch for file events; the poll goes on", {
        error: (error as Error).message,
      });
      return null;
    }
    this.#listen(this.#inotify);
    return this.#inotify;
  }

  async #listen(inotify: Inotify): Promise<void> {
    try {
      for (;;) {
        const events = await inotify.next();
        if (events === null || inotify !== this.#inotify) return;
        this.#forgetGone(events);
        this.#onChange("file event");
      }
    } catch (error) {
      if (inotify !== this.#inotify) return;
      this.#options.log.warn("file events stopped; the poll goes on", {
        error: (error as Error).message,
      });
      inotify.close();
      this.#inotify = null;
      this.#dirs.clear();
      this.#key = "";
    }
  }

  /** Drops the watches that the kernel ended, so that a re-arm renews them. */
  #forgetGone(events: InotifyEvent[]): void {
    for (const { wd, mask } of events) {
      if (!(mask & IN_IGNORED)) continue;
      for (const [dir, watch] of this.#dirs) {
        if (watch.wd !== wd) continue;
        this.#dirs.delete(dir);
        this.#key = "";
      }
    }
  }
}
