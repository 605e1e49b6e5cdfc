/**
 * The file events of the watch: one inotify instance (lib/sys/inotify.ts says
 * why not `Deno.watchFs`) and its watches on the directories that a
 * {@linkcode WatchPlan} names. Every batch of events prompts a check. Whatever
 * says that events may be missed from now on (no instance or watch could be
 * had, the queue overflowed, a watched directory went away, moved or was
 * unmounted, the mounts changed, reading failed) is reported to the caller,
 * which then falls back to a poll; the events go on as long as they work.
 *
 * @module
 */

import {
  IN_CREATE,
  IN_DELETE_SELF,
  IN_IGNORED,
  IN_MOVE_SELF,
  IN_MOVED_TO,
  IN_ONLYDIR,
  IN_Q_OVERFLOW,
  IN_UNMOUNT,
  Inotify,
  type InotifyEvent,
  MOUNTS_CHANGED,
} from "../sys/inotify.ts";
import type { Logger } from "../log/logger.ts";
import type { WatchPlan } from "./watch_paths.ts";

// A directory's own end or move; the kernel adds IN_UNMOUNT and IN_IGNORED.
const SELF_EVENTS = IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
// And a file made or renamed into place. Not modifications: a busy
// neighbour must not wake guillotine for nothing.
const EVENTS = IN_CREATE | IN_MOVED_TO | SELF_EVENTS;

/** Says why events cannot be trusted from now on; fields for the log. */
export type Distrust = (cause: string, fields?: Record<string, string>) => void;

/**
 * Why an event says that other events may be lost from now on, if it does.
 * A watched directory that went away (IN_IGNORED) is judged by the caller,
 * which knows whether it asked for that.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IN_CREATE, IN_Q_OVERFLOW } from "../sys/inotify.ts";
 * import { distrustOf } from "./dir_watches.ts";
 * assert.equal(distrustOf({ wd: 1, mask: IN_CREATE, name: "done" }), null);
 * assert.match(distrustOf({ wd: -1, mask: IN_Q_OVERFLOW, name: "" })!, /lost/);
 * ```
 */
export function distrustOf({ mask }: InotifyEvent): string | null {
  if (mask & IN_Q_OVERFLOW) return "events were lost: the queue overflowed";
  if (mask & MOUNTS_CHANGED) return "the mounts changed";
  if (mask & IN_UNMOUNT) return "a watched directory was unmounted";
  if (mask & IN_MOVE_SELF) return "a watched directory was moved";
  return null;
}

/** One inotify instance's watches, kept on the planned directories. */
export class DirWatches {
  readonly #onEvents: () => void;
  readonly #distrust: Distrust;
  readonly #log: Logger;
  #inotify: Inotify | null = null;
  /** The watched directories, with their watch, identity and mask. */
  #dirs = new Map<string, { wd: number; id: string; mask: number }>();
  /** The plan the watches follow; "" until they all could be added. */
  #key = "";

  /**
   * @param onEvents Called after each batch of events.
   * @param distrust Called whenever events may be missed from now on.
   */
  constructor(onEvents: () => void, distrust: Distrust, log: Logger) {
    this.#onEvents = onEvents;
    this.#distrust = distrust;
    this.#log = log;
  }

  /**
   * Points the watches at the planned directories, when the plan changed (a
   * directory made, removed or replaced). A watch that cannot be added keeps
   * the old ones (one above still sees changes) and is tried again on the
   * next call; so is an instance that could not be had.
   *
   * @returns Whether the watched directories changed, so a check is due.
   */
  follow(plan: WatchPlan): boolean {
    const key = [...plan.dirs].map(([dir, w]) => `${dir}@${w.id}@${w.entries}`)
      .sort().join("\0");
    if (key === this.#key) return false;
    const inotify = this.#inotify ?? this.#open();
    if (!inotify) return false;
    const dirs = new Map<string, { wd: number; id: string; mask: number }>();
    let complete = true;
    for (const [dir, { id, entries }] of plan.dirs) {
      const mask = entries ? EVENTS : SELF_EVENTS;
      const current = this.#dirs.get(dir);
      if (current?.id === id && current.mask === mask) {
        dirs.set(dir, current);
        continue;
      }
      try {
        dirs.set(dir, { wd: inotify.addWatch(dir, mask), id, mask });
      } catch (error) {
        complete = false;
        this.#distrust("a directory cannot be watched", {
          dir,
          error: (error as Error).message,
        });
      }
    }
    // One inode seen through two paths has one watch: keep it while used.
    const used = new Set([...dirs.values()].map((d) => d.wd));
    for (const [dir, watch] of this.#dirs) {
      if (used.has(watch.wd)) continue;
      if (complete) inotify.removeWatch(watch.wd);
      else if (!dirs.has(dir)) dirs.set(dir, watch);
    }
    this.#dirs = dirs;
    this.#key = complete ? key : "";
    this.#log.debug("watching for file events", {
      dirs: [...dirs].filter(([, w]) => w.mask === EVENTS).map(([d]) => d)
        .sort().join(","),
    });
    return true;
  }

  /** Stops watching; never waits. */
  close(): void {
    this.#inotify?.close();
    this.#inotify = null;
  }

  #open(): Inotify | null {
    try {
      this.#inotify = new Inotify();
    } catch (error) {
      this.#distrust("no inotify instance", {
        error: (error as Error).message,
      });
      return null;
    }
    if (!this.#inotify.seesMounts) {
      this.#distrust("a mount over a watched directory would go unseen", {
        error: "/proc/self/mountinfo cannot be opened",
      });
    }
    this.#listen(this.#inotify);
    return this.#inotify;
  }

  async #listen(inotify: Inotify): Promise<void> {
    try {
      for (;;) {
        const events = await inotify.next();
        if (events === null || inotify !== this.#inotify) return;
        this.#weigh(events);
        this.#onEvents();
      }
    } catch (error) {
      if (inotify !== this.#inotify) return;
      this.#distrust("reading file events failed", {
        error: (error as Error).message,
      });
      // The next call of follow() opens another instance.
      inotify.close();
      this.#inotify = null;
      this.#dirs.clear();
      this.#key = "";
    }
  }

  /**
   * Drops the watches that the kernel ended, so that the next follow() renews
   * them, and reports the events that say others may be lost.
   */
  #weigh(events: InotifyEvent[]): void {
    for (const event of events) {
      const cause = distrustOf(event);
      if (cause) this.#distrust(cause);
      if (!(event.mask & IN_IGNORED)) continue;
      for (const [dir, watch] of this.#dirs) {
        if (watch.wd !== event.wd) continue;
        this.#distrust("a watched directory went away", { dir });
        this.#dirs.delete(dir);
        this.#key = "";
      }
    }
  }
}
