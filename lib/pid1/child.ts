/** The child: its start (126 or 127, with advice per errno), its group's signals, its stop. */

import { type ChildStatus, describeStatus } from "./child_status.ts";
import {
  EXIT_NOT_EXECUTABLE,
  EXIT_NOT_FOUND,
  GuillotineError,
} from "../runtime/errors.ts";
import type { Logger } from "../log/logger.ts";
import { delay, within } from "../runtime/delay.ts";
import * as E from "../sys/errno.ts";
import { isDirectory } from "../sys/files.ts";
import { kill } from "../sys/process.ts";
import { type Argument, spawn, terminalHandOver } from "../sys/spawn.ts";
import { formatDuration } from "../options/values/duration.ts";
import { SIGNAL_NUMBERS } from "../sys/signals.ts";
import { type Signal, signalName } from "../options/values/signal.ts";

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

const NOT_FOUND = [E.ENOENT, E.ENOTDIR, E.ELOOP, E.ENAMETOOLONG];

/** A failed exec: 127 when the command or its interpreter is not there, else 126. */
export function spawnError(name: string, errno: number): GuillotineError {
  if (NOT_FOUND.includes(errno)) {
    return new GuillotineError(
      name.includes("/")
        ? `Command "${name}" not found: check the path, and the interpreter on its #! line`
        : `Command "${name}" not found in PATH: check its name, or give its full path`,
      EXIT_NOT_FOUND,
    );
  }
  const why = name.includes("/") && isDirectory(name)
    ? "it is a directory: give the path of a program in it"
    : CANNOT_EXECUTE[errno] ??
      "check the file, and the container's limits and security policy";
  return new GuillotineError(
    `Command "${name}" cannot be executed (${E.errnoName(errno)}): ${why}`,
    EXIT_NOT_EXECUTABLE,
  );
}

/** Its pid is its group's; once reaped, signals go only to the group; once that is empty, nowhere. */
export class Child {
  reaped = false;
  #groupGone = false;

  constructor(readonly pid: number) {}

  /** Called in the turn of the waitpid that returned the child. */
  markReaped(): void {
    this.reaped = true;
    this.checkGroup();
  }

  /** After every reap: a group's id stays taken while a member (or zombie) is there. */
  checkGroup(): void {
    if (this.reaped && !this.#groupGone && kill(-this.pid, 0) === E.ESRCH) {
      this.#groupGone = true;
    }
  }

  /** 0 or the errno; before the reap, a child that left its group still gets it. */
  signal(signal: number): number {
    if (this.#groupGone) return E.ESRCH;
    const error = kill(-this.pid, signal);
    if (error !== E.ESRCH) return error;
    if (!this.reaped) return kill(this.pid, signal);
    this.#groupGone = true;
    return E.ESRCH;
  }
}

/** Spawns the child in its own group (and the terminal); `raw`: the command's bytes. */
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
  if (result.errno !== 0) throw spawnError(command[0], result.errno);
  log.info("child started", { pid: result.pid });
  return new Child(result.pid);
}

function signalGroup(child: Child, signal: number, log: Logger, why: string) {
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

async function groupGone(child: Child, limitMs: number): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (child.signal(0) !== E.ESRCH) {
    if (performance.now() >= deadline) return false;
    await delay(GROUP_POLL_MS);
  }
  return true;
}

/**
 * `how.signal` to the group (`leftBehind`, after the child's own exit: SIGTERM,
 * as dumb-init does), then SIGKILL once the grace period is over and anyone is
 * left. Only an empty group counts as gone: a second clock here once let
 * guillotine exit with a grandchild alive. Null: the child outlived SIGKILL.
 */
export async function stopChild(
  child: Child,
  exited: Promise<ChildStatus>,
  how: { signal: Signal; gracePeriodMs: number },
  log: Logger,
  leftBehind = false,
): Promise<ChildStatus | null> {
  const { pid } = child;
  if (leftBehind) {
    log.info(`child ${describeStatus(await exited, signalName)}`, { pid });
    if (child.signal(0) === E.ESRCH) return null;
  }
  const graceOver = performance.now() + how.gracePeriodMs;
  const signal = leftBehind ? SIGTERM : how.signal.number;
  const behind = ": the child left processes behind";
  signalGroup(child, signal, log, leftBehind ? behind : "");
  const early = await within(exited, how.gracePeriodMs);
  if (early && await groupGone(child, graceOver - performance.now())) {
    const end = describeStatus(early, signalName);
    if (!leftBehind) log.info(`child ${end} after ${how.signal.name}`, { pid });
    return early;
  }
  const grace = formatDuration(how.gracePeriodMs);
  const why = leftBehind
    ? `: they outlived the grace period of ${grace}`
    : `: grace period of ${grace} is over`;
  signalGroup(child, SIGKILL, log, why);
  const status = await within(exited, KILL_WAIT_MS);
  if (status === null || !(await groupGone(child, KILL_WAIT_MS))) {
    log.error(
      `processes of the child's group outlived SIGKILL for ${
        formatDuration(KILL_WAIT_MS)
      } (stuck in the kernel?); exiting anyway`,
      { pgid: pid },
    );
  }
  const end = status && describeStatus(status, signalName);
  if (end && !leftBehind) log.info(`child ${end}`, { pid });
  return status;
}
