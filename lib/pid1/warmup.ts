/**
 * The first signal as fast as the hundredth. A Deno process pays extra on the
 * first signal it receives: its runtime resolves the signal's pending
 * operation for the first time, and V8 compiles each function on the way
 * (Deno's signal loop, guillotine's listener and forwarder, the FFI call to
 * kill) when it first runs. Measured here with a bare Deno forwarder
 * (bench/fixtures/forward.ts): about 0.3 ms from kill(2) to its listener for
 * the first signal, under 0.1 ms for the next ones. So before the child
 * starts, guillotine sends itself one signal that it ignores until then
 * anyway, and lets it run the whole forwarding path.
 *
 * @module
 */

import { Child } from "./child.ts";
import type { SignalForwarder } from "./forwarder.ts";
import type { Logger } from "../log/logger.ts";
import { blockedSignals } from "../sys/proc_self.ts";
import { getpid, kill } from "../sys/process.ts";
import { SIGNAL_NUMBERS } from "../options/values/signal.ts";

/**
 * Forwarded signals that mean nothing before the child exists (a terminal's
 * new size, which the child reads when it starts; urgent socket data), in
 * order of preference.
 */
const WARM_UP_SIGNALS: readonly Deno.Signal[] = ["SIGWINCH", "SIGURG"];

/**
 * Above PID_MAX_LIMIT (2^22): no process or group can have it, so the
 * stand-in child's signal 0 runs every call of the path and reaches nobody.
 */
const NOBODY = 4_194_305;

/**
 * Sends guillotine a warm-up signal and waits until the forwarder has taken
 * it. Skipped, rather than waiting for ever, when every warm-up signal is
 * blocked (a mask inherited through exec would hold it pending).
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
  const pid = getpid();
  await forwarder.warmUp(
    name,
    new Child(NOBODY),
    () => kill(pid, SIGNAL_NUMBERS[name]) === 0,
  );
  log.debug("warmed the signal path", {
    signal: name,
    ms: Number((performance.now() - began).toFixed(2)),
  });
}
