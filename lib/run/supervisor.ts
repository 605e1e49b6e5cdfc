/** guillotine's life in order: `run` and `supervise` read as its contents. */

import { startChild, stopChild } from "../pid1/child.ts";
import { type ChildStatus, describeStatus } from "../pid1/child_status.ts";
import type { Config } from "../options/config.ts";
import { EXIT_USAGE } from "../runtime/errors.ts";
import { SignalForwarder, warmUpForwarding } from "../pid1/forwarder.ts";
import type { SignalInbox } from "../runtime/signal_inbox.ts";
import { describeConfig } from "../options/describe.ts";
import type { Logger } from "../log/logger.ts";
import { exitCodeOf, type Outcome, recordOf } from "../reports/outcome.ts";
import type { Lease } from "../triggers/lease.ts";
import { Reaper } from "../pid1/reaper.ts";
import type { Argument } from "../sys/spawn.ts";
import {
  becomeSubreaper,
  getpid,
  ignoreTerminalStops,
} from "../sys/process.ts";
import { formatDuration } from "../options/values/duration.ts";
import { signalName } from "../options/values/signal.ts";
import {
  Decision,
  type Ending,
  triggerExitCode,
} from "../triggers/decision.ts";
import { triggeredAtStart } from "../triggers/early.ts";
import { type Armed, armTriggers } from "./arming.ts";
import type { Trigger } from "../triggers/watcher.ts";

export interface SupervisorContext {
  log: Logger;
  /** The signals received since guillotine started, and those to come. */
  signals: SignalInbox;
  /** The command byte for byte as exec gave it, when known. */
  rawCommand: readonly Argument[] | null;
}

/**
 * Supervises, then, whatever the end, `finish()`: the record, the lease, the
 * termination message, the quit requests. Returns the exit code.
 *
 * @throws {GuillotineError} As {@linkcode supervise}, after `finish()`.
 */
export async function run(
  config: Config,
  context: SupervisorContext,
): Promise<number> {
  const { log } = context;
  let lease: Lease | null = null;
  // A record path that is itself the problem is not written to.
  let record: string | null = null;
  let outcome: Outcome;
  try {
    if (config.notify) {
      const path = config.notify; // absolute: the options resolved it
      const { checkRecordPath } = await import("../reports/records.ts");
      checkRecordPath(path);
      record = path;
      if (config.lease) {
        const { holdLease } = await import("../triggers/lease.ts");
        lease = await holdLease(record, log);
      }
      // After the lease: a sidecar never sees no lease and no record.
      const { removeStaleRecord } = await import("./restarts.ts");
      await removeStaleRecord(record, log);
    }
    outcome = await supervise(config, context);
  } catch (error) {
    // Loaded on the way out: nothing before the child needs it.
    const { finish, endOfError } = await import("../reports/last_words.ts");
    const end = endOfError(error);
    const reason = end.exitCode === EXIT_USAGE ? "error" : "spawn-failed";
    const facts = { exitCode: end.exitCode, signal: null, reason } as const;
    const { command } = config;
    await finish(config, { record, facts, command, lease, end }, log);
    throw error;
  }
  const { finish } = await import("../reports/last_words.ts");
  const code = exitCodeOf(outcome, config.successExitCodes);
  const facts = recordOf(outcome, code);
  const end = { outcome, exitCode: code };
  await finish(
    config,
    { record, facts, command: config.command, lease, end },
    log,
  );
  log.info("exiting", { code });
  return code;
}

/**
 * Runs the child until it ends or is guillotined.
 *
 * @throws {GuillotineError} For an unusable watch path or listen address
 *   (125), or a command that cannot be started (126, 127).
 */
export async function supervise(
  config: Config,
  { log, signals, rawCommand }: SupervisorContext,
): Promise<Outcome> {
  log.info("starting", describeConfig(config));
  registerAsSubreaper(log);
  ignoreTerminalStops();
  const reaper = new Reaper(log);
  reaper.start();
  const forwarder = new SignalForwarder(log, signals);
  // The first ending of any kind counts, and the endpoint answers from it.
  const decision = new Decision((ending) => exitCodeNow(config, ending));
  forwarder.interrupted.then((signal) =>
    decision.propose({ kind: "interrupted", signal })
  );
  const armed: Armed = { watch: null, leases: null, endpoint: null };
  // Sent now, awaited below: Deno delivers it on its own threads while the
  // watched files are looked at.
  const warmed = warmUpForwarding(forwarder, log);
  try {
    // Only what must come before the child: a watched file already there
    // means it may never start; gates hold it back, and a trigger ends that
    // wait, so with gates everything is armed now.
    const already = config.watch.length > 0 &&
      triggeredAtStart(config.watch, config.watchMode);
    if (already || config.waitFor.length) {
      const early = await armTriggers(config, log, armed, decision, false);
      if (early) {
        decision.propose({ kind: "trigger", trigger: early });
        log.info(`${early.reason} at start-up: not starting the child`);
        return await guillotined(config, early, null, false, log);
      }
      armed.watch?.startPolling();
    }
    await warmed;
    const before = await awaitGates(config, log, decision);
    if (before) return before;

    const child = startChild(config.command, rawCommand, log);
    const exited = reaper.exitOf(child);
    forwarder.forwardTo(child);
    if (!armed.done) {
      // After the spawn, so that the child does not wait for it; the watch's
      // check once armed sees a file made since the look above.
      await armTriggers(config, log, armed, decision, true)
        .catch(async (error) => {
          await stopChild(child, exited, config, log);
          throw error;
        });
    }
    const { watch, endpoint } = armed;
    endpoint?.setHealthy(true);
    watch?.startPolling();

    exited.then((status) => decision.propose({ kind: "exited", status }));
    const first = await decision.decided;
    watch?.close();
    endpoint?.setHealthy(false);
    if (first.kind !== "trigger") {
      // A signal before the child or a gate cannot come once it started.
      if (first.kind !== "exited") return await outcomeOf(config, first, log);
      const how = describeStatus(first.status, signalName);
      log.info(`child ${how}`, { pid: child.pid });
      await stopChild(child, exited, config, log, true); // what it left
      return { kind: "exited", status: first.status };
    }
    log.info(`guillotining the child: ${first.trigger.reason}`, {
      pid: child.pid,
    });
    const stopping = performance.now();
    const status = await stopChild(child, exited, config, log);
    const outcome = await guillotined(config, first.trigger, status, true, log);
    return { ...outcome, stopMs: performance.now() - stopping };
  } finally {
    // The signal listeners and the reaper stay until guillotine exits: a
    // SIGTERM that comes while the record is written must not take the
    // default action, and late orphans are still reaped.
    armed.watch?.close();
    armed.leases?.close();
    await armed.endpoint?.close();
  }
}

/** The guillotined outcome: the trigger's exit code, the fixed one, or the records'. */
async function guillotined(
  config: Pick<Config, "exitCode" | "exitCodeFromFile">,
  trigger: Trigger,
  status: ChildStatus | null,
  started: boolean,
  log: Logger,
): Promise<Extract<Outcome, { kind: "guillotined" }>> {
  let exitCode = triggerExitCode(config, trigger);
  if (exitCode === null) {
    const { exitCodeFromRecords } = await import("../reports/records.ts");
    exitCode = await exitCodeFromRecords(trigger.files, config.exitCode, log);
  }
  return { kind: "guillotined", trigger, status, started, exitCode };
}

/** Waits for the gates, if any; any other ending ends the wait. An outcome means no child. */
async function awaitGates(
  config: Pick<
    Config,
    "waitFor" | "waitTimeoutMs" | "exitCode" | "exitCodeFromFile"
  >,
  log: Logger,
  decision: Decision,
): Promise<Outcome | null> {
  if (config.waitFor.length && !decision.ending) {
    const { lastTry, waitForGates } = await import("../triggers/gates.ts");
    const notReady = await waitForGates(
      config.waitFor,
      config.waitTimeoutMs,
      log,
      decision.decided,
    );
    const names = notReady.map((n) => n.gate.text);
    if (
      names.length &&
      decision.propose({ kind: "wait-timeout", notReady: names })
    ) {
      log.error(
        `not ready after ${formatDuration(config.waitTimeoutMs)}: ${
          names.join(", ")
        }; not starting the child`,
        { last_try: lastTry(notReady) },
      );
    }
  }
  const ending = decision.ending;
  if (ending?.kind === "trigger") {
    log.info(`${ending.trigger.reason} while waiting: not starting the child`);
  }
  return ending ? await outcomeOf(config, ending, log) : null;
}

/** The outcome of an ending that came before the child started. */
async function outcomeOf(
  config: Pick<Config, "exitCode" | "exitCodeFromFile">,
  ending: Ending,
  log: Logger,
): Promise<Outcome> {
  return ending.kind === "trigger"
    ? await guillotined(config, ending.trigger, null, false, log)
    : ending;
}

/** An ending's exit code as known when it comes; null: from the records, later. */
function exitCodeNow(
  config: Pick<Config, "exitCode" | "exitCodeFromFile" | "successExitCodes">,
  ending: Ending,
): number | null {
  return ending.kind === "trigger"
    ? triggerExitCode(config, ending.trigger)
    : exitCodeOf(ending, config.successExitCodes);
}

/** Orphans come to PID 1; not PID 1 (shareProcessNamespace), it asks for them. */
function registerAsSubreaper(log: Logger): void {
  const pid = getpid();
  if (pid === 1) return;
  if (becomeSubreaper()) {
    log.debug("not PID 1: registered as child subreaper", { pid });
  } else {
    log.warn(
      "not PID 1 and cannot register as child subreaper: orphans may stay zombies",
      { pid },
    );
  }
}
