/**
 * Watches for the files that say the main work is done: file events, and a
 * poll for what they miss (a network volume; every second at the most, with
 * one warning, once events cannot be trusted: never blind). Each prompts a
 * check by access(2), which opens nothing: a FIFO there never blocks.
 * @module
 */

import type { Config } from "../options/config.ts";
import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import type { Logger } from "../log/logger.ts";
import { throttleLogger } from "../log/throttle.ts";
import { type PathProbe, pathProbe } from "../sys/files.ts";
import * as I from "../sys/inotify.ts";
import { every, type Ticker } from "../runtime/ticker.ts";
import { type DirEvent, DirWatches } from "./dir_watches.ts";
import { isSatisfied, nearestDirectory, planWatches } from "./watch_paths.ts";

/** Why the sidecar is to end. */
export interface Trigger {
  reason: string; // for logs: what fired
  files: string[]; // the watched files that exist (none for the endpoint)
  exitCode?: number; // decided by the trigger (a lost main, `?code=N`)
}

/** What the file watch follows (the paths absolute, each once). */
export type WatchConfig = Pick<
  Config,
  "watch" | "watchMode" | "watchMethod" | "pollIntervalMs"
>;

const FALLBACK_POLL_MS = 1_000; // the poll once events cannot be trusted

// A directory's own end or move (the kernel adds IN_UNMOUNT, IN_IGNORED);
// in the nearest directory a file made or renamed there too. Not changes:
// a busy neighbour must not wake guillotine for nothing.
const SELF_EVENTS = I.IN_DELETE_SELF | I.IN_MOVE_SELF | I.IN_ONLYDIR;
const EVENTS = I.IN_CREATE | I.IN_MOVED_TO | SELF_EVENTS;

/** Why an event says that others may be lost from now on, if it does. */
export function distrustOf({ mask, dir }: DirEvent): string | null {
  if (mask & I.IN_Q_OVERFLOW) return "events were lost: the queue overflowed";
  if (mask & I.MOUNTS_CHANGED) return "the mounts changed";
  if (mask & I.IN_UNMOUNT) return "a watched directory was unmounted";
  if (mask & I.IN_MOVE_SELF) return "a watched directory was moved";
  // Not a watch removed by the watch itself: it has no directory.
  if (mask & I.IN_IGNORED && dir) return "a watched directory went away";
  return null;
}

/** Watches files until the trigger's condition holds. */
export class FileWatch {
  readonly #warn: Logger; // what each event or poll repeats: once a minute
  readonly #seen = new Set<string>();
  readonly #probes: Map<string, PathProbe>; // C strings made once
  readonly #events: DirWatches | null; // null: --watch-method poll
  #ticker: Ticker | undefined;
  #tickerMs = 0;
  #polling = false; // whether the supervisor let the poll start
  readonly #causes = new Set<string>(); // why events cannot be trusted
  #done = false;
  readonly #fired = Promise.withResolvers<Trigger>();
  readonly triggered: Promise<Trigger> = this.#fired.promise;

  constructor(
    private readonly config: WatchConfig,
    private readonly log: Logger,
  ) {
    this.#warn = throttleLogger(log);
    this.#probes = new Map(config.watch.map((p) => [p, pathProbe(p)]));
    this.#events = config.watchMethod === "poll" ? null : new DirWatches(
      (events) => {
        for (const event of events) {
          const cause = distrustOf(event);
          const gone = event.mask & I.IN_IGNORED && { dir: event.dir! };
          if (cause) this.#distrust(cause, gone || {});
        }
        this.#onChange("file event");
      },
      (cause, fields) => this.#distrust(cause, fields),
    );
  }

  /**
   * Arms, then checks (a file made meanwhile is seen by one or the other);
   * returns the trigger if it holds. Throws (125) if a path cannot appear.
   */
  arm(): Trigger | null {
    for (const path of this.config.watch) {
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
    const asked = this.config.pollIntervalMs;
    const ms = this.#causes.size
      ? Math.min(asked || FALLBACK_POLL_MS, FALLBACK_POLL_MS)
      : asked;
    if (this.#done || !ms || ms === this.#tickerMs) return;
    this.#ticker?.stop();
    this.#tickerMs = ms;
    this.#ticker = every(ms, () => this.#onChange("poll"));
  }

  /** Falls back to a poll: one warning for the first cause, debug after. */
  #distrust(cause: string, fields: Record<string, string> = {}): void {
    if (this.#causes.has(cause)) return;
    this.#causes.add(cause);
    const asked = this.config.pollIntervalMs;
    const msg = "file events cannot be trusted";
    const said = { cause, ...fields };
    if (this.#causes.size > 1) this.log.debug(msg, said);
    else if (asked && asked <= FALLBACK_POLL_MS) {
      this.log.debug(`${msg}; the poll goes on`, said);
    } else {
      const fallback = { fallback_poll: `${FALLBACK_POLL_MS / 1000}s` };
      this.log.warn(`${msg}: falling back to a poll`, { ...said, ...fallback });
      if (this.#polling) this.startPolling();
    }
  }

  close(): void {
    this.#done = true;
    this.#ticker?.stop();
    this.#events?.close();
  }

  #onChange(source: string): void {
    if (this.#done || this.#check(source)) return;
    if (this.#rearm()) this.#check(source);
  }

  #check(source = "start-up"): Trigger | null {
    const { watch: paths, watchMode: mode } = this.config;
    let last: string | null = null;
    for (const [path, probe] of this.#probes) {
      if (this.#seen.has(path) || !probe.exists()) continue;
      if (probe.isDirectory()) {
        this.#warn.warn(
          `watched file ${path} is a directory: it does not count until a file replaces it`,
        );
        continue;
      }
      this.#seen.add(path);
      last = path;
      this.log.debug("watched file exists", { file: path, seen_by: source });
    }
    if (last === null || !isSatisfied(this.#seen.size, paths.length, mode)) {
      return null;
    }
    const trigger: Trigger = {
      reason: paths.length === 1
        ? `watched file ${last} exists`
        : `watched file ${last} exists (${mode} of ${paths.length})`,
      files: paths.filter((p) => this.#seen.has(p)),
    };
    this.close();
    this.#fired.resolve(trigger);
    return trigger;
  }

  /** Watches where the unseen files can show; says if a check is due. */
  #rearm(): boolean {
    if (!this.#events) return false;
    const unseen = this.config.watch.filter((p) => !this.#seen.has(p));
    const plan = planWatches(unseen, EVENTS, SELF_EVENTS);
    const above = "cannot re-arm the file watch; watching the directory above";
    for (const error of plan.problems) this.#warn.warn(above, { error });
    if (plan.symlink !== null) {
      this.#distrust("a symlink is on the way: its swap gives no event", {
        symlink: plan.symlink,
      });
    }
    if (!this.#events.watch(plan.dirs)) return false;
    this.log.debug("watching for file events", {
      dirs: [...this.#events.watched].filter(([, w]) => w.mask === EVENTS)
        .map(([d]) => d).sort().join(","),
    });
    return true;
  }
}
