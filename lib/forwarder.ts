/**
 * Signal forwarding, PID 1's other duty beside reaping: every catchable
 * signal goes on to the child's process group.
 *
 * @module
 */

export { FORWARDED_SIGNALS, type SignalInbox } from "./signal_inbox.ts";

import type { Child } from "./child.ts";
import type { SignalInbox } from "./signal_inbox.ts";
import { closeSignalDebugger } from "./inspector_guard.ts";
import type { Logger } from "./log/logger.ts";
import { SIGNAL_NUMBERS } from "./values/signal.ts";

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
  #child: Child | null = null;
  #interrupt: (signal: number) => void;
  /** Resolves with a terminating signal that came before the child. */
  readonly interrupted: Promise<number>;
  /** That signal, once it came. */
  interruptedBy: number | null = null;

  constructor(log: Logger) {
    this.#log = log;
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

  #receive(name: Deno.Signal): void {
    if (name === "SIGUSR1") closeSignalDebugger(this.#log);
    const number = SIGNAL_NUMBERS[name];
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
      this.#log.warn(`child was already gone when forwarding ${name}`, {
        pgid: this.#child.pid,
      });
    }
  }
}
