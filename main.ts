/**
 * guillotine: runs a sidecar's command as PID 1 and ends it when the main
 * work of its pod is done.
 *
 * The entry point first takes the address where Deno would open its
 * debugger on SIGUSR1, so that nothing in the pod can ever attach to PID 1
 * (lib/sys/debugger_port.ts); then installs the signal listeners (as PID 1,
 * a signal that comes while no listener exists is dropped by the kernel).
 * Neither module loads any of guillotine's others. Only then it loads the
 * rest (lib/run/cli.ts) and exits with its code. The only place that exits.
 *
 * @module
 */

import { holdDebuggerPort } from "./lib/sys/debugger_port.ts";
import { listenForSignals } from "./lib/runtime/signal_inbox.ts";

if (import.meta.main) {
  const debuggerPort = holdDebuggerPort();
  const signals = listenForSignals();
  const { start } = await import("./lib/run/cli.ts");
  Deno.exit(await start(signals, debuggerPort));
}
