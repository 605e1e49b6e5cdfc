/**
 * What prompts the sidecar to look at the leases: events of the records'
 * directories (dir_watches.ts). A main that dies closes `FILE.lock`, opened
 * for writing (IN_CLOSE_WRITE); one that takes the lease changes its mode
 * (IN_ATTRIB), so a main back within the grace is seen at once. IN_CLOSE_NOWRITE
 * is not asked for: each of the sidecar's own looks would wake it.
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { isDirectory } from "../sys/files.ts";
import * as I from "../sys/inotify.ts";
import { parentOf } from "../options/values/path.ts";
import { type DirEvent, DirWatches } from "./dir_watches.ts";
import { leasePath } from "./lease_hold.ts";

const EVENTS = I.IN_CLOSE_WRITE | I.IN_ATTRIB | I.IN_CREATE | I.IN_MOVED_TO |
  I.IN_MOVED_FROM | I.IN_DELETE | I.IN_DELETE_SELF | I.IN_MOVE_SELF |
  I.IN_ONLYDIR;
/** The watch is over, or no longer names that path. */
const GONE = I.IN_IGNORED | I.IN_DELETE_SELF | I.IN_MOVE_SELF | I.IN_UNMOUNT;

/** Calls `onChange` when an event may change what a look would see. */
export class LeaseEvents {
  readonly #locks: ReadonlySet<string>;
  readonly #paths: ReadonlySet<string>;
  readonly #dirs: string[];
  readonly #watches: DirWatches;
  readonly #log: Logger;
  #gaveUp = false; // no instance, or reading failed: looking often instead

  /** @param records The watched records, absolute; their lock files too. */
  constructor(records: readonly string[], onChange: () => void, log: Logger) {
    this.#locks = new Set(records.map(leasePath));
    this.#paths = new Set([...records, ...this.#locks]);
    this.#dirs = [...new Set(records.map(parentOf))];
    this.#log = log;
    this.#watches = new DirWatches(
      (events) => this.#matters(events) && onChange(),
      (trouble, fields) => {
        if (trouble === "reading file events failed") {
          this.#gaveUp = true;
          log.warn("lease events stopped; looking often", fields);
          return onChange();
        }
        if (trouble === "no inotify instance") this.#gaveUp = true;
        else if (trouble !== "a directory cannot be watched") return;
        log.warn("cannot watch the leases for events; looking often", fields);
      },
    );
  }

  /**
   * Watches the directories not watched yet (a missing one is tried again
   * at the next call); returns whether every one is watched now.
   */
  arm(): boolean {
    if (this.#gaveUp) return false;
    const want = new Map(
      this.#dirs.filter(isDirectory).map((d) => [d, { id: "", mask: EVENTS }]),
    );
    for (const dir of this.#watches.watch(want) ?? []) {
      this.#log.debug("watching the leases for events", { dir });
    }
    return this.armed;
  }

  /** Whether every directory is watched now. */
  get armed(): boolean {
    return this.#dirs.every((d) => this.#watches.watched.has(d));
  }

  /** Stops watching; never waits. */
  close(): void {
    this.#watches.close();
  }

  #matters(events: DirEvent[]): boolean {
    let news = false;
    for (const { dir, mask, name } of events) {
      const path = `${dir}/${name}`;
      if (mask & I.IN_Q_OVERFLOW) news = true;
      else if (dir === null) continue;
      else if (mask & GONE) {
        this.#watches.forget(dir); // watched again by path at the next arm
        news = true;
      } else if (!(mask & I.IN_CREATE && this.#locks.has(path))) {
        // A lock file made is no lease released: its maker holds it a moment
        // later, and a look in between would take it for a lost main.
        news ||= this.#paths.has(path);
      }
    }
    return news;
  }
}
