/**
 * Runs a command as PID 1 of a new PID namespace, as a container runtime
 * would (or, on request, as a plain child), reads its output as it comes,
 * and makes sure nothing outlives the caller:
 *
 * - `setpriv --pdeathsig KILL`: unshare dies with the caller, even on SIGKILL;
 * - `unshare --kill-child`: PID 1, and with it the whole namespace, dies with
 *   unshare;
 * - every run is registered until it has ended; `closeAll` kills what is left
 *   (for `finally` blocks and signal handlers), `await using` kills one run.
 *
 * `start` and `run` do this for guillotine (`deno run main.ts`).
 *
 * @module
 */

import { which } from "./command.ts";
import type { NetworkNamespace } from "./netns.ts";
import {
  describeMatch,
  type EventMatch,
  eventsOf,
  type LogEvent,
  matches,
} from "./events.ts";
import { Output } from "./output.ts";
import { guillotineArgv } from "./paths.ts";
import { pollUntil } from "./poll.ts";
import { childrenOf, descendants } from "./proc.ts";

const live = new Set<Pid1Process>();

function resolve(name: string): string {
  const path = which(name);
  if (path === null) {
    throw new Error(
      `Running as PID 1 needs "${name}", which is not installed here: ` +
        `apt-get install util-linux (scripts/setup.sh)`,
    );
  }
  return path;
}

/**
 * `argv` prefixed so that it runs as PID 1 of a new PID namespace (with its
 * own /proc) and dies with the caller. The prefix's programs are named by
 * path, so the command runs whatever PATH its environment holds.
 */
export function pid1Argv(
  argv: string[],
  netns?: NetworkNamespace,
): string[] {
  const unshare = [resolve("unshare")];
  return [
    resolve("setpriv"),
    "--pdeathsig",
    "KILL",
    "--",
    ...(netns ? netns.argv(unshare) : unshare),
    "--pid",
    "--fork",
    "--mount-proc",
    "--kill-child",
    "--",
    ...argv,
  ];
}

/** Whether PID namespaces can be made here (as root, usually). */
export function canUsePidNamespaces(): boolean {
  try {
    return new Deno.Command(pid1Argv(["true"])[0], {
      args: pid1Argv(["true"]).slice(1),
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

/** Options for {@linkcode spawn}, {@linkcode start} and {@linkcode run}. */
export interface StartOptions {
  /** Added to the environment (or the whole of it, with `exactEnv`). */
  env?: Record<string, string>;
  /** Run as PID 1 of a new PID namespace (default), or as a plain process. */
  pid1?: boolean;
  cwd?: string;
  /** Remove GUILLOTINE_* from the inherited environment (default true). */
  cleanEnv?: boolean;
  /** The environment is `env` alone: nothing inherited, no NO_COLOR. */
  exactEnv?: boolean;
  /** Standard input: none (default), or a pipe (`process.stdin`). */
  stdin?: "null" | "piped";
  /** Names the run in error messages (default: the program's name). */
  what?: string;
  /** Called with each complete line of stdout or stderr as it arrives. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** `start` and `run`: the main.ts to run instead of this checkout's. */
  main?: string;
  /** Runs in this network namespace rather than the machine's. */
  netns?: NetworkNamespace;
}

function environment(options: StartOptions): Record<string, string> {
  if (options.exactEnv) return { ...options.env };
  const env: Record<string, string> = {};
  const clean = options.cleanEnv ?? true;
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (!clean || !key.startsWith("GUILLOTINE_")) env[key] = value;
  }
  return { ...env, NO_COLOR: "1", ...options.env };
}

/** A running command, PID 1 of its own PID namespace unless asked not to be. */
export class Pid1Process {
  readonly process: Deno.ChildProcess;
  readonly pid1: boolean;
  /** Its standard output, to wait on or read line by line. */
  readonly lines: Output;
  readonly #stderr: Output;
  readonly #done: Promise<Deno.CommandStatus>;
  readonly #what: string;
  #exited = false;
  #pid: number | null = null;

  constructor(
    process: Deno.ChildProcess,
    pid1: boolean,
    options: Pick<StartOptions, "what" | "onLine"> = {},
  ) {
    this.process = process;
    this.pid1 = pid1;
    this.#what = options.what ?? "guillotine";
    const onLine = options.onLine;
    this.lines = new Output(
      process.stdout,
      `${this.#what}'s stdout`,
      onLine && ((line) => onLine(line, "stdout")),
    );
    this.#stderr = new Output(
      process.stderr,
      `${this.#what}'s stderr`,
      onLine && ((line) => onLine(line, "stderr")),
    );
    const status = process.status.finally(() => this.#exited = true);
    // Done once its status is known and its output is read to the end.
    this.#done = Promise.all([this.lines.done, this.#stderr.done, status])
      .then(() => status)
      .finally(() => live.delete(this));
    live.add(this);
  }

  /** Everything it wrote on stdout so far. */
  get stdout(): string {
    return this.lines.text;
  }

  /** Everything it wrote on stderr so far. */
  get stderr(): string {
    return this.#stderr.text;
  }

  /** Its pid as seen from here; in PID-1 mode, unshare's only child. */
  async pid(): Promise<number> {
    if (!this.pid1) return this.process.pid;
    this.#pid ??= await pollUntil(
      () => {
        const [pid] = childrenOf(this.process.pid);
        if (pid === undefined && this.#exited) {
          throw new Error(
            `${this.#what} ended before its PID 1 was seen; stderr: ${this.stderr}`,
          );
        }
        return pid;
      },
      () => `${this.#what} to start under unshare; stderr: ${this.stderr}`,
      10_000,
      1,
    );
    return this.#pid;
  }

  /** The pid of its direct child, once it runs. */
  async childPid(): Promise<number> {
    const pid = await this.pid();
    return await pollUntil(
      () => childrenOf(pid)[0],
      `${this.#what}'s child to start`,
    );
  }

  /** Sends a signal to it (PID 1 itself, not unshare). */
  async kill(signal: Deno.Signal): Promise<void> {
    Deno.kill(await this.pid(), signal);
  }

  /** Waits until stdout matches. */
  waitForStdout(
    pattern: RegExp,
    timeoutMs = 10_000,
  ): Promise<RegExpMatchArray> {
    return this.lines.match(pattern, timeoutMs);
  }

  /** Its JSON log events so far (run with `--log-format json`). */
  get events(): LogEvent[] {
    return eventsOf(this.stderr);
  }

  /** Waits for a JSON log event that matches, and returns it. */
  waitForEvent(match: EventMatch, timeoutMs = 10_000): Promise<LogEvent> {
    return pollUntil(
      () => this.events.find((e) => matches(e, match)),
      () =>
        `${this.#what} to log an event like ${
          describeMatch(match)
        }; stderr: ${this.stderr}`,
      timeoutMs,
    );
  }

  /** Waits until stderr matches. */
  waitForStderr(
    pattern: RegExp,
    timeoutMs = 10_000,
  ): Promise<RegExpMatchArray> {
    return this.#stderr.match(pattern, timeoutMs);
  }

  /**
   * Waits for its end, output included.
   *
   * @throws {Error} After `timeoutMs`, once the tree is killed.
   */
  async status(timeoutMs = 20_000): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.destroy();
        reject(
          new Error(
            `${this.#what} did not exit within ${timeoutMs} ms; stderr: ${this.stderr}`,
          ),
        );
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.#done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Waits for its end, then makes sure of it.
   *
   * @returns Its status, or null when it still ran after `timeoutMs`.
   */
  async finish(timeoutMs: number): Promise<Deno.CommandStatus | null> {
    const status = await this.status(timeoutMs).catch(() => null);
    await this.close();
    return status;
  }

  /** Kills the whole tree, at once; for `finally` blocks. */
  destroy(): void {
    // Once unshare has been reaped its pid may be reused: kill only before.
    if (this.#exited) return;
    const victims = this.pid1
      // Killing PID 1 kills every process of its namespace.
      ? [this.#pid ?? childrenOf(this.process.pid)[0]]
      : descendants(this.process.pid).reverse().map((p) => p.pid);
    for (const pid of [...victims, this.process.pid]) {
      if (!pid) continue;
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }

  /**
   * Waits for the end even after `destroy`, for a few seconds at most: a
   * process that escaped the tree (in plain mode) can hold the pipes open
   * forever, and the test that let it escape has failed already.
   */
  async settled(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#done.catch(() => {}),
      new Promise((resolve) => timer = setTimeout(resolve, 5_000)),
    ]);
    clearTimeout(timer);
  }

  /** Kills the tree and waits for its end. */
  async close(): Promise<void> {
    this.destroy();
    await this.settled();
  }

  /** `await using g = start(...)`: the tree is killed however the test ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A run of guillotine: what {@linkcode start} returns. */
export const Guillotine = Pid1Process;
/** A run of guillotine: what {@linkcode start} returns. */
export type Guillotine = Pid1Process;

/** Starts `argv` (a program and its arguments) as PID 1, or plainly. */
export function spawn(argv: string[], options: StartOptions = {}): Pid1Process {
  const pid1 = options.pid1 ?? true;
  const full = pid1 ? pid1Argv(argv, options.netns) : argv;
  const process = new Deno.Command(full[0], {
    args: full.slice(1),
    env: environment(options),
    clearEnv: true,
    cwd: options.cwd,
    stdin: options.stdin ?? "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return new Pid1Process(process, pid1, {
    what: options.what ?? argv[0].slice(argv[0].lastIndexOf("/") + 1),
    onLine: options.onLine,
  });
}

/** Starts guillotine with `args` (options, then the command). */
export function start(args: string[], options: StartOptions = {}): Guillotine {
  return spawn(guillotineArgv(args, options.main), {
    what: "guillotine",
    ...options,
  });
}

/** Runs guillotine to its end; kills the tree if it overruns. */
export async function run(
  args: string[],
  options: StartOptions & { timeoutMs?: number } = {},
): Promise<
  { code: number; signal: Deno.Signal | null; stdout: string; stderr: string }
> {
  await using g = start(args, options);
  const status = await g.status(options.timeoutMs);
  return {
    code: status.code,
    signal: status.signal,
    stdout: g.stdout,
    stderr: g.stderr,
  };
}

/** Kills every run that has not ended yet, and waits for them. */
export async function closeAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.close()));
}
