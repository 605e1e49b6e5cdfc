/**
 * The child: starting it (spawn errors as 126 or 127, with advice that fits
 * the errno), signalling its process group, the graceful stop, and what it
 * leaves behind.
 */

import { type ChildStatus, describeStatus } from "./child_status.ts";
import {
  EXIT_NOT_EXECUTABLE,
  EXIT_NOT_FOUND,
  GuillotineError,
} from "../runtime/errors.ts";
import type { Logger } from "../log/logger.ts";
import { delay, within } from "../runtime/delay.ts";
import * as E from "../sys/errno.ts";
import { kill } from "../sys/process.ts";
import { type Argument, spawn, terminalHandOver } from "../sys/spawn.ts";
import { formatDuration } from "../options/values/duration.ts";
import {
  type Signal,
  SIGNAL_NUMBERS,
  signalName,
} from "../options/values/signal.ts";

const { SIGKILL, SIGTERM } = SIGNAL_NUMBERS;
const GROUP_POLL_MS = 10;
/** How long SIGKILL may take, for the child and then for its group. */
const KILL_WAIT_MS = 10_000;

/** Why exec failed, with the way out; 126 for all of these. */
const CANNOT_EXECUTE: Readonly<Record<number, string>> = {
  [E.EACCES]:
    "permission denied: make it executable (chmod +x), and check that its directories can be searched and its file system is not mounted noexec",
  [E.ENOEXEC]:
    "not a program this machine can run: check that it is built for this architecture (amd64 or arm64), or give a script a #! line",
  [E.ETXTBSY]:
    "the file is open for writing: wait until whatever writes it (a copy, an init container) has closed it",
  [E.E2BIG]:
    "the arguments and environment are too long: shorten the command line or the environment",
  [E.EAGAIN]:
    "the process limit is reached: raise the container's pids limit or RLIMIT_NPROC, or end processes that are not needed",
  [E.ENOMEM]: "out of memory: raise the container's memory limit",
  [E.EPERM]:
    "not permitted: check the security policy (seccomp, AppArmor, SELinux) and the file's capabilities",
};

const NOT_FOUND = new Set<number>([
  E.ENOENT,
  E.ENOTDIR,
  E.ELOOP,
  E.ENAMETOOLONG,
]);

/**
 * The error for a failed exec: 127 when the command or its interpreter is not
 * there, 126 otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spawnError } from "./child.ts";
 * assert.equal(spawnError("proxy", 2, false).exitCode, 127);
 * assert.match(spawnError("/proxy", 26, false).message, /ETXTBSY/);
 * ```
 */
export function spawnError(
  name: string,
  errno: number,
  isDirectory: boolean,
): GuillotineError {
  if (NOT_FOUND.has(errno)) {
    return new GuillotineError(
      name.includes("/")
        ? `Command "${name}" not found: check the path, and the interpreter on its #! line`
        : `Command "${name}" not found in PATH: check its name, or give its full path`,
      EXIT_NOT_FOUND,
    );
  }
  const why = isDirectory
    ? "it is a directory: give the path of a program in it"
    : CANNOT_EXECUTE[errno] ??
      "check the file, and the container's limits and security policy";
  return new GuillotineError(
    `Command "${name}" cannot be executed (${E.errnoName(errno)}): ${why}`,
    EXIT_NOT_EXECUTABLE,
  );
}

function isDirectory(path: string): boolean {
  try {
    return path.includes("/") && Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/**
 * The child: its pid, which is also its group's id. Once it is reaped its pid
 * may be reused, so signals go only to its group, and once the group is seen
 * empty, nowhere.
 */
export class Child {
  #reaped = false;
  #groupGone = false;

  constructor(readonly pid: number) {}

  /** Called in the turn of the waitpid that returned the child. */
  markReaped(): void {
    this.#reaped = true;
    this.checkGroup();
  }

  /**
   * Called after every reap: a group's number stays taken while any member
   * (or its zombie) is there, and is free for reuse from then on.
   */
  checkGroup(): void {
    if (this.#reaped && !this.#groupGone && kill(-this.pid, 0) === E.ESRCH) {
      this.#groupGone = true;
    }
  }

  /**
   * Signals the group; before the reap, a child that left its group still
   * gets it (its zombie holds the pid).
   *
   * @returns 0, or the errno (ESRCH: nobody of ours is there).
   */
  signal(signal: number): number {
    if (this.#groupGone) return E.ESRCH;
    const error = kill(-this.pid, signal);
    if (error !== E.ESRCH) return error;
    if (!this.#reaped) return kill(this.pid, signal);
    this.#groupGone = true;
    return E.ESRCH;
  }
}

/**
 * Spawns the child in its own process group, handing it the terminal when
 * guillotine has one.
 *
 * @param raw The command byte for byte, when known.
 * @throws {GuillotineError} 126 or 127 when it cannot be started.
 */
export function startChild(
  command: readonly string[],
  raw: readonly Argument[] | null,
  log: Logger,
): Child {
  const argv = raw ?? command;
  const terminal = terminalHandOver();
  if (terminal === "old-glibc") {
    log.warn(
      "glibc is older than 2.35 and cannot hand the terminal to the child; it runs in the background (Ctrl-C is still forwarded)",
    );
  }
  const foreground = terminal === "yes";
  let result = spawn(argv, foreground);
  if (result.errno === E.ENOTTY || (foreground && result.errno === E.EPERM)) {
    log.warn(
      "cannot hand the terminal to the child; it runs in the background",
    );
    result = spawn(argv, false);
  }
  if (result.errno !== 0) {
    throw spawnError(command[0], result.errno, isDirectory(command[0]));
  }
  log.info("child started", { pid: result.pid });
  return new Child(result.pid);
}

function signalGroup(child: Child, signal: number, log: Logger, why = "") {
  const pgid = child.pid;
  const error = child.signal(signal);
  const name = signalName(signal);
  if (error === 0) {
    log.info(`sent ${name} to the child's process group${why}`, { pgid });
  } else if (error === E.ESRCH) {
    log.warn(`child was already gone when sending ${name}`, { pgid });
  } else {
    log.error(`cannot send ${name} (${E.errnoName(error)})`, { pgid });
  }
}

function groupAlive(child: Child): boolean {
  return child.signal(0) !== E.ESRCH;
}

/** Polls until the group is empty (true) or `limitMs` is over. */
async function groupGone(
  child: Child,
  limitMs: number,
  abort?: AbortSignal,
): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (groupAlive(child)) {
    if (performance.now() >= deadline || abort?.aborted) return false;
    await delay(GROUP_POLL_MS, abort);
  }
  return true;
}

/**
 * The graceful stop: the signal to the whole group, then SIGKILL to the group
 * once the grace period is over and anyone is left. Only an empty group
 * counts as gone: a second clock here once let guillotine exit with a
 * grandchild still alive.
 *
 * @returns How the child ended; null if even SIGKILL did not end it in time
 *   (a process stuck in the kernel), so that guillotine still exits.
 */
export async function stopChild(
  child: Child,
  exited: Promise<ChildStatus>,
  how: { signal: Signal; gracePeriodMs: number },
  log: Logger,
): Promise<ChildStatus | null> {
  const pgid = child.pid;
  signalGroup(child, how.signal.number, log);
  const graceOver = new AbortController();
  const gone = exited.then(async (status) =>
    await groupGone(child, Infinity, graceOver.signal) ? status : null
  );
  const first = await within(gone, how.gracePeriodMs);
  graceOver.abort();
  if (first) {
    const end = describeStatus(first, signalName);
    log.info(`child ${end} after ${how.signal.name}`, { pid: pgid });
    return first;
  }
  const grace = formatDuration(how.gracePeriodMs);
  signalGroup(child, SIGKILL, log, `: grace period of ${grace} is over`);
  const status = await within(exited, KILL_WAIT_MS);
  if (status === null || !(await groupGone(child, KILL_WAIT_MS))) {
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
 * After the child ended on its own, what it left in its group gets SIGTERM
 * (as dumb-init does) and the grace period, then SIGKILL: guillotine's own
 * exit as PID 1 would kill them at once.
 */
export async function endStragglers(
  child: Child,
  gracePeriodMs: number,
  log: Logger,
): Promise<void> {
  if (!groupAlive(child)) return;
  signalGroup(child, SIGTERM, log, ": the child left processes behind");
  if (await groupGone(child, gracePeriodMs)) return;
  const grace = formatDuration(gracePeriodMs);
  signalGroup(
    child,
    SIGKILL,
    log,
    `: they outlived the grace period of ${grace}`,
  );
  await groupGone(child, KILL_WAIT_MS);
}
