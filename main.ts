/**
 * guillotine: runs a sidecar's command as PID 1 and ends it when the main
 * work of its pod is done.
 *
 * The entry point installs the signal listeners before anything else is
 * even loaded (as PID 1, a signal that comes while no listener exists is
 * dropped by the kernel), then loads the rest (lib/cli.ts) and exits with
 * its code. The only place that exits.
 *
 * @module
 */

import { listenForSignals } from "./lib/signal_inbox.ts";

if (import.meta.main) {
  const signals = listenForSignals();
  const { start } = await import("./lib/cli.ts");
  Deno.exit(await start(signals));
}
