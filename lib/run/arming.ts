/**
 * Arming the record watch, the leases and the quit endpoint, right after the
 * spawn (before it with gates): the child does not wait for their modules.
 */

import type { Config } from "../options/config.ts";
import type { Decision } from "../triggers/decision.ts";
import type { Endpoint } from "../triggers/endpoint.ts";
import type { LeaseWatch } from "../triggers/lease.ts";
import type { Logger } from "../log/logger.ts";
import type { Trigger } from "../triggers/watcher.ts";
import type { RecordWatch } from "./restarts.ts";

/** What can end the run besides the child's exit, once armed. */
export type Armed = {
  watch: RecordWatch | null;
  leases: LeaseWatch | null;
  endpoint: Endpoint | null;
};

/**
 * Warns of shared paths no other container can see, then arms; each source
 * proposes to `decision`. Before the child, a trigger the watch finds once
 * armed is returned (and nothing else armed); once it runs, it is proposed.
 * Throws (125) for an unusable watch path or listen address.
 */
export async function armTriggers(
  config: Config,
  log: Logger,
  armed: Armed,
  decision: Decision,
  childStarted: boolean,
): Promise<Trigger | null> {
  const [
    { checkSharedPaths, openQuitEndpoint, watchLeases },
    { watchRecords },
  ] = await Promise.all([
    import("../triggers/arm.ts"),
    import("./restarts.ts"),
  ]);
  // Warnings only: not worth the child's wait for /proc/self/mountinfo (2 ms).
  checkSharedPaths(config, Deno.pid === 1, log);
  const fire = (trigger: Trigger) =>
    decision.propose({ kind: "trigger", trigger });
  if (config.watch.length) {
    armed.watch = watchRecords(config, log);
    const early = await armed.watch.arm();
    if (early && !childStarted) return early;
    if (early) fire(early);
    else armed.watch.triggered.then(fire);
  }
  armed.leases = watchLeases(config, log);
  armed.leases?.lost.then(fire);
  if (config.listen) {
    armed.endpoint = await openQuitEndpoint(config.listen, decision, log);
  }
  const [watch, leases, endpoint] = Object.values(armed).map((a) => a !== null);
  log.debug("triggers armed", { watch, leases, endpoint });
  return null;
}
