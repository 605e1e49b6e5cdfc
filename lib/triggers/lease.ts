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
import { errnoName } from "../sys/errno.ts";
import { pathExists } from "../sys/files.ts";
import { lockExclusive, lockState, unlock } from "../sys/flock.ts";
import { cString } from "../sys/libc.ts";
import { every, type Ticker } from "../runtime/ticker.ts";
import { formatDuration } from "../options/values/duration.ts";
import { parentOf } from "../options/values/path.ts";
import type { Trigger } from "./watcher.ts";
import type { RestartPolicy } from "../options/values/restart_policy.ts";
import { endsTheSidecar } from "./restart_policy.ts";

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
    if (result.errno !== 11) break; // EAGAIN: a probe or another holder
    await new Promise((r) => setTimeout(r, TAKE_RETRY_MS));
    result = lockExclusive(path);
  }
  if ("errno" in result) {
    log.warn(
      `cannot take the lease (${
        errnoName(result.errno)
      }): the sidecar will not notice if this container dies without a record`,
      { file: path },
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
  /** Under OnFailure a lost main is a warning: the kubelet restarts it. */
  restartPolicy: RestartPolicy;
  /** How often to look at the leases. */
  checkEveryMs: number;
  log: Logger;
}

/** One watched record's lease, as last seen. */
interface Watched {
  record: string;
  recordC: Uint8Array<ArrayBuffer>;
  lockC: Uint8Array<ArrayBuffer>;
  seenHeld: boolean;
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
  #ticker: Ticker | null = null;
  #fired = false;

  constructor(options: LeaseWatchOptions) {
    this.#options = options;
    this.#watched = options.records.map((record) => ({
      record,
      recordC: cString(record),
      lockC: cString(leasePath(record)),
      seenHeld: false,
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

  /** Looks at every lease once. */
  check(now = Date.now()): void {
    if (this.#fired) return;
    const { graceMs, log } = this.#options;
    for (const w of this.#watched) {
      const state = lockState(w.lockC);
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
      const lost = state === "free" && !pathExists(w.recordC);
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

  /** Stops looking. */
  close(): void {
    this.#ticker?.stop();
    this.#ticker = null;
  }
}
