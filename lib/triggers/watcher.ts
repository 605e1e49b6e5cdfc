/**
 * Watches for the files that say the main work is done. File events come from
 * one inotify instance (lib/sys/inotify.ts, which says why not `Deno.watchFs`)
 * watching the nearest existing directory of each watched file, and the
 * directories above it for their own renames and removals; a poll beside it
 * catches what events miss (network file systems). Any event only prompts a
 * check: whether a file exists is decided by access(2), which follows symlink
 * swaps and opens nothing, so a FIFO, a socket or a device there counts as the
 * file and never blocks. A directory there does not count: it is refused at
 * start-up (lib/triggers/watch_paths.ts) and only warned about later, once a
 * minute at most, as is every warning that each event or poll could repeat.
 *
 * When file events cannot be trusted (no inotify instance or watch could be
 * had, events were lost, a watched directory went away or moved, the mounts
 * changed, a symlink is on the way, reading events failed), the watch falls
 * back to a poll every second, whatever `--poll-interval` says, with one
 * warning, and keeps the events too while they work: never blind.
 *
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import type { Logger } from "../log/logger.ts";
import { throttleLogger } from "../log/throttle.ts";
import { pathExists as exists } from "../sys/files.ts";
import { cString } from "../sys/libc.ts";
import { every, type Ticker } from "../runtime/ticker.ts";
import { DirWatches } from "./dir_watches.ts";
import { nearestDirectory, planWatches } from "./watch_paths.ts";

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

/** How often the files are polled when file events cannot be trusted. */
export const FALLBACK_POLL_MS = 1_000;

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
  /** The file events; null with `--watch-method poll`. */
  readonly #events: DirWatches | null;
  #ticker: Ticker | undefined;
  /** The poll's interval now; 0: none yet. */
  #tickerMs = 0;
  /** Whether the poll may run (the supervisor said so). */
  #polling = false;
  /** Why file events cannot be trusted; any: a poll at least every second. */
  readonly #causes = new Set<string>();
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
    this.#events = options.method === "events"
      ? new DirWatches(
        () => this.#onChange("file event"),
        (cause, fields) => this.#distrust(cause, fields),
        options.log,
      )
      : null;
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
    this.#rearm();
    return this.#check();
  }

  /**
   * Starts the poll, on V8's own timer (`every`): Deno's timers would load
   * their module right after the child starts, and hold a signal meanwhile.
   */
  startPolling(): void {
    this.#polling = true;
    const asked = this.#options.pollIntervalMs;
    const ms = this.#causes.size
      ? Math.min(asked || FALLBACK_POLL_MS, FALLBACK_POLL_MS)
      : asked;
    if (this.#done || !ms || ms === this.#tickerMs) return;
    this.#ticker?.stop();
    this.#tickerMs = ms;
    this.#ticker = every(ms, () => this.#onChange("poll"));
  }

  /**
   * Falls back to a poll every second (or the one asked for, if faster): one
   * warning for the first cause, each other cause once at debug level.
   */
  #distrust(cause: string, fields: Record<string, string> = {}): void {
    const { log, pollIntervalMs } = this.#options;
    if (this.#causes.has(cause)) return;
    this.#causes.add(cause);
    if (this.#causes.size > 1) {
      log.debug("file events cannot be trusted", { cause, ...fields });
      return;
    }
    if (pollIntervalMs && pollIntervalMs <= FALLBACK_POLL_MS) {
      log.debug("file events cannot be trusted; the poll goes on", {
        cause,
        ...fields,
      });
      return;
    }
    log.warn("file events cannot be trusted: falling back to a poll", {
      cause,
      ...fields,
      fallback_poll: `${FALLBACK_POLL_MS / 1000}s`,
    });
    if (this.#polling) this.startPolling();
  }

  /** Stops watching; never waits. */
  close(): void {
    this.#done = true;
    this.#ticker?.stop();
    this.#events?.close();
  }

  #onChange(source: string): void {
    if (this.#done) return;
    if (this.#check(source)) return;
    if (this.#rearm()) this.#check(source);
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
   * Points the file events at where the files not yet seen can show
   * ({@linkcode planWatches}); a symlink on the way makes the poll the
   * fallback, since its swap gives no event.
   *
   * @returns Whether the watched directories changed, so a check is due.
   */
  #rearm(): boolean {
    if (!this.#events) return false;
    const plan = planWatches(
      this.#options.paths.filter((p) => !this.#seen.has(p)),
    );
    for (const problem of plan.problems) {
      this.#warn.warn(
        "cannot re-arm the file watch; watching the directory above",
        { error: problem },
      );
    }
    if (plan.symlink !== null) {
      this.#distrust("a symlink is on the way: its swap gives no event", {
        symlink: plan.symlink,
      });
    }
    return this.#events.follow(plan);
  }
}
