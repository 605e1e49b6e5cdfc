/**
 * The one owner of an inotify instance on directories, for the file and lease
 * watches: adds the watches asked for, forgets those the kernel ended (the
 * next call adds them again), and routes each event to its directory.
 * @module
 */

import { IN_IGNORED, Inotify, type InotifyEvent } from "../sys/inotify.ts";

/** An event and its watched directory (null: none, as for IN_Q_OVERFLOW). */
export type DirEvent = InotifyEvent & { dir: string | null };

/** What went wrong, in the words of the file watch's warning. */
type Trouble =
  | "no inotify instance"
  | "a mount over a watched directory would go unseen"
  | "a directory cannot be watched"
  | "reading file events failed";

/** A watch: its directory's identity (one replaced is another), its mask. */
export type DirWatch = { id: string; mask: number };

export class DirWatches {
  #inotify: Inotify | null = null;
  #dirs = new Map<string, DirWatch & { wd: number }>();
  #key = ""; // what the watches follow; "" until all could be added
  #closed = false;

  constructor(
    private readonly onEvents: (events: DirEvent[]) => void,
    private readonly onTrouble: (t: Trouble, f: Record<string, string>) => void,
  ) {}

  get watched(): ReadonlyMap<string, DirWatch> {
    return this.#dirs;
  }

  /**
   * Watches `want`, if it changed; returns the directories newly watched. One
   * that cannot be added keeps the old ones (one above still sees changes) and
   * is tried again at the next call, as is an instance that could not be had.
   */
  watch(want: ReadonlyMap<string, DirWatch>): string[] | null {
    const key = [...want].map(([dir, w]) => `${dir}@${w.id}@${w.mask}`)
      .sort().join("\0");
    if (this.#closed || key === this.#key) return null;
    const inotify = this.#inotify ?? this.#open();
    if (!inotify) return null;
    const dirs = new Map<string, DirWatch & { wd: number }>();
    const added: string[] = [];
    let complete = true;
    for (const [dir, { id, mask }] of want) {
      const current = this.#dirs.get(dir);
      if (current?.id === id && current.mask === mask) {
        dirs.set(dir, current);
        continue;
      }
      try {
        dirs.set(dir, { wd: inotify.addWatch(dir, mask), id, mask });
        added.push(dir);
      } catch (error) {
        complete = false;
        this.#trouble("a directory cannot be watched", error, dir);
      }
    }
    // One inode seen through two paths has one watch: kept while used.
    const used = new Set([...dirs.values()].map((d) => d.wd));
    for (const [dir, watch] of this.#dirs) {
      if (used.has(watch.wd)) continue;
      if (complete) inotify.removeWatch(watch.wd);
      else if (!dirs.has(dir)) dirs.set(dir, watch);
    }
    this.#dirs = dirs;
    this.#key = complete ? key : "";
    return added;
  }

  /** Stops watching `dir` (moved, unmounted); the next call watches it again. */
  forget(dir: string): void {
    const wd = this.#dirs.get(dir)?.wd;
    if (wd !== undefined) this.#drop(wd)?.removeWatch(wd);
  }

  close(): void {
    this.#closed = true;
    this.#reset();
  }

  #trouble(trouble: Trouble, error: unknown, dir?: string): void {
    const { message } = error as Error;
    this.onTrouble(trouble, dir ? { dir, error: message } : { error: message });
  }

  #open(): Inotify | null {
    try {
      this.#inotify = new Inotify();
    } catch (error) {
      this.#trouble("no inotify instance", error);
      return null;
    }
    if (!this.#inotify.seesMounts) {
      this.#trouble("a mount over a watched directory would go unseen", {
        message: "/proc/self/mountinfo cannot be opened",
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
        this.onEvents(events.map((event) => {
          let dir: string | null = null;
          for (const [d, w] of this.#dirs) if (w.wd === event.wd) dir ??= d;
          if (dir !== null && event.mask & IN_IGNORED) this.#drop(event.wd);
          return { ...event, dir };
        }));
      }
    } catch (error) {
      if (inotify !== this.#inotify) return;
      this.#reset(); // the next call opens another instance
      this.#trouble("reading file events failed", error);
    }
  }

  /** Forgets the directories of a watch; returns the instance. */
  #drop(wd: number): Inotify | null {
    for (const [dir, w] of this.#dirs) if (w.wd === wd) this.#dirs.delete(dir);
    this.#key = "";
    return this.#inotify;
  }

  #reset(): void {
    this.#inotify?.close();
    this.#inotify = null;
    this.#dirs = new Map();
    this.#key = "";
  }
}
