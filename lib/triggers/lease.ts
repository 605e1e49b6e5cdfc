/**
 * The lease between the two sides of a pod, held by the kernel. The main
 * container's guillotine (`--notify FILE`) holds an exclusive flock on
 * `FILE.lock` from before its child starts until the record is written; the
 * kernel releases it when that guillotine dies, however it dies (a group OOM
 * kill, an eviction, kill -9). The sidecar's guillotine (`--watch FILE`)
 * reads a lease that is free while no record is there as a main container
 * that ended without a word: after `--lost-main-grace` (time for a main
 * restarted by `restartPolicy: OnFailure` to take the lease back) it fires
 * its trigger with `--lost-main-exit-code`.
 *
 * A main side that never takes a lease (a plain `touch`) makes no lock file,
 * and nothing changes.
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { EACCES, errnoName } from "../sys/errno.ts";
import { lockProbe, type LockState } from "../sys/flock.ts";
import { formatDuration } from "../options/values/duration.ts";
import { LeaseEvents } from "./lease_events.ts";
import { leasePath } from "./lease_hold.ts";
import { readRecord } from "./record_format.ts";
import type { Trigger } from "./watcher.ts";
import type { RestartPolicy } from "../options/values/restart_policy.ts";
import { endsTheSidecar } from "./restart_policy.ts";

export { holdLease, type Lease, leasePath } from "./lease_hold.ts";

/**
 * How often the sidecar looks at the leases when no event prompts it. Events
 * can be missed: a full inotify queue (IN_Q_OVERFLOW prompts a look, but
 * not every later one), a file system that reports no events for changes
 * made elsewhere (a network volume, some bind mounts). Each look costs about
 * 3.5 wake-ups (the timer's task, the V8 platform's, the look): every 5 s,
 * that was 0.85 wake-ups a second idle with the poll off (0.15 without the
 * lease), too near the target of 1. 10 s keeps it near 0.5, and bounds the
 * delay when events are missed to one default `--lost-main-grace` more.
 */
export const SAFETY_LOOK_MS = 10_000;

/** What {@linkcode LeaseWatch} needs. */
export interface LeaseWatchOptions {
  /** The watched records, absolute. */
  records: readonly string[];
  graceMs: number;
  exitCode: number;
  /** Under OnFailure a lost main is a warning: the kubelet restarts it. */
  restartPolicy: RestartPolicy;
  /**
   * How often to look at the leases while their directories cannot be
   * watched for events (and the first look).
   */
  checkEveryMs: number;
  log: Logger;
  /** Milliseconds on a clock that does not go back (tests inject one). */
  now?: () => number;
}

/** One watched record's lease, as last seen. */
interface Watched {
  record: string;
  probe: () => LockState;
  seenHeld: boolean;
  /** The warnings given once for this record: "lease", "record". */
  warned: Set<string>;
  /** Since when the lease has been free with no record, if it is. */
  lostSince: number | null;
  /** Whether this loss was taken as a restart to wait for (OnFailure). */
  kept?: boolean;
}

/**
 * The sidecar's side: watches the leases of the watched records and fires
 * when one stays free, with no record, for the grace period.
 */
export class LeaseWatch {
  /** Resolves when a main container is taken as lost. */
  readonly lost: Promise<Trigger>;
  #fire: (trigger: Trigger) => void;
  #options: LeaseWatchOptions;
  #watched: Watched[];
  #events: LeaseEvents | null = null;
  /** Notified to end the pending wait (Atomics.waitAsync: see start). */
  readonly #wake = new Int32Array(new SharedArrayBuffer(4));
  #closed = false;
  #fired = false;

  constructor(options: LeaseWatchOptions) {
    this.#options = options;
    this.#watched = options.records.map((record) => ({
      record,
      probe: lockProbe(leasePath(record)),
      seenHeld: false,
      warned: new Set(),
      lostSince: null,
    }));
    const { promise, resolve } = Promise.withResolvers<Trigger>();
    this.lost = promise;
    this.#fire = resolve;
  }

  /**
   * Starts looking: at each event that may mean a change
   * (lib/triggers/lease_events.ts), at the end of a grace, and every
   * {@linkcode SAFETY_LOOK_MS} besides; every `checkEveryMs` while a
   * directory cannot be watched for events. Not with a Deno timer: it starts
   * before the child, and would hold the start-up while Deno loads its
   * timers (lib/runtime/ticker.ts).
   */
  start(): void {
    this.#events = new LeaseEvents(
      this.#watched.map((w) => w.record),
      () => {
        this.check();
        // A grace may have begun or ended: the next wait is another one.
        Atomics.notify(this.#wake, 0);
      },
      this.#options.log,
    );
    this.#run(this.#events);
  }

  async #run(events: LeaseEvents): Promise<void> {
    // The first look comes after a first wait, not now: a main container
    // is not lost in the first quarter second, and the watch and the lock
    // calls would only add to the start-up before the child.
    let wait = this.#options.checkEveryMs;
    let watched = false;
    while (!this.#closed) {
      const woken = await Atomics.waitAsync(this.#wake, 0, 0, wait).value;
      if (this.#closed) return;
      if (woken === "timed-out") {
        // Watch first, then look: a change after the look is an event.
        if (!watched) watched = events.arm();
        this.check();
      }
      watched &&= events.armed;
      wait = watched ? this.#nextWait() : this.#options.checkEveryMs;
    }
  }

  /** Until the next look that no event prompts: a grace's end, or safety. */
  #nextWait(): number {
    const now = this.#now();
    let wait = SAFETY_LOOK_MS;
    for (const { lostSince } of this.#watched) {
      if (lostSince === null) continue;
      wait = Math.min(
        wait,
        Math.max(1, lostSince + this.#options.graceMs - now),
      );
    }
    return wait;
  }

  #now(): number {
    return this.#options.now?.() ?? performance.now();
  }

  /**
   * Looks at every lease once. The grace is measured on a monotonic clock
   * (performance.now()): a step of the wall clock neither shortens nor
   * stretches it.
   */
  check(now = this.#now()): void {
    if (this.#fired || this.#closed) return;
    const { graceMs, log } = this.#options;
    for (const w of this.#watched) {
      const state = w.probe();
      if (typeof state === "object") {
        this.#warnOnce(w, "lease", state.errno);
        w.lostSince = null;
        continue;
      }
      if (state === "held") {
        if (w.lostSince !== null) {
          log.info("a main container took the lease again", {
            file: w.record,
          });
        }
        w.seenHeld = true;
        w.lostSince = null;
        w.kept = false;
        continue;
      }
      const lost = state === "free" && !this.#hasRecord(w);
      if (!lost) {
        w.lostSince = null;
        continue;
      }
      if (w.lostSince === null) {
        w.lostSince = now;
        log.warn(
          `main container ended without a record (its lease is free): waiting ${
            formatDuration(graceMs)
          } for it to come back`,
          { file: w.record, seen_held: w.seenHeld },
        );
      }
      if (now - w.lostSince >= graceMs) {
        const policy = this.#options.restartPolicy;
        if (!endsTheSidecar(policy, { kind: "lost-main" }, [])) {
          if (!w.kept) {
            log.warn(
              `main container lost (no record, its lease free for ${
                formatDuration(graceMs)
              }): under restartPolicy ${policy} the kubelet restarts it; watching for its next record`,
              { file: w.record },
            );
          }
          w.kept = true;
          continue;
        }
        this.#fired = true;
        this.close();
        this.#fire({
          reason:
            `main container lost: no record at ${w.record} and its lease free for ${
              formatDuration(graceMs)
            }`,
          files: [],
          exitCode: this.#options.exitCode,
        });
        return;
      }
    }
  }

  /**
   * Whether a valid record is at `w.record`: a regular file that parses as
   * one. A directory, a FIFO, a symlink or a file that is no record is none,
   * so the lease still counts (the main that made a directory there could
   * not write its record). A record this user cannot read counts, with a
   * warning: the file watch fires on it all the same.
   */
  #hasRecord(w: Watched): boolean {
    const read = readRecord(w.record);
    if ("record" in read) return true;
    if (read.read || read.errno !== EACCES) return false;
    this.#warnOnce(w, "record", read.errno);
    return true;
  }

  /** Says once per record and kind that a file cannot be probed, and why. */
  #warnOnce(w: Watched, kind: "lease" | "record", errno: number): void {
    if (w.warned.has(kind)) return;
    w.warned.add(kind);
    const [file, what, so] = kind === "lease"
      ? [
        leasePath(w.record),
        "probe the lease",
        "a main container that dies will not be noticed",
      ]
      : [w.record, "read the completion record", "taking it as there"];
    const name = errnoName(errno);
    this.#options.log.warn(`cannot ${what} (${name}): ${so}`, {
      file,
      errno: name,
    });
  }

  /** Stops looking; never waits. */
  close(): void {
    this.#closed = true;
    Atomics.notify(this.#wake, 0);
    this.#events?.close();
  }
}
