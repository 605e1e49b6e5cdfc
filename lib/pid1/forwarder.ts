/**
 * Signal forwarding, PID 1's other duty beside reaping: every catchable
 * signal goes on to the child's process group. Before the child exists, a
 * terminating signal ends guillotine instead.
 */

import { Child } from "./child.ts";
import type { SignalInbox } from "../runtime/signal_inbox.ts";
import type { Logger } from "../log/logger.ts";
import { throttleLogger } from "../log/throttle.ts";
import { every } from "../runtime/ticker.ts";
import { blockedSignals } from "../sys/proc_self.ts";
import { kill } from "../sys/process.ts";
import { SIGNAL_NUMBERS } from "../options/values/signal.ts";

export { FORWARDED_SIGNALS } from "../runtime/signal_inbox.ts";
export type { SignalInbox };

/** The longest the warm-up signal is waited for (it takes well under 1 ms). */
const WARM_UP_BOUND_MS = 200;
/** Forwarded, and meaningless before the child (a new terminal size, urgent data). */
const WARM_UP_SIGNALS: readonly Deno.Signal[] = ["SIGWINCH", "SIGURG"];
/** Above PID_MAX_LIMIT (2^22): signal 0 to it runs every call and reaches nobody. */
const NOBODY = 4_194_305;

const TERMINATING = new Set(["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"]);

interface WarmUp {
  name: Deno.Signal;
  standIn: Child;
  done: () => void;
}

export class SignalForwarder {
  /** For what a flood of signals would repeat: once a minute, with a count. */
  #repeatable: Logger;
  #child: Child | null = null;
  #warmUp: WarmUp | null = null;
  #interrupt: (signal: number) => void;
  /** Resolves with a terminating signal that came before the child. */
  readonly interrupted: Promise<number>;

  constructor(private readonly log: Logger) {
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
   * Runs the forwarding path once before the child starts: `send` sends
   * `name` to guillotine; when it comes, `standIn` gets signal 0 where the
   * child would get the signal, and nothing is logged. Resolves when it has
   * come, was not sent, or after WARM_UP_BOUND_MS (a mask or a policy this
   * cannot see must not keep the child from starting).
   */
  warmUp(name: Deno.Signal, standIn: Child, send: () => boolean) {
    const { promise, resolve } = Promise.withResolvers<void>();
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
        this.log.info(`received ${name} before the child started: exiting`);
        this.#interrupt(number);
      } else {
        this.log.debug(`received ${name} before the child started: ignored`);
      }
      return;
    }
    const pgid = this.#child.pid;
    if (this.#child.signal(number) === 0) {
      this.log.debug(`forwarded ${name} to the child's process group`, {
        pgid,
      });
    } else {
      this.#repeatable.warn(`child was already gone when forwarding ${name}`, {
        pgid,
      });
    }
  }
}

/**
 * The first signal as fast as the hundredth. A Deno process pays extra on
 * the first signal it receives (the runtime's first pending signal operation,
 * V8 compiling each function on the way): about 0.3 ms from kill(2) to the
 * listener of a bare Deno forwarder (bench/fixtures/forward.ts), under 0.1
 * ms for the next ones. So before the child starts, guillotine sends itself
 * one signal that it ignores until then anyway, through the whole path.
 * Skipped when every warm-up signal is blocked: a mask inherited through
 * exec would hold it pending.
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
    log.debug("the signal path is not warmed: its signals are blocked");
    return;
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
