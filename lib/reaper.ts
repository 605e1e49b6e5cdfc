/**
 * PID 1's duty: reap every child that exits, orphans included, and keep the
 * status of the children guillotine is waiting for. guillotine spawns through
 * libc, not through Deno, so no other reaper in the process competes for a
 * status: whatever `waitpid(-1)` returns is ours to keep.
 *
 * @module
 */

import { type ChildStatus, decodeWaitStatus } from "./child_status.ts";
import { reapOne } from "./sys/process.ts";
import type { Logger } from "./log/logger.ts";

/** Reaps on SIGCHLD and hands out the statuses of awaited children. */
export class Reaper {
  #waiting = new Map<number, (status: ChildStatus) => void>();
  #orphans = 0;
  #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /**
   * Listens for SIGCHLD, for the rest of guillotine's life, and reaps what
   * has already exited.
   */
  start(): void {
    Deno.addSignalListener("SIGCHLD", () => this.reap());
    this.reap();
  }

  /**
   * Waits for a child's exit status. Call it in the same turn of the event
   * loop as the spawn: reaping runs only between turns, so the status cannot
   * be taken for an orphan's before the call.
   */
  exitOf(pid: number): Promise<ChildStatus> {
    return new Promise((resolve) => this.#waiting.set(pid, resolve));
  }

  /** How many children that nobody awaited have been reaped. */
  get orphansReaped(): number {
    return this.#orphans;
  }

  /**
   * Reaps every child that has exited. Signals coalesce, so one SIGCHLD may
   * stand for many exits: loop until none is left.
   */
  reap(): void {
    const before = this.#orphans;
    for (let reaped = reapOne(); reaped; reaped = reapOne()) {
      const resolve = this.#waiting.get(reaped.pid);
      if (resolve) {
        this.#waiting.delete(reaped.pid);
        resolve(decodeWaitStatus(reaped.status));
      } else {
        this.#orphans++;
      }
    }
    if (this.#orphans > before) {
      this.#log.debug("reaped orphans", {
        count: this.#orphans - before,
        total: this.#orphans,
      });
    }
  }
}
