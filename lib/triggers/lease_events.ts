/**
 * What prompts the sidecar to look at the leases: inotify events of the
 * directories that hold the records and their lock files, through their own
 * inotify instance (lib/sys/inotify.ts; the file watch keeps its own).
 *
 * A main container that dies closes its descriptor on `FILE.lock`, which the
 * kernel reports as IN_CLOSE_WRITE: the main side opens the lock file for
 * writing (lockExclusive, lib/sys/flock.ts). A main that takes the lease
 * changes the lock file's mode once it holds it (IN_ATTRIB), so a main
 * restarted within the grace is seen at once, and gets a fresh grace should
 * it die again before any other look. A record made, renamed or
 * removed, or a directory made in its place, is the other change that
 * matters. So the leases are looked at when such an event names a watched
 * record or lock file, instead of every 250 ms.
 *
 * IN_CLOSE_NOWRITE is not asked for. The sidecar's own look opens the lock
 * file and the record read-only, and each close would be such an event:
 * every look would wake the watch, and, unless told apart, prompt the next
 * look. Not asking for them costs no wake-up at all; what they could tell
 * (another sidecar's look, a holder that opened the lock file read-only,
 * which guillotine never is) does not matter, or waits for the caller's
 * slow safety look.
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { isDirectory } from "../sys/files.ts";
import {
  IN_ATTRIB,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_IGNORED,
  IN_MOVE_SELF,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_ONLYDIR,
  IN_Q_OVERFLOW,
  IN_UNMOUNT,
  Inotify,
  type InotifyEvent,
} from "../sys/inotify.ts";
import { parentOf } from "../options/values/path.ts";
import { leasePath } from "./lease_hold.ts";

const EVENTS = IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | IN_MOVED_TO |
  IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
/** The watch of the directory is over (or no longer names that path). */
const GONE = IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT;

/** One watched directory: its watch, if it has one now. */
interface Dir {
  path: string;
  wd: number | null;
}

/**
 * Watches the directories of `records` and calls `onChange` when an event may
 * have changed what a look at them would see.
 */
export class LeaseEvents {
  readonly #paths: ReadonlySet<string>;
  readonly #locks: ReadonlySet<string>;
  readonly #dirs: Dir[];
  readonly #onChange: () => void;
  readonly #log: Logger;
  /** undefined: not made yet; null: cannot be made, or failed. */
  #inotify: Inotify | null | undefined;
  #closed = false;

  /**
   * @param records The watched records, absolute; their lock files too.
   * @param onChange Called after a batch of events that may matter.
   */
  constructor(records: readonly string[], onChange: () => void, log: Logger) {
    this.#locks = new Set(records.map(leasePath));
    this.#paths = new Set([...records, ...this.#locks]);
    this.#dirs = [...new Set(records.map(parentOf))].map((path) => ({
      path,
      wd: null,
    }));
    this.#onChange = onChange;
    this.#log = log;
  }

  /**
   * Watches the directories not watched yet (a missing one is tried again at
   * the next call).
   *
   * @returns Whether every directory is watched now.
   */
  arm(): boolean {
    if (this.#closed) return false;
    const inotify = this.#inotify === undefined ? this.#open() : this.#inotify;
    if (!inotify) return false;
    let all = true;
    for (const dir of this.#dirs) {
      if (dir.wd !== null) continue;
      if (!isDirectory(dir.path)) {
        all = false;
        continue;
      }
      try {
        dir.wd = inotify.addWatch(dir.path, EVENTS);
        this.#log.debug("watching the leases for events", { dir: dir.path });
      } catch (error) {
        all = false;
        this.#log.warn("cannot watch the leases for events; looking often", {
          dir: dir.path,
          error: (error as Error).message,
        });
      }
    }
    return all;
  }

  /** Whether every directory is watched now. */
  get armed(): boolean {
    return !!this.#inotify && this.#dirs.every((d) => d.wd !== null);
  }

  /** Stops watching; never waits. */
  close(): void {
    this.#closed = true;
    this.#inotify?.close();
    this.#inotify = null;
  }

  #open(): Inotify | null {
    try {
      this.#inotify = new Inotify();
    } catch (error) {
      this.#inotify = null;
      this.#log.warn("cannot watch the leases for events; looking often", {
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
        if (events === null || this.#closed) return;
        if (this.#matters(events)) this.#onChange();
      }
    } catch (error) {
      if (this.#closed) return;
      this.#log.warn("lease events stopped; looking often", {
        error: (error as Error).message,
      });
      inotify.close();
      this.#inotify = null;
      for (const dir of this.#dirs) dir.wd = null;
      this.#onChange();
    }
  }

  /** Whether a batch holds news. */
  #matters(events: InotifyEvent[]): boolean {
    let news = false;
    for (const { wd, mask, name } of events) {
      if (mask & IN_Q_OVERFLOW) {
        news = true;
        continue;
      }
      const dir = this.#dirs.find((d) => d.wd === wd);
      if (!dir) continue;
      if (mask & GONE) {
        // Watched again by path at the next arm: the directory may be
        // another one now.
        if (!(mask & IN_IGNORED)) this.#inotify?.removeWatch(wd);
        dir.wd = null;
        news = true;
        continue;
      }
      const path = `${dir.path}/${name}`;
      // A lock file made is no lease released: the main that makes it holds
      // the lease a moment later, and a look in between would take the free
      // lock file for a lost main. Its close after writing, or its mode
      // changed once held, is the news.
      if (mask & IN_CREATE && this.#locks.has(path)) continue;
      if (this.#paths.has(path)) news = true;
    }
    return news;
  }
}
