/** guillotine's life in order: `run` and `supervise` read as its contents. */

import { startChild, stopChild } from "../pid1/child.ts";
import type { ChildStatus } from "../pid1/child_status.ts";
import type { Config } from "../options/config.ts";
import { EXIT_USAGE, explainError } from "../runtime/errors.ts";
import { SignalForwarder, warmUpForwarding } from "../pid1/forwarder.ts";
import type { SignalInbox } from "../runtime/signal_inbox.ts";
import { describeConfig } from "../options/describe.ts";
import type { Logger } from "../log/logger.ts";
import { exitCodeOf, type Outcome, recordOf } from "../reports/outcome.ts";
import type { RecordFacts } from "../reports/records.ts";
import type { End } from "../reports/termination.ts";
import type { Lease } from "../triggers/lease.ts";
import { Reaper } from "../pid1/reaper.ts";
import type { Argument } from "../sys/spawn.ts";
import { formatDuration } from "../options/values/duration.ts";
import {
  Decision,
  type Ending,
  triggerExitCode,
} from "../triggers/decision.ts";
import { triggeredAtStart } from "../triggers/watch_paths.ts";
import { type Armed, armTriggers } from "./arming.ts";
import type { Trigger } from "../triggers/watcher.ts";

/** `rawCommand`: the command byte for byte, when known. */
type Context = {
  log: Logger;
  signals: SignalInbox;
  rawCommand: readonly Argument[] | null;
};

/**
 * Supervises, then, whatever the end, `finish()`: the record, the lease, the
 * termination message, the quit requests; the exit code, or `supervise`'s error.
 */
export async function run(
  config: Config,
  context: Context,
): Promise<number> {
  const { log } = context;
  let lease: Lease | null = null;
  // A record path that is itself the problem is not written to.
  let record: string | null = null;
  const finish = async (facts: RecordFacts, end: End) => {
    // Loaded on the way out: nothing before the child needs it.
    const { finish } = await import("../reports/last_words.ts");
    const { command } = config;
    await finish(config, { record, facts, command, lease, end }, log);
  };
  let outcome: Outcome;
  try {
    if (config.notify) {
      const { checkRecordPath } = await import("../reports/records.ts");
      checkRecordPath(config.notify); // absolute: the options resolved it
      record = config.notify;
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
    const { message, code } = explainError(error);
    const reason = code === EXIT_USAGE ? "error" : "spawn-failed";
    const facts = { exitCode: code, signal: null, reason } as const;
    await finish(facts, { error: message, exitCode: code });
    throw error;
  }
  const code = exitCodeOf(outcome, config.successExitCodes);
  await finish(recordOf(outcome, code), { outcome, exitCode: code });
  log.info("exiting", { code });
  return code;
}

/** Runs the child until it ends or is guillotined; throws 125, 126 or 127. */
export async function supervise(
  config: Config,
  { log, signals, rawCommand }: Context,
): Promise<Outcome> {
  log.info("starting", describeConfig(config));
  const reaper = new Reaper(log);
  // The first ending of any kind counts, and the endpoint answers from it.
  const decision = new Decision((ending: Ending) =>
    ending.kind === "trigger"
      ? triggerExitCode(config, ending.trigger)
      : exitCodeOf(ending, config.successExitCodes)
  );
  const forwarder = new SignalForwarder(log, signals, (signal) => {
    decision.propose({ kind: "interrupted", signal });
  });
  const armed: Armed = { watch: null, leases: null, endpoint: null };
  try {
    // A watched file already there means no child; a trigger ends the gates'
    // wait, so with gates everything is armed now.
    const armNow = config.watch.length > 0 &&
        triggeredAtStart(config.watch, config.watchMode) ||
      config.waitFor.length > 0;
    if (armNow) {
      const early = await armTriggers(config, log, armed, decision, false);
      if (early) {
        decision.propose({ kind: "trigger", trigger: early });
        log.info(`${early.reason} at start-up: not starting the child`);
        return await guillotined(config, early, log);
      }
      armed.watch?.startPolling();
    }
    if (config.waitFor.length && !decision.ending) {
      // Any other ending ends the wait.
      const { lastTry, waitForGates } = await import("../triggers/gates.ts");
      const { waitFor, waitTimeoutMs } = config;
      const notReady = await waitForGates(
        waitFor,
        waitTimeoutMs,
        log,
        decision.decided,
      );
      const names = notReady.map((n) => n.gate.text);
      const timeout = { kind: "wait-timeout", notReady: names } as const;
      if (names.length && decision.propose(timeout)) {
        log.error(
          `not ready after ${formatDuration(waitTimeoutMs)}: ${
            names.join(", ")
          }; not starting the child`,
          { last_try: lastTry(notReady) },
        );
      }
    }
    const before = decision.ending;
    if (before?.kind === "trigger") {
      log.info(
        `${before.trigger.reason} while waiting: not starting the child`,
      );
      return await guillotined(config, before.trigger, log);
    }
    if (before) return before;

    const child = startChild(config.command, rawCommand, log);
    const exited = reaper.exitOf(child);
    forwarder.forwardTo(child);
    void warmUpForwarding(forwarder, log); // the child need not wait for it
    if (!armNow) {
      // The watch's check once armed sees a file made since the look above.
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
    // A signal before the child or a gate cannot come once it started.
    if (first.kind === "exited") {
      await stopChild(child, exited, config, log, true); // what it left
    }
    if (first.kind !== "trigger") return first;
    log.info(`guillotining the child: ${first.trigger.reason}`, {
      pid: child.pid,
    });
    const stopping = performance.now();
    const status = await stopChild(child, exited, config, log);
    const stopMs = performance.now() - stopping;
    const stop = { status, started: true, stopMs };
    return await guillotined(config, first.trigger, log, stop);
  } finally {
    // Signal listeners and reaper stay: a SIGTERM while the record is written
    // must not take the default action, and late orphans are still reaped.
    armed.watch?.close();
    armed.leases?.close();
    await armed.endpoint?.close();
  }
}

/** The trigger's exit code, the fixed one, or the records'. */
async function guillotined(
  config: Config,
  trigger: Trigger,
  log: Logger,
  stop: { status: ChildStatus | null; started: boolean; stopMs?: number } = {
    status: null,
    started: false,
  },
): Promise<Outcome> {
  let exitCode = triggerExitCode(config, trigger);
  if (exitCode === null) {
    const { exitCodeFromRecords } = await import("../reports/records.ts");
    exitCode = await exitCodeFromRecords(trigger.files, config.exitCode, log);
  }
  return { kind: "guillotined", trigger, exitCode, ...stop };
}
