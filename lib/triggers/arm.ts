/**
 * What can end the child's run besides its own exit, armed after the spawn:
 * the file watch, the main containers' leases and the quit endpoint, each
 * proposing a `Trigger` to the run's one decision (decision.ts).
 * @module
 */

import type { Config } from "../options/config.ts";
import type { Decision } from "./decision.ts";
import type { Endpoint } from "./endpoint.ts";
import { LeaseWatch } from "./lease.ts";
import type { Logger } from "../log/logger.ts";
import type { HostPort } from "../options/values/host_port.ts";
import { FileWatch, type WatchConfig } from "./watcher.ts";

/** The file watch on the watched files (made absolute, each once). */
export function armWatch(config: WatchConfig, log: Logger): FileWatch {
  return new FileWatch(config, log);
}

/** The sidecar's watch on the main containers' leases, when it applies. */
export function watchLeases(
  config: Pick<
    Config,
    "lease" | "watch" | "lostMainGraceMs" | "lostMainExitCode" | "restartPolicy"
  >,
  log: Logger,
): LeaseWatch | null {
  if (!config.lease || !config.watch.length) return null;
  const leases = new LeaseWatch({
    records: config.watch,
    graceMs: config.lostMainGraceMs,
    exitCode: config.lostMainExitCode,
    restartPolicy: config.restartPolicy,
    checkEveryMs: 250, // while the directories cannot be watched for events
    log,
  });
  leases.start();
  return leases;
}

/** The quit endpoint; each quit request is proposed to `decision`. */
export async function openQuitEndpoint(
  address: HostPort,
  decision: Decision,
  log: Logger,
): Promise<Endpoint> {
  const { openEndpoint } = await import("./endpoint.ts");
  return openEndpoint(address, ({ method, path, code }) =>
    decision.hear({
      reason: `${method} ${path}${code === null ? "" : `?code=${code}`}`,
      files: [],
      exitCode: code ?? undefined,
    }), log);
}
