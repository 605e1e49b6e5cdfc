/**
 * The lease: a flock the main holds on `FILE.lock` until its record is written
 * (the kernel, until it dies). Free with no record, it is a main that ended
 * without a word (an OOM kill, an eviction): after `--lost-main-grace` (for one
 * restarted under OnFailure) the sidecar fires with `--lost-main-exit-code`.
 * @module
 */

import type { Config } from "../options/config.ts";
import type { Logger } from "../log/logger.ts";
import { isDirectory } from "../sys/files.ts";
import { EACCES, EAGAIN, errnoName } from "../sys/errno.ts";
import * as F from "../sys/flock.ts";
import * as I from "../sys/inotify.ts";
import { delay } from "../runtime/delay.ts";
import { formatDuration } from "../options/values/duration.ts";
import { parentOf } from "../options/values/path.ts";
import { endsTheSidecar } from "./decision.ts";
import { type DirEvent, DirWatches } from "./dir_watches.ts";
import { readRecord } from "./record_format.ts";
import type { Trigger } from "./watcher.ts";

/** The lease file of a record. */
export function leasePath(record: string): string {
  return `${record}.lock`;
}

/** A lease held by this process; released by `release()` or by its death. */
export type Lease = { release(): void };

/**
 * Takes the lease of `record` (absolute). One that cannot be taken is a
 * warning: the main work matters more than the sidecar's safety net.
 */
export async function holdLease(
  record: string,
  log: Logger,
): Promise<Lease | null> {
  const path = leasePath(record);
  // A failure here is for the open to say.
  await Deno.mkdir(parentOf(path), { recursive: true }).catch(() => {});
  // One open, the lock tried again (a sidecar's probe holds it an instant):
  // each open and close would prompt the sidecar to look at a free lease.
  const opened = F.openLockFile(path);
  let problem = opened as { errno: number | null; problem: string };
  if ("fd" in opened) {
    const { fd } = opened;
    let code = F.lockExclusive(fd);
    for (let i = 1; i < 50 && code === EAGAIN; i++) {
      await delay(20);
      code = F.lockExclusive(fd);
    }
    if (code === 0) {
      log.debug("holding the lease", { file: path });
      let held = true;
      return {
        release() {
          if (held) F.unlock(fd);
          held = false;
        },
      };
    }
    F.unlock(fd);
    problem = { errno: code, problem: errnoName(code) };
  }
  const errno = problem.errno === null ? null : errnoName(problem.errno);
  log.warn(
    `cannot take the lease (${problem.problem}): the sidecar will not notice if this container dies without a record`,
    { file: path, errno },
  );
  return null;
}

/**
 * The look for missed events (a full queue, a network volume): 3.5 wake-ups
 * each; every 5 s made 0.85 a second idle (the target: 1), 10 s about 0.5.
 */
const SAFETY_LOOK_MS = 10_000;

// A dying main closes FILE.lock (IN_CLOSE_WRITE); one taking the lease changes
// its mode (IN_ATTRIB). Not IN_CLOSE_NOWRITE: each look would wake it.
const EVENTS = I.IN_CLOSE_WRITE | I.IN_ATTRIB | I.IN_CREATE | I.IN_MOVED_TO |
  I.IN_MOVED_FROM | I.IN_DELETE | I.IN_DELETE_SELF | I.IN_MOVE_SELF |
  I.IN_ONLYDIR;
/** The watch is over, or no longer names that path. */
const GONE = I.IN_IGNORED | I.IN_DELETE_SELF | I.IN_MOVE_SELF | I.IN_UNMOUNT;

/** Calls `onChange` when an event of the records' directories may matter. */
export class LeaseEvents {
  readonly #locks: ReadonlySet<string>;
  readonly #dirs: string[];
  readonly #watches: DirWatches;
  #gaveUp = false; // no instance, or reading failed: looking often instead

  constructor(
    records: readonly string[],
    onChange: () => void,
    private readonly log: Logger,
  ) {
    this.#locks = new Set(records.map(leasePath));
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
        news ||= this.#locks.has(path) || this.#locks.has(leasePath(path));
      }
    }
    return news;
  }
}

const CHECK_EVERY_MS = 250; // while a directory cannot be watched, and first

/** One watched record's lease, as last seen. */
interface Watched {
  record: string;
  probe: () => F.LockState;
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
      probe: F.lockProbe(leasePath(record)),
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
  async start(): Promise<void> {
    const events = this.#events = new LeaseEvents(this.config.watch, () => {
      this.check();
      Atomics.notify(this.#wake, 0); // a grace may have begun or ended
    }, this.log);
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
