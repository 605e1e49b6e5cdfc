/**
 * The sidecar's side of the lease (the main's: lease_hold.ts). A lease free
 * while no record is there is a main that ended without a word (an OOM kill,
 * an eviction): after `--lost-main-grace` (time for a main restarted under
 * OnFailure to take it back) the trigger fires with `--lost-main-exit-code`.
 * @module
 */

import type { Config } from "../options/config.ts";
import type { Logger } from "../log/logger.ts";
import { isDirectory } from "../sys/files.ts";
import { EACCES, errnoName } from "../sys/errno.ts";
import { lockProbe, type LockState } from "../sys/flock.ts";
import * as I from "../sys/inotify.ts";
import { formatDuration } from "../options/values/duration.ts";
import { parentOf } from "../options/values/path.ts";
import { endsTheSidecar } from "./decision.ts";
import { type DirEvent, DirWatches } from "./dir_watches.ts";
import { leasePath } from "./lease_hold.ts";
import { readRecord } from "./record_format.ts";
import type { Trigger } from "./watcher.ts";

export { holdLease, type Lease, leasePath } from "./lease_hold.ts";

/**
 * The look that no event prompts, for missed events (a full queue, a network
 * volume). Each costs about 3.5 wake-ups: every 5 s made 0.85 a second idle,
 * too near the target of 1; 10 s keeps it near 0.5.
 */
export const SAFETY_LOOK_MS = 10_000;

// A main that dies closes FILE.lock, opened for writing (IN_CLOSE_WRITE); one
// that takes the lease changes its mode (IN_ATTRIB), so one back within the
// grace is seen at once. Not IN_CLOSE_NOWRITE: each look would wake it.
const EVENTS = I.IN_CLOSE_WRITE | I.IN_ATTRIB | I.IN_CREATE | I.IN_MOVED_TO |
  I.IN_MOVED_FROM | I.IN_DELETE | I.IN_DELETE_SELF | I.IN_MOVE_SELF |
  I.IN_ONLYDIR;
/** The watch is over, or no longer names that path. */
const GONE = I.IN_IGNORED | I.IN_DELETE_SELF | I.IN_MOVE_SELF | I.IN_UNMOUNT;

/** Calls `onChange` when an event of the records' directories may matter. */
export class LeaseEvents {
  readonly #locks: ReadonlySet<string>;
  readonly #paths: ReadonlySet<string>;
  readonly #dirs: string[];
  readonly #watches: DirWatches;
  #gaveUp = false; // no instance, or reading failed: looking often instead

  constructor(
    records: readonly string[],
    onChange: () => void,
    private readonly log: Logger,
  ) {
    this.#locks = new Set(records.map(leasePath));
    this.#paths = new Set([...records, ...this.#locks]);
    this.#dirs = [...new Set(records.map(parentOf))];
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

  /** Watches the directories that exist now; says if all are watched. */
  arm(): boolean {
    if (this.#gaveUp) return false;
    const want = new Map(
      this.#dirs.filter(isDirectory).map((d) => [d, { id: "", mask: EVENTS }]),
    );
    for (const dir of this.#watches.watch(want) ?? []) {
      this.log.debug("watching the leases for events", { dir });
    }
    return this.armed;
  }

  get armed(): boolean {
    return this.#dirs.every((d) => this.#watches.watched.has(d));
  }

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

const CHECK_EVERY_MS = 250; // while a directory cannot be watched, and first

/** One watched record's lease, as last seen. */
interface Watched {
  record: string;
  probe: () => LockState;
  seenHeld: boolean;
  warned: Set<"lease" | "record">;
  lostSince: number | null; // free with no record since then
  kept?: boolean; // the loss taken as a restart to wait for (OnFailure)
}

/** Fires when a lease stays free, with no record, for the grace. */
export class LeaseWatch {
  readonly #lost = Promise.withResolvers<Trigger>();
  readonly lost: Promise<Trigger> = this.#lost.promise;
  #watched: Watched[];
  #events: LeaseEvents | null = null;
  readonly #wake = new Int32Array(new SharedArrayBuffer(4));
  #closed = false;

  /** `now`: a monotonic clock in ms (tests turn one). */
  constructor(
    private readonly config: Pick<
      Config,
      "watch" | "lostMainGraceMs" | "lostMainExitCode" | "restartPolicy"
    >,
    private readonly log: Logger,
    private readonly now = () => performance.now(),
  ) {
    this.#watched = config.watch.map((record) => ({
      record,
      probe: lockProbe(leasePath(record)),
      seenHeld: false,
      warned: new Set(),
      lostSince: null,
    }));
  }

  /**
   * Looks at each event that may matter, at a grace's end, and every 10 s (250
   * ms while a directory cannot be watched). Atomics.waitAsync, not a Deno
   * timer: it starts before the child, and Deno's timers would hold it.
   */
  start(): void {
    this.#events = new LeaseEvents(this.#watched.map((w) => w.record), () => {
      this.check();
      Atomics.notify(this.#wake, 0); // a grace may have begun or ended
    }, this.log);
    this.#run(this.#events);
  }

  async #run(events: LeaseEvents): Promise<void> {
    // The first look after a first wait: no main is lost in the first quarter
    // second, and the watch would only add to the start-up before the child.
    let wait = CHECK_EVERY_MS;
    let watched = false;
    while (!this.#closed) {
      const woken = await Atomics.waitAsync(this.#wake, 0, 0, wait).value;
      if (this.#closed) return;
      if (woken === "timed-out") {
        watched ||= events.arm(); // then look: a later change is an event
        this.check();
      }
      watched &&= events.armed;
      // Until the next look that no event prompts: a grace's end, or safety.
      const ends = this.#watched.filter((w) => w.lostSince !== null)
        .map((w) => w.lostSince! + this.config.lostMainGraceMs - this.now());
      wait = watched
        ? Math.min(SAFETY_LOOK_MS, ...ends.map((ms) => Math.max(1, ms)))
        : CHECK_EVERY_MS;
    }
  }

  /** Looks at every lease once; the grace is on a monotonic clock. */
  check(now = this.now()): void {
    if (this.#closed) return;
    const { lostMainGraceMs: graceMs, restartPolicy } = this.config;
    const log = this.log;
    for (const w of this.#watched) {
      const state = w.probe();
      if (typeof state === "object") this.#warnOnce(w, "lease", state.errno);
      if (state === "held") {
        if (w.lostSince !== null) {
          log.info("a main container took the lease again", {
            file: w.record,
          });
        }
        w.seenHeld = true;
        w.kept = false;
      }
      if (state !== "free" || this.#hasRecord(w)) {
        w.lostSince = null;
        continue;
      }
      const grace = formatDuration(graceMs);
      if (w.lostSince === null) {
        w.lostSince = now;
        log.warn(
          `main container ended without a record (its lease is free): waiting ${grace} for it to come back`,
          { file: w.record, seen_held: w.seenHeld },
        );
      }
      if (now - w.lostSince < graceMs) continue;
      if (!endsTheSidecar(restartPolicy, { kind: "lost-main" }, [])) {
        if (!w.kept) {
          log.warn(
            `main container lost (no record, its lease free for ${grace}): under restartPolicy ${restartPolicy} the kubelet restarts it; watching for its next record`,
            { file: w.record },
          );
        }
        w.kept = true;
        continue;
      }
      this.close();
      return this.#lost.resolve({
        reason:
          `main container lost: no record at ${w.record} and its lease free for ${grace}`,
        files: [],
        exitCode: this.config.lostMainExitCode,
      });
    }
  }

  /** A valid record, or one this user cannot read (the file watch fires). */
  #hasRecord(w: Watched): boolean {
    const read = readRecord(w.record);
    if ("record" in read) return true;
    if (read.read || read.errno !== EACCES) return false;
    this.#warnOnce(w, "record", read.errno);
    return true;
  }

  #warnOnce(w: Watched, kind: "lease" | "record", errno: number): void {
    if (w.warned.has(kind)) return;
    w.warned.add(kind);
    const name = errnoName(errno);
    this.log.warn(
      kind === "lease"
        ? `cannot probe the lease (${name}): a main container that dies will not be noticed`
        : `cannot read the completion record (${name}): taking it as there`,
      { file: kind === "lease" ? leasePath(w.record) : w.record, errno: name },
    );
  }

  close(): void {
    this.#closed = true;
    Atomics.notify(this.#wake, 0);
    this.#events?.close();
  }
}
