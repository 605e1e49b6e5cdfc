/**
 * The supervisor: guillotine's life in order. Each phase is a named function;
 * `run` and `supervise` read as the table of contents.
 *
 * @module
 */

import { endStragglers, startChild, stopChild } from "../pid1/child.ts";
import type { ChildStatus } from "../pid1/child_status.ts";
import { describeStatus } from "../pid1/child_status.ts";
import type { Config } from "../options/config.ts";
import type { Endpoint } from "../triggers/endpoint.ts";
import { EXIT_USAGE, explainError } from "../runtime/errors.ts";
import { SignalForwarder, type SignalInbox } from "../pid1/forwarder.ts";
import { describeConfig } from "../options/describe.ts";
import type { Logger } from "../log/logger.ts";
import type { Outcome } from "../reports/outcome.ts";
import type { Lease, LeaseWatch } from "../triggers/lease.ts";
import { Reaper } from "../pid1/reaper.ts";
import type { RecordFacts } from "../reports/records.ts";
import type { Argument } from "../sys/spawn.ts";
import {
  becomeSubreaper,
  getpid,
  ignoreTerminalStops,
} from "../sys/process.ts";
import { formatDuration } from "../options/values/duration.ts";
import { signalName } from "../options/values/signal.ts";
import { triggeredAtStart } from "../triggers/early.ts";
import { absolutePath } from "../options/values/path.ts";
import type { FileWatch, Trigger } from "../triggers/watcher.ts";
import { warmUpForwarding } from "../pid1/warmup.ts";

/** What the supervisor takes from its caller, besides the configuration. */
export interface SupervisorContext {
  log: Logger;
  /** For relative watch paths. */
  cwd: string;
  /** The signals received since guillotine started, and those to come. */
  signals: SignalInbox;
  /** The command byte for byte as exec gave it, when known. */
  rawCommand: readonly Argument[] | null;
}

/**
 * Runs guillotine: supervises, then writes the completion record when
 * `--notify` asks for one, whatever the end, then says its last words (the
 * termination message, the quit requests).
 *
 * @returns guillotine's exit code.
 * @throws {GuillotineError} As {@linkcode supervise}, after the record.
 */
export async function run(
  config: Config,
  context: SupervisorContext,
): Promise<number> {
  const { log } = context;
  let lease: Lease | null = null;
  // A record path that is itself the problem is not written to.
  let recordUsable = false;
  let outcome: Outcome;
  try {
    if (config.notify) {
      const record = absolutePath(config.notify, context.cwd);
      const { checkRecordPath } = await import("../reports/records.ts");
      checkRecordPath(record);
      recordUsable = true;
      if (config.lease) {
        const { holdLease } = await import("../triggers/lease.ts");
        lease = await holdLease(record, log);
      }
    }
    outcome = await supervise(config, context);
  } catch (error) {
    const { code } = explainError(error);
    const facts: RecordFacts = {
      exitCode: code,
      signal: null,
      reason: code === EXIT_USAGE ? "error" : "spawn-failed",
    };
    if (recordUsable) await writeRecord(config, facts, log);
    lease?.release();
    const { endOfError, sayLastWords } = await import(
      "../reports/last_words.ts"
    );
    await sayLastWords(config, endOfError(error), log);
    throw error;
  }
  // Loaded once the child is over: nothing before needs it.
  const { exitCodeOf, recordOf } = await import("../reports/outcome.ts");
  const code = exitCodeOf(outcome, config.successExitCodes);
  await writeRecord(config, recordOf(outcome, code), log);
  // After the record: a sidecar that sees the lease free sees the record too.
  lease?.release();
  // Loaded at the end: nothing before the child needs it.
  const { sayLastWords } = await import("../reports/last_words.ts");
  await sayLastWords(config, { outcome, exitCode: code }, log);
  log.info("exiting", { code });
  return code;
}

/**
 * Runs the child under guillotine's watch until it ends or is guillotined.
 *
 * @throws {GuillotineError} For an unusable watch path or listen address
 *   (125), or a command that cannot be started (126, 127).
 */
export async function supervise(
  config: Config,
  { log, cwd, signals, rawCommand }: SupervisorContext,
): Promise<Outcome> {
  log.info("starting", describeConfig(config));
  registerAsSubreaper(log);
  ignoreTerminalStops();
  const reaper = new Reaper(log);
  reaper.start();
  const forwarder = new SignalForwarder(log);
  forwarder.start(signals);
  const trigger = Promise.withResolvers<Trigger>();
  const armed: Armed = { watch: null, leases: null, endpoint: null };
  // Sent now, awaited below: Deno delivers it on its own threads while the
  // watched files are looked at.
  const warmed = warmUpForwarding(forwarder, log);
  try {
    // Only what must come before the child: a watched file already there
    // means it never starts; gates hold it back, and a trigger ends that
    // wait, so with gates everything is armed now.
    const already = config.watch.length > 0 &&
      triggeredAtStart(config.watch, config.watchMode, cwd);
    if (already || config.waitFor.length) {
      const early = await armTriggers(config, cwd, log, armed, trigger.resolve);
      if (early) {
        log.info(`${early.reason} at start-up: not starting the child`);
        return await guillotined(config, early, null, false, log);
      }
      armed.watch?.startPolling();
    }
    await warmed;
    const before = await awaitGates(config, log, trigger.promise, forwarder);
    if (before) return before;

    const child = startChild(config.command, rawCommand, log);
    const exited = reaper.exitOf(child.pid, () => child.markReaped());
    reaper.afterReap(() => child.checkGroup());
    forwarder.forwardTo(child);
    if (!armed.done) {
      // After the spawn, so that the child does not wait for it; the watch's
      // check once armed sees a file made since the look above.
      const late = await armTriggers(config, cwd, log, armed, trigger.resolve)
        .catch(async (error) => {
          await stopChild(child, exited, config, log);
          throw error;
        });
      if (late) trigger.resolve(late);
    }
    const { watch, endpoint } = armed;
    endpoint?.setHealthy(true);
    watch?.startPolling();

    const first = await Promise.race([
      exited.then((status) => ({ kind: "exited" as const, status })),
      trigger.promise.then((t) => ({ kind: "trigger" as const, trigger: t })),
    ]);
    watch?.close();
    endpoint?.setHealthy(false);
    if (first.kind === "exited") {
      const how = describeStatus(first.status, signalName);
      log.info(`child ${how}`, { pid: child.pid });
      await endStragglers(child, config.gracePeriodMs, log);
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

/** What can end the run besides the child's exit, once armed. */
interface Armed {
  watch: FileWatch | null;
  leases: LeaseWatch | null;
  endpoint: Endpoint | null;
  done?: boolean;
}

/**
 * Arms the file watch, the lease watch and the quit endpoint; each fires
 * `fire`. Their modules load here: without gates, after the spawn.
 *
 * @returns The trigger when the watched files exist once the watch is armed
 *   (then neither the leases nor the endpoint are armed), else null.
 * @throws {GuillotineError} For an unusable watch path or listen address.
 */
async function armTriggers(
  config: Config,
  cwd: string,
  log: Logger,
  armed: Armed,
  fire: (trigger: Trigger) => void,
): Promise<Trigger | null> {
  armed.done = true;
  const { armWatch, openQuitEndpoint, watchLeases } = await import(
    "../triggers/arm.ts"
  );
  if (config.watch.length) {
    armed.watch = armWatch(config, cwd, log);
    const early = armed.watch.arm();
    if (early) return early;
    armed.watch.triggered.then(fire);
  }
  armed.leases = watchLeases(config, cwd, log);
  armed.leases?.lost.then(fire);
  if (config.listen) {
    armed.endpoint = await openQuitEndpoint(config.listen, fire, log);
  }
  return null;
}

/** Writes the completion record, if `--notify` asks for one. */
async function writeRecord(
  config: Pick<Config, "notify" | "command">,
  facts: RecordFacts,
  log: Logger,
): Promise<void> {
  if (!config.notify) return;
  const { notify } = await import("../reports/records.ts");
  await notify(config.notify, facts, config.command, log);
}

/**
 * The guillotined outcome, with its exit code: the one the trigger asks for,
 * else fixed, or from the records.
 */
async function guillotined(
  config: Pick<Config, "exitCode" | "exitCodeFromFile">,
  trigger: Trigger,
  status: ChildStatus | null,
  started: boolean,
  log: Logger,
): Promise<Extract<Outcome, { kind: "guillotined" }>> {
  let exitCode = trigger.exitCode ?? config.exitCode;
  if (
    trigger.exitCode === undefined && config.exitCodeFromFile &&
    trigger.files.length
  ) {
    const { exitCodeFromRecords } = await import("../reports/records.ts");
    exitCode = await exitCodeFromRecords(trigger.files, config.exitCode, log);
  }
  return { kind: "guillotined", trigger, status, started, exitCode };
}

/**
 * Waits for the readiness gates, if any. A trigger or a terminating signal
 * ends the wait.
 *
 * @returns An outcome when the child must not start, else null.
 */
async function awaitGates(
  config: Pick<
    Config,
    "waitFor" | "waitTimeoutMs" | "exitCode" | "exitCodeFromFile"
  >,
  log: Logger,
  trigger: Promise<Trigger>,
  forwarder: SignalForwarder,
): Promise<Outcome | null> {
  if (forwarder.interruptedBy !== null) {
    return { kind: "interrupted", signal: forwarder.interruptedBy };
  }
  if (!config.waitFor.length) return null;
  const { waitForGates } = await import("../triggers/gates.ts");
  let fired: Trigger | null = null;
  trigger.then((t) => fired = t);
  const notReady = await waitForGates(
    config.waitFor,
    config.waitTimeoutMs,
    log,
    Promise.race([trigger, forwarder.interrupted]),
  );
  if (forwarder.interruptedBy !== null) {
    return { kind: "interrupted", signal: forwarder.interruptedBy };
  }
  // Set by the trigger's callback, which TypeScript cannot see.
  const firedBy = fired as Trigger | null;
  if (firedBy) {
    log.info(`${firedBy.reason} while waiting: not starting the child`);
    return await guillotined(config, firedBy, null, false, log);
  }
  if (notReady.length) {
    const names = notReady.map((g) => g.text);
    log.error(
      `not ready after ${formatDuration(config.waitTimeoutMs)}: ${
        names.join(", ")
      }; not starting the child`,
    );
    return { kind: "wait-timeout", notReady: names };
  }
  return null;
}

/**
 * Orphans come to PID 1 by kernel rule; when guillotine is not PID 1 (a pod
 * with shareProcessNamespace), it asks for them.
 */
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
