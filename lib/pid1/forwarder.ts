/** PID 1's other duty: signals go on to the child's group; before it, a terminating one ends guillotine. */

import { Child } from "./child.ts";
import type { SignalInbox } from "../runtime/signal_inbox.ts";
import type { Logger } from "../log/logger.ts";
import { throttleLogger } from "../log/throttle.ts";
import { every } from "../runtime/ticker.ts";
import { blockedSignals } from "../sys/proc_self.ts";
import { ignoreTerminalStops, kill } from "../sys/process.ts";
import { SIGNAL_NUMBERS } from "../options/values/signal.ts";

/** The warm-up signal takes well under 1 ms. */
const WARM_UP_BOUND_MS = 200;
/** Forwarded, and meaningless before the child (a new terminal size, urgent data). */
const WARM_UP_SIGNALS: readonly Deno.Signal[] = ["SIGWINCH", "SIGURG"];
/** Above PID_MAX_LIMIT (2^22): signal 0 to it runs every call and reaches nobody. */
const NOBODY = 4_194_305;

const TERMINATING = new Set(["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"]);

export class SignalForwarder {
  /** A flood of signals is logged once a minute, with a count. */
  #repeatable: Logger;
  #child: Child | null = null;
  #warmUp: { name: Deno.Signal; standIn: Child; done: () => void } | null =
    null;

  /** Takes `inbox`'s signals, those held first; `interrupted`: one before the child. */
  constructor(
    private readonly log: Logger,
    inbox?: SignalInbox,
    private readonly interrupted = (_signal: number) => {},
  ) {
    this.#repeatable = throttleLogger(log);
    ignoreTerminalStops();
    inbox?.deliverTo((name) => this.#receive(name));
  }

  forwardTo(child: Child): void {
    this.#child = child;
  }

  /**
   * Runs the path once: `send` sends `name` to guillotine, and `standIn`
   * gets signal 0 for it. Bounded: a mask or a policy this cannot see must
   * not leave it waiting.
   */
  warmUp(name: Deno.Signal, standIn: Child, send: () => boolean) {
    const { promise, resolve } = Promise.withResolvers<void>();
    const done = () => {
      bound.stop();
      this.#warmUp = null;
      resolve();
    };
    const bound = every(WARM_UP_BOUND_MS, done);
    this.#warmUp = { name, standIn, done };
    if (!send()) done();
    return promise;
  }

  #receive(name: Deno.Signal): void {
    const child = this.#child;
    if (this.#warmUp?.name === name) {
      // Its own signal, or one of its kind from outside that came first (the
      // kernel merges a pending pair anyway): the child gets one either way.
      this.#warmUp.standIn.signal(0);
      this.#warmUp.done();
    } else if (child === null) {
      if (TERMINATING.has(name)) {
        this.log.info(`received ${name} before the child started: exiting`);
        this.interrupted(SIGNAL_NUMBERS[name]);
      } else {
        this.log.debug(`received ${name} before the child started: ignored`);
      }
    } else if (child.signal(SIGNAL_NUMBERS[name]) === 0) {
      this.log.debug(`forwarded ${name} to the child's process group`, {
        pgid: child.pid,
      });
    } else {
      this.#repeatable.warn(`child was already gone when forwarding ${name}`, {
        pgid: child.pid,
      });
    }
  }
}

/**
 * The first signal as fast as the next: Deno's first costs 0.3 ms from
 * kill(2) to the listener, the next under 0.1 ms (bench/fixtures/forward.ts).
 * Sent as the child starts (before, it cost the child 1.7 ms of start-up,
 * measured), and done before the child could be ready for a signal.
 * Skipped when the warm-up signals are blocked: an inherited mask holds them.
 */
export async function warmUpForwarding(
  forwarder: SignalForwarder,
  log: Logger,
): Promise<void> {
  const blocked = blockedSignals();
  const name = WARM_UP_SIGNALS.find((s) =>
    blocked !== null && !((blocked >> BigInt(SIGNAL_NUMBERS[s] - 1)) & 1n)
  );
  if (name === undefined) {
    return log.debug("the signal path is not warmed: its signals are blocked");
  }
  const began = performance.now();
  await forwarder.warmUp(
    name,
    new Child(NOBODY),
    () => kill(Deno.pid, SIGNAL_NUMBERS[name]) === 0,
  );
  log.debug("warmed the signal path", {
    signal: name,
    ms: Number((performance.now() - began).toFixed(2)),
  });
}
