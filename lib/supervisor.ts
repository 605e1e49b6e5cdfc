/**
 * The supervisor: guillotine's life in order. Each phase is a named function;
 * `supervise` reads as the table of contents.
 *
 * @module
 */

import { formatDuration } from "./duration.ts";
import type { Endpoint } from "./endpoint.ts";
import {
  EXIT_NOT_EXECUTABLE,
  EXIT_NOT_FOUND,
  EXIT_USAGE,
  EXIT_WAIT_TIMEOUT,
  GuillotineError,
} from "./errors.ts";
import { type ChildStatus, describeStatus, exitCodeFor } from "./exit_code.ts";
import * as libc from "./libc.ts";
import type { Logger } from "./log.ts";
import type { RecordReason } from "./notify.ts";
import { type Config, describeConfig } from "./options.ts";
import { absolutePath } from "./paths.ts";
import { Reaper } from "./reaper.ts";
import { FORWARDED_SIGNALS, SIGNAL_NUMBERS, signalName } from "./signals.ts";
import { FileWatch, type Trigger } from "./watcher.ts";

/** How guillotine's run ended; `exitCodeOf` turns it into the exit code. */
export type Outcome =
  /** The child ended without a trigger (on its own or by a forwarded signal). */
  | { kind: "exited"; status: ChildStatus }
  /**
   * A trigger ended the child (status), or came before it started (null);
   * guillotine exits with `exitCode`.
   */
  | {
    kind: "guillotined";
    trigger: Trigger;
    status: ChildStatus | null;
    exitCode: number;
  }
  /** A terminating signal came before the child started. */
  | { kind: "interrupted"; signal: number }
  /** Readiness gates were not ready in time; the child never started. */
  | { kind: "wait-timeout"; notReady: string[] };

/** What the supervisor takes from its caller, besides the configuration. */
export interface SupervisorContext {
  log: Logger;
  /** For relative watch paths. */
  cwd: string;
}

/** Signals that end guillotine when no child is there to forward them to. */
const TERMINATING = new Set(["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"]);
const SIGKILL = 9;
const SIGTERM = 15;
const GROUP_POLL_MS = 10;
/** How long to wait for SIGKILL to take effect before giving up. */
const KILL_WAIT_MS = 10_000;

/**
 * Runs guillotine: supervises, then writes the completion record when
 * `--notify` asks for one, whatever the end.
 *
 * @returns guillotine's exit code.
 * @throws {GuillotineError} As {@linkcode supervise}, after the record.
 */
export async function run(
  config: Config,
  context: SupervisorContext,
): Promise<number> {
  const { log } = context;
  let outcome: Outcome;
  try {
    outcome = await supervise(config, context);
  } catch (error) {
    if (error instanceof GuillotineError && error.exitCode !== EXIT_USAGE) {
      await notify(config, {
        exitCode: error.exitCode,
        signal: null,
        reason: "spawn-failed",
      }, log);
    }
    throw error;
  }
  const code = exitCodeOf(outcome, config.successExitCodes);
  await notify(config, recordOf(outcome, code), log);
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
  { log, cwd }: SupervisorContext,
): Promise<Outcome> {
  log.info("starting", describeConfig(config));
  registerAsSubreaper(log);
  libc.ignoreTerminalStops();
  const reaper = new Reaper(log);
  reaper.start();
  const forwarder = new SignalForwarder(log);
  forwarder.start();
  const trigger = Promise.withResolvers<Trigger>();
  let watch: FileWatch | null = null;
  let endpoint: Endpoint | null = null;
  try {
    const armed = config.watch.length ? armWatch(config, cwd, log) : null;
    watch = armed?.watch ?? null;
    const early = armed?.early;
    if (early) {
      log.info(`${early.reason} at start-up: not starting the child`);
      return await guillotined(config, early, null, log);
    }
    watch?.triggered.then(trigger.resolve);
    if (config.listen) {
      endpoint = await openQuitEndpoint(config, trigger.resolve, log);
    }

    if (config.waitFor.length) watch?.startPolling();
    const before = await awaitGates(config, log, trigger.promise, forwarder);
    if (before) return before;

    const child = startChild(config.command, log);
    const exited = reaper.exitOf(child.pid);
    forwarder.forwardTo(child.pid);
    endpoint?.setHealthy(true);
    watch?.startPolling();

    const first = await Promise.race([
      exited.then((status) => ({ status, trigger: null })),
      trigger.promise.then((trigger) => ({ status: null, trigger })),
    ]);
    watch?.close();
    endpoint?.setHealthy(false);
    if (first.status) {
      log.info(`child ${describeStatus(first.status, signalName)}`, {
        pid: child.pid,
      });
      endStragglers(child.pid, log);
      return { kind: "exited", status: first.status };
    }
    log.info(`guillotining the child: ${first.trigger!.reason}`, {
      pid: child.pid,
    });
    const status = await stopChild(child.pid, exited, config, log);
    return await guillotined(config, first.trigger!, status, log);
  } finally {
    // The signal listeners and the reaper stay until guillotine exits: a
    // SIGTERM that comes while the record is written must not take the
    // default action, and late orphans are still reaped.
    watch?.close();
    await endpoint?.close();
  }
}

/**
 * guillotine's exit code for an outcome.
 *
 * @example
 * ```ts
 * import { exitCodeOf } from "./supervisor.ts";
 * console.assert(exitCodeOf({ kind: "interrupted", signal: 15 }, []) === 143);
 * ```
 */
export function exitCodeOf(
  outcome: Outcome,
  successExitCodes: readonly number[],
): number {
  switch (outcome.kind) {
    case "guillotined":
      return outcome.exitCode;
    case "interrupted":
      return 128 + outcome.signal;
    case "wait-timeout":
      return EXIT_WAIT_TIMEOUT;
    case "exited":
      return exitCodeFor(outcome.status, successExitCodes);
  }
}

/** The record's facts for an outcome (see notify.ts). */
function recordOf(
  outcome: Outcome,
  exitCode: number,
): { exitCode: number; signal: string | null; reason: RecordReason } {
  switch (outcome.kind) {
    case "exited":
      return {
        exitCode,
        signal: outcome.status.signal === null
          ? null
          : signalName(outcome.status.signal),
        reason: outcome.status.signal === null ? "exited" : "killed",
      };
    case "guillotined":
      return {
        exitCode,
        signal: outcome.status?.signal
          ? signalName(outcome.status.signal)
          : null,
        reason: outcome.status ? "guillotined" : "not-started",
      };
    case "interrupted":
      return {
        exitCode,
        signal: signalName(outcome.signal),
        reason: "interrupted",
      };
    case "wait-timeout":
      return { exitCode, signal: null, reason: "wait-timeout" };
  }
}

/** Writes the completion record, if asked for; a failure is logged, not fatal. */
async function notify(
  config: Config,
  facts: { exitCode: number; signal: string | null; reason: RecordReason },
  log: Logger,
): Promise<void> {
  if (!config.notify) return;
  const { writeRecord } = await import("./notify.ts");
  const record = {
    guillotine: 1 as const,
    ...facts,
    endedAt: new Date().toISOString(),
    command: config.command,
  };
  try {
    await writeRecord(config.notify, record);
    log.info("wrote completion record", {
      file: config.notify,
      exit_code: facts.exitCode,
      reason: facts.reason,
    });
  } catch (error) {
    log.error("cannot write completion record", {
      file: config.notify,
      error: (error as Error).message,
    });
  }
}

/** The guillotined outcome, with its exit code: fixed, or from the records. */
async function guillotined(
  config: Config,
  trigger: Trigger,
  status: ChildStatus | null,
  log: Logger,
): Promise<Outcome> {
  let exitCode = config.exitCode;
  if (config.exitCodeFromFile && trigger.files.length) {
    exitCode = await exitCodeFromRecords(trigger.files, config.exitCode, log);
  }
  return { kind: "guillotined", trigger, status, exitCode };
}

/**
 * The first non-zero code among the records, else 0; a file that is not a
 * record counts as `fallback`, with a warning.
 */
async function exitCodeFromRecords(
  files: string[],
  fallback: number,
  log: Logger,
): Promise<number> {
  const { parseRecord } = await import("./notify.ts");
  const codes: number[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (error) {
      log.warn(`cannot read completion record: using exit code ${fallback}`, {
        file,
        error: (error as Error).message,
      });
      codes.push(fallback);
      continue;
    }
    const parsed = parseRecord(text);
    if ("problem" in parsed) {
      log.warn(
        `not a completion record (${parsed.problem}): using exit code ${fallback}`,
        {
          file,
        },
      );
      codes.push(fallback);
    } else {
      log.info("read completion record", {
        file,
        exit_code: parsed.record.exitCode,
      });
      codes.push(parsed.record.exitCode);
    }
  }
  return codes.find((c) => c !== 0) ?? 0;
}

async function openQuitEndpoint(
  config: Config,
  fire: (trigger: Trigger) => void,
  log: Logger,
): Promise<Endpoint> {
  const { openEndpoint } = await import("./endpoint.ts");
  return await openEndpoint(
    config.listen!,
    () => fire({ reason: "POST /quitquitquit", files: [] }),
    log,
  );
}

/**
 * Waits for the readiness gates, if any. A trigger or a terminating signal
 * ends the wait.
 *
 * @returns An outcome when the child must not start, else null.
 */
async function awaitGates(
  config: Config,
  log: Logger,
  trigger: Promise<Trigger>,
  forwarder: SignalForwarder,
): Promise<Outcome | null> {
  if (forwarder.interruptedBy !== null) {
    return { kind: "interrupted", signal: forwarder.interruptedBy };
  }
  if (!config.waitFor.length) return null;
  const { waitForGates } = await import("./gates.ts");
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
  if (fired) {
    log.info(
      `${(fired as Trigger).reason} while waiting: not starting the child`,
    );
    return await guillotined(config, fired, null, log);
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
  const pid = libc.getpid();
  if (pid === 1) return;
  if (libc.becomeSubreaper()) {
    log.debug("not PID 1: registered as child subreaper", { pid });
  } else {
    log.warn(
      "not PID 1 and cannot register as child subreaper: orphans may stay zombies",
      {
        pid,
      },
    );
  }
}

function armWatch(
  config: Config,
  cwd: string,
  log: Logger,
): { watch: FileWatch; early: Trigger | null } {
  const watch = new FileWatch({
    paths: config.watch.map((p) => absolutePath(p, cwd)),
    mode: config.watchMode,
    method: config.watchMethod,
    pollIntervalMs: config.pollIntervalMs,
    log,
  });
  return { watch, early: watch.arm() };
}

/** Spawns the child in its own process group and maps spawn errors to 126/127. */
function startChild(command: string[], log: Logger): { pid: number } {
  const foreground = libc.canHandOverTerminal();
  let result = libc.spawn(command, foreground);
  if (
    result.errno === libc.ENOTTY || (foreground && result.errno === libc.EPERM)
  ) {
    // The terminal could not be handed over; run the child without it.
    log.warn(
      "cannot hand the terminal to the child; it runs in the background",
    );
    result = libc.spawn(command, false);
  }
  if (result.errno === 0) {
    log.info("child started", { pid: result.pid });
    return { pid: result.pid };
  }
  const name = command[0];
  switch (result.errno) {
    case libc.ENOENT:
    case libc.ENOTDIR:
    case libc.ELOOP:
    case libc.ENAMETOOLONG:
      throw new GuillotineError(
        name.includes("/")
          ? `Command "${name}" not found: check the path, and the interpreter on its #! line`
          : `Command "${name}" not found in PATH: check its name, or give its full path`,
        EXIT_NOT_FOUND,
      );
    default:
      throw new GuillotineError(
        `Command "${name}" cannot be executed (errno ${result.errno}): make it an executable file (chmod +x) with a valid format or #! line`,
        EXIT_NOT_EXECUTABLE,
      );
  }
}

/**
 * Signals the child's process group, whose id is the child's pid. A child
 * that moved itself to another group still gets the signal itself.
 *
 * @returns 0, or the errno (ESRCH: neither the group nor the child is there).
 */
function killGroup(pgid: number, signal: number): number {
  const error = libc.kill(-pgid, signal);
  return error === libc.ESRCH ? libc.kill(pgid, signal) : error;
}

/** Sends a signal to the child's process group; a gone group is a warning. */
function signalGroup(
  pgid: number,
  signal: number,
  log: Logger,
  why: string,
): void {
  const error = killGroup(pgid, signal);
  if (error === 0) {
    log.info(`sent ${signalName(signal)} to the child's process group${why}`, {
      pgid,
    });
  } else if (error === libc.ESRCH) {
    log.warn(`child was already gone when sending ${signalName(signal)}`, {
      pgid,
    });
  } else {
    log.error(`cannot send ${signalName(signal)} (errno ${error})`, { pgid });
  }
}

function groupAlive(pgid: number): boolean {
  return killGroup(pgid, 0) !== libc.ESRCH;
}

function delay(ms: number): { done: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  return { done, cancel: () => clearTimeout(timer) };
}

/** Polls until nobody is left in the group, or `limitMs` is over. */
async function groupGone(pgid: number, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await delay(GROUP_POLL_MS).done;
  }
  return true;
}

/**
 * The graceful stop: the signal to the whole group, then SIGKILL to the
 * group when the grace period is over and anyone is left.
 *
 * @returns How the child ended; null if even SIGKILL did not end it in time
 *   (a process stuck in the kernel), so that guillotine still exits.
 */
async function stopChild(
  pgid: number,
  exited: Promise<ChildStatus>,
  config: Config,
  log: Logger,
): Promise<ChildStatus | null> {
  signalGroup(pgid, config.signal.number, log, "");
  const grace = delay(config.gracePeriodMs);
  let graceOver = false;
  grace.done.then(() => graceOver = true);
  const gone = exited.then(async (status) => {
    // Poll until the group is empty or the grace period is over (SIGKILL
    // takes over then). Only an empty group counts as gone: a second clock
    // here once let guillotine exit with a grandchild still alive.
    while (!graceOver && groupAlive(pgid)) await delay(GROUP_POLL_MS).done;
    return groupAlive(pgid) ? null : status;
  });
  const first = await Promise.race([gone, grace.done.then(() => null)]);
  grace.cancel();
  if (first) {
    log.info(
      `child ${describeStatus(first, signalName)} after ${config.signal.name}`,
      {
        pid: pgid,
      },
    );
    return first;
  }
  signalGroup(
    pgid,
    SIGKILL,
    log,
    `: grace period of ${formatDuration(config.gracePeriodMs)} is over`,
  );
  const limit = delay(KILL_WAIT_MS);
  const status = await Promise.race([exited, limit.done.then(() => null)]);
  limit.cancel();
  if (status === null || !(await groupGone(pgid, KILL_WAIT_MS))) {
    log.error(
      `processes of the child's group outlived SIGKILL for ${
        formatDuration(KILL_WAIT_MS)
      } (stuck in the kernel?); exiting anyway`,
      { pgid },
    );
  }
  if (status) {
    log.info(`child ${describeStatus(status, signalName)}`, { pid: pgid });
  }
  return status;
}

/**
 * After the child ended on its own, what it left in its group gets SIGTERM,
 * as dumb-init does, rather than the SIGKILL of the namespace's end.
 */
function endStragglers(pgid: number, log: Logger): void {
  if (groupAlive(pgid)) {
    signalGroup(pgid, SIGTERM, log, ": the child left processes behind");
  }
}

/**
 * Forwards every catchable signal to the child's process group. Before the
 * child exists, a terminating signal ends guillotine instead.
 */
class SignalForwarder {
  #log: Logger;
  #pgid: number | null = null;
  #interrupt!: (signal: number) => void;
  /** Resolves with a terminating signal that came before the child. */
  readonly interrupted: Promise<number>;
  /** That signal, once it came. */
  interruptedBy: number | null = null;

  constructor(log: Logger) {
    this.#log = log;
    this.interrupted = new Promise((resolve) => this.#interrupt = resolve);
  }

  start(): void {
    for (const name of FORWARDED_SIGNALS) {
      Deno.addSignalListener(name, () => this.#receive(name));
    }
  }

  forwardTo(pgid: number): void {
    this.#pgid = pgid;
  }

  #receive(name: Deno.Signal): void {
    const number = SIGNAL_NUMBERS[name];
    if (this.#pgid === null) {
      if (TERMINATING.has(name)) {
        this.#log.info(`received ${name} before the child started: exiting`);
        this.interruptedBy ??= number;
        this.#interrupt(number);
      } else {
        this.#log.debug(`received ${name} before the child started: ignored`);
      }
      return;
    }
    const error = killGroup(this.#pgid, number);
    if (error === 0) {
      this.#log.debug(`forwarded ${name} to the child's process group`, {
        pgid: this.#pgid,
      });
    } else {
      this.#log.warn(`child was already gone when forwarding ${name}`, {
        pgid: this.#pgid,
      });
    }
  }
}
