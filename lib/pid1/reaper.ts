/**
 * PID 1's duty: reap every exit, orphans included, keeping the child's status
 * (spawned through libc, not Deno: no other reaper competes for it).
 */

import type { Child } from "./child.ts";
import { type ChildStatus, decodeWaitStatus } from "./child_status.ts";
import { reapOne } from "../sys/process.ts";
import type { Logger } from "../log/logger.ts";

export class Reaper {
  #child: Child | null = null;
  #exited = Promise.withResolvers<ChildStatus>();
  #orphans = 0;

  constructor(private readonly log: Logger) {}

  /** Listens for SIGCHLD for good, and reaps what has exited already. */
  start(): void {
    Deno.addSignalListener("SIGCHLD", () => this.reap());
    this.reap();
  }

  /**
   * The child's status once reaped. Call it in the spawn's turn of the event
   * loop: reaping runs only between turns, so the status cannot be taken for
   * an orphan's.
   */
  exitOf(child: Child): Promise<ChildStatus> {
    this.#child = child;
    return this.#exited.promise;
  }

  /** Reaps until none is left: one SIGCHLD may stand for many exits. */
  reap(): void {
    const before = this.#orphans;
    for (let reaped = reapOne(); reaped; reaped = reapOne()) {
      if (reaped.pid !== this.#child?.pid || this.#child.reaped) {
        this.#orphans++;
        continue;
      }
      // In the waitpid's turn, before the pid can be reused.
      this.#child.markReaped();
      this.#exited.resolve(decodeWaitStatus(reaped.status));
    }
    if (this.#orphans === before) return;
    this.#child?.checkGroup();
    this.log.debug("reaped orphans", {
      count: this.#orphans - before,
      total: this.#orphans,
    });
  }
}
