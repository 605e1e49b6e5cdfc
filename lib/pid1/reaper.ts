/**
 * PID 1's duty: reap every exit, orphans included, keeping the child's status
 * (spawned through libc, not Deno: no other reaper competes for it).
 */

import type { Child } from "./child.ts";
import { type ChildStatus, decodeWaitStatus } from "./child_status.ts";
import { becomeSubreaper, reapOne } from "../sys/process.ts";
import type { Logger } from "../log/logger.ts";

export class Reaper {
  #child: Child | null = null;
  #exited = Promise.withResolvers<ChildStatus>();
  #orphans = 0;

  /** Listens for SIGCHLD for good, and reaps what has exited already. */
  constructor(private readonly log: Logger) {
    const pid = Deno.pid;
    // Orphans come to PID 1; not PID 1 (shareProcessNamespace), it asks for them.
    if (pid !== 1 && becomeSubreaper()) {
      this.log.debug("not PID 1: registered as child subreaper", { pid });
    } else if (pid !== 1) {
      this.log.warn(
        "not PID 1 and cannot register as child subreaper: orphans may stay zombies",
        { pid },
      );
    }
    Deno.addSignalListener("SIGCHLD", () => this.reap());
    this.reap();
  }

  /**
   * The child's status. Called in the spawn's turn: reaping runs only between
   * turns, so an orphan's status cannot be taken for it.
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
