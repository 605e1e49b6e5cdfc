/**
 * The sidecar's side of the lease (the main side: lease_hold.ts). A lease
 * free while no record is there is a main that ended without a word (an OOM
 * kill, an eviction): after `--lost-main-grace` (time for a main restarted
 * under OnFailure to take it back) the trigger fires with
 * `--lost-main-exit-code`. A main that never takes a lease changes nothing.
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
 * The look that no event prompts, in case events are missed (a full queue, a
 * network volume). Each look costs about 3.5 wake-ups: every 5 s made 0.85 a
 * second idle, too near the target of 1; 10 s keeps it near 0.5.
 */
export const SAFETY_LOOK_MS = 10_000;

/** What {@linkcode LeaseWatch} needs. */
export interface LeaseWatchOptions {
  /** The watched records, absolute. */
  records: readonly string[];
  graceMs: number;
  exitCode: number;
  restartPolicy: RestartPolicy;
  /** How often to look while the directories cannot be watched (and first). */
  checkEveryMs: number;
  log: Logger;
  /** A monotonic clock in ms (tests inject one). */
  now?: () => number;
}

/** One watched record's lease, as last seen. */
interface Watched {
  record: string;
  probe: () => LockState;
  seenHeld: boolean;
  warned: Set<"lease" | "record">;
  /** Since when the lease has been free with no record, if it is. */
  lostSince: number | null;
  /** Whether this loss is taken as a restart to wait for (OnFailure). */
  kept?: boolean;
}

/** Fires when a watched record's lease stays free, with no record, for the grace. */
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
    ({ promise: this.lost, resolve: this.#fire } = Promise.withResolvers<
      Trigger
    >());
  }

  /**
   * Looks at each event that may mean a change, at the end of a grace, and
   * every {@linkcode SAFETY_LOOK_MS}; every `checkEveryMs` while a directory
   * cannot be watched. Not on a Deno timer: it starts before the child, and
   * Deno loading its timers would hold the start-up (lib/runtime/ticker.ts).
   */
  start(): void {
    this.#events = new LeaseEvents(this.#watched.map((w) => w.record), () => {
      this.check();
      Atomics.notify(this.#wake, 0); // a grace may have begun or ended
    }, this.#options.log);
    this.#run(this.#events);
  }

  async #run(events: LeaseEvents): Promise<void> {
    // The first look after a first wait: no main is lost in the first quarter
    // second, and the watch would only add to the start-up before the child.
    let wait = this.#options.checkEveryMs;
    let watched = false;
    while (!this.#closed) {
      const woken = await Atomics.waitAsync(this.#wake, 0, 0, wait).value;
      if (this.#closed) return;
      if (woken === "timed-out") {
        if (!watched) watched = events.arm(); // then look: a later change is an event
        this.check();
      }
      watched &&= events.armed;
      wait = watched ? this.#nextWait() : this.#options.checkEveryMs;
    }
  }

  /** Until the next look that no event prompts: a grace's end, or safety. */
  #nextWait(): number {
    const ends = this.#watched.filter((w) => w.lostSince !== null)
      .map((w) => w.lostSince! + this.#options.graceMs - this.#now());
    return Math.min(SAFETY_LOOK_MS, ...ends.map((ms) => Math.max(1, ms)));
  }

  #now(): number {
    return this.#options.now?.() ?? performance.now();
  }

  /** Looks at every lease once; the grace is on a monotonic clock. */
  check(now = this.#now()): void {
    if (this.#fired || this.#closed) return;
    const { graceMs, log, restartPolicy } = this.#options;
    for (const w of this.#watched) {
      const state = w.probe();
      if (typeof state === "object") this.#warnOnce(w, "lease", state.errno);
      if (state === "held") {
        if (w.lostSince !== null) {
          log.info("a main container took the lease again", { file: w.record });
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
      this.#fired = true;
      this.close();
      return this.#fire({
        reason:
          `main container lost: no record at ${w.record} and its lease free for ${grace}`,
        files: [],
        exitCode: this.#options.exitCode,
      });
    }
  }

  /**
   * Whether a valid record is there (a directory, a FIFO or a file that is no
   * record is none: the lease still counts). One this user cannot read counts,
   * with a warning: the file watch fires on it all the same.
   */
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
    const [file, message] = kind === "lease"
      ? [
        leasePath(w.record),
        `cannot probe the lease (${name}): a main container that dies will not be noticed`,
      ]
      : [
        w.record,
        `cannot read the completion record (${name}): taking it as there`,
      ];
    this.#options.log.warn(message, { file, errno: name });
  }

  /** Stops looking; never waits. */
  close(): void {
    this.#closed = true;
    Atomics.notify(this.#wake, 0);
    this.#events?.close();
  }
}
