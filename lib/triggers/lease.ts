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
import { EACCES, EAGAIN, errnoName } from "../sys/errno.ts";
import { lockExclusive, lockState, unlock } from "../sys/flock.ts";
import { cString } from "../sys/libc.ts";
import { every, type Ticker } from "../runtime/ticker.ts";
import { formatDuration } from "../options/values/duration.ts";
import { parentOf } from "../options/values/path.ts";
import { readRecord } from "./record_format.ts";
import type { Trigger } from "./watcher.ts";

/** The lease file of a record. */
export function leasePath(record: string): string {
  return `${record}.lock`;
}

/** A lease held by this process; released by `release()` or by its death. */
export interface Lease {
  release(): void;
}

/** How long to keep trying when a sidecar's probe holds the lock an instant. */
const TAKE_ATTEMPTS = 50;
const TAKE_RETRY_MS = 20;

/**
 * Takes the lease of `record` (an absolute path) for the main side. A lease
 * that cannot be taken is a warning, not an error: the main work matters
 * more than the sidecar's safety net.
 */
export async function holdLease(
  record: string,
  log: Logger,
): Promise<Lease | null> {
  const path = leasePath(record);
  try {
    await Deno.mkdir(parentOf(path), { recursive: true });
  } catch { /* open says why below */ }
  let result = lockExclusive(path);
  for (let i = 1; i < TAKE_ATTEMPTS && "errno" in result; i++) {
    if (result.errno !== EAGAIN) break; // a probe or another holder
    await new Promise((r) => setTimeout(r, TAKE_RETRY_MS));
    result = lockExclusive(path);
  }
  if ("problem" in result) {
    log.warn(
      `cannot take the lease (${result.problem}): the sidecar will not notice if this container dies without a record`,
      {
        file: path,
        errno: result.errno === null ? null : errnoName(result.errno),
      },
    );
    return null;
  }
  log.debug("holding the lease", { file: path });
  const { fd } = result;
  let held = true;
  return {
    release() {
      if (held) unlock(fd);
      held = false;
    },
  };
}

/** What {@linkcode LeaseWatch} needs. */
export interface LeaseWatchOptions {
  /** The watched records, absolute. */
  records: readonly string[];
  graceMs: number;
  exitCode: number;
  /** How often to look at the leases. */
  checkEveryMs: number;
  log: Logger;
  /** Milliseconds on a clock that does not go back (tests inject one). */
  now?: () => number;
}

/** One watched record's lease, as last seen. */
interface Watched {
  record: string;
  lockC: Uint8Array<ArrayBuffer>;
  seenHeld: boolean;
  /** The warnings given once for this record: "lease", "record". */
  warned: Set<string>;
  /** Since when the lease has been free with no record, if it is. */
  lostSince: number | null;
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
  #ticker: Ticker | null = null;
  #fired = false;

  constructor(options: LeaseWatchOptions) {
    this.#options = options;
    this.#watched = options.records.map((record) => ({
      record,
      lockC: cString(leasePath(record)),
      seenHeld: false,
      warned: new Set(),
      lostSince: null,
    }));
    const { promise, resolve } = Promise.withResolvers<Trigger>();
    this.lost = promise;
    this.#fire = resolve;
  }

  /**
   * Starts looking every `checkEveryMs`. Not with a Deno
   * timer: it starts before the child, and would hold the start-up while
   * Deno loads its timers (lib/runtime/ticker.ts).
   */
  start(): void {
    // The first look comes with the first tick, not now: a main container
    // is not lost in the first quarter second, and the lock calls it binds
    // would only add to the start-up before the child.
    this.#ticker = every(this.#options.checkEveryMs, () => this.check());
  }

  /**
   * Looks at every lease once. The grace is measured on a monotonic clock
   * (performance.now()): a step of the wall clock neither shortens nor
   * stretches it.
   */
  check(now = this.#options.now?.() ?? performance.now()): void {
    if (this.#fired) return;
    const { graceMs, log } = this.#options;
    for (const w of this.#watched) {
      const state = lockState(w.lockC);
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
    const file = kind === "lease" ? leasePath(w.record) : w.record;
    this.#options.log.warn(
      kind === "lease"
        ? `cannot probe the lease (${
          errnoName(errno)
        }): a main container that dies will not be noticed`
        : `cannot read the completion record (${
          errnoName(errno)
        }): taking it as there`,
      { file, errno: errnoName(errno) },
    );
  }

  /** Stops looking. */
  close(): void {
    this.#ticker?.stop();
    this.#ticker = null;
  }
}
