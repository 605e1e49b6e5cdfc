/**
 * Arming what can end the run besides the child's exit: the record watch,
 * the main containers' leases and the quit endpoint. The supervisor does it
 * right after the spawn (before the gates when there are any), so that the
 * child does not wait for it; their modules load here, then.
 *
 * @module
 */

import type { Config } from "../options/config.ts";
import type { Decision } from "../triggers/decision.ts";
import type { Endpoint } from "../triggers/endpoint.ts";
import type { LeaseWatch } from "../triggers/lease.ts";
import type { Logger } from "../log/logger.ts";
import type { Trigger } from "../triggers/watcher.ts";
import type { RecordWatch } from "./restarts.ts";

/** What can end the run besides the child's exit, once armed. */
export interface Armed {
  watch: RecordWatch | null;
  leases: LeaseWatch | null;
  endpoint: Endpoint | null;
  done?: boolean;
}

/**
 * Warns of shared paths no other container can see, then arms the record
 * watch, the lease watch and the quit endpoint; each proposes to `decision`. Their modules load here: without gates, after the
 * spawn.
 *
 * @param childStarted Once the child runs, a trigger that the watch's check
 *   finds once armed is proposed, and the rest armed all the same: the
 *   endpoint answers quit requests while the child is stopped.
 * @returns Before the child, the trigger when the watched files already end
 *   the run once the watch is armed (then neither the leases nor the endpoint
 *   are armed); else null.
 * @throws {GuillotineError} For an unusable watch path or listen address.
 */
export async function armTriggers(
  config: Config,
  log: Logger,
  armed: Armed,
  decision: Decision,
  childStarted: boolean,
): Promise<Trigger | null> {
  armed.done = true;
  const [
    { checkSharedPaths, openQuitEndpoint, watchLeases },
    { watchRecords },
  ] = await Promise.all([
    import("../triggers/arm.ts"),
    import("./restarts.ts"),
  ]);
  // Warnings only (a path no other container can see): not worth the
  // child's wait for reading /proc/self/mountinfo (2 ms, measured).
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
  log.debug("triggers armed", {
    watch: armed.watch !== null,
    leases: armed.leases !== null,
    endpoint: armed.endpoint !== null,
  });
  return null;
}
