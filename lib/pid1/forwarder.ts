/**
 * Signal forwarding, PID 1's other duty beside reaping: every catchable
 * signal goes on to the child's process group.
 *
 * @module
 */

export {
  FORWARDED_SIGNALS,
  type SignalInbox,
} from "../runtime/signal_inbox.ts";

import type { Child } from "./child.ts";
import type { SignalInbox } from "../runtime/signal_inbox.ts";
import type { Logger } from "../log/logger.ts";
import { throttleLogger } from "../log/throttle.ts";
import { every } from "../runtime/ticker.ts";
import { SIGNAL_NUMBERS } from "../options/values/signal.ts";

/** The longest the warm-up signal is waited for (it takes well under 1 ms). */
const WARM_UP_BOUND_MS = 200;

/** Signals that end guillotine when no child is there to forward them to. */
const TERMINATING: ReadonlySet<string> = new Set([
  "SIGTERM",
  "SIGINT",
  "SIGHUP",
  "SIGQUIT",
]);

/**
 * Forwards every catchable signal to the child's process group. Before the
 * child exists, a terminating signal ends guillotine instead.
 */
export class SignalForwarder {
  #log: Logger;
  /** For what a flood of signals would repeat: once a minute, with a count. */
  #repeatable: Logger;
  #child: Child | null = null;
  #warmUp: { name: Deno.Signal; standIn: Child; done: () => void } | null =
    null;
  #interrupt: (signal: number) => void;
  /** Resolves with a terminating signal that came before the child. */
  readonly interrupted: Promise<number>;
  /** That signal, once it came. */
  interruptedBy: number | null = null;

  constructor(log: Logger) {
    this.#log = log;
    this.#repeatable = throttleLogger(log);
    const { promise, resolve } = Promise.withResolvers<number>();
    this.interrupted = promise;
    this.#interrupt = resolve;
  }

  /** Takes the signals of `inbox`, those already held first. */
  start(inbox: SignalInbox): void {
    inbox.deliverTo((name) => this.#receive(name));
  }

  /** From now on, signals go to this child's process group. */
  forwardTo(child: Child): void {
    this.#child = child;
  }

  /**
   * Runs the forwarding path once before the child starts (lib/pid1/warmup.ts):
   * `send` sends `name` to guillotine itself; when it comes, `standIn` gets
   * signal 0 where the child would get the signal, and nothing is logged.
   *
   * @param send Returns whether the signal was sent.
   * @returns Resolves when the signal has come, or was not sent.
   */
  warmUp(
    name: Deno.Signal,
    standIn: Child,
    send: () => boolean,
  ): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    // Bounded: a signal that never comes (a mask or a policy this cannot
    // see) must not keep the child from starting.
    const bound = every(WARM_UP_BOUND_MS, () => {
      bound.stop();
      this.#warmUp = null;
      resolve();
    });
    const done = () => {
      bound.stop();
      resolve();
    };
    this.#warmUp = { name, standIn, done };
    if (!send()) {
      this.#warmUp = null;
      done();
    }
    return promise;
  }

  #receive(name: Deno.Signal): void {
    const number = SIGNAL_NUMBERS[name];
    const warmUp = this.#warmUp;
    if (warmUp?.name === name && this.#child === null) {
      this.#warmUp = null;
      warmUp.standIn.signal(0);
      return warmUp.done();
    }
    if (this.#child === null) {
      if (TERMINATING.has(name)) {
        this.#log.info(`received ${name} before the child started: exiting`);
        this.interruptedBy ??= number;
        this.#interrupt(number);
      } else {
        this.#log.debug(`received ${name} before the child started: ignored`);
      }
      return;
    }
    const error = this.#child.signal(number);
    if (error === 0) {
      this.#log.debug(`forwarded ${name} to the child's process group`, {
        pgid: this.#child.pid,
      });
    } else {
      this.#repeatable.warn(`child was already gone when forwarding ${name}`, {
        pgid: this.#child.pid,
      });
    }
  }
}
