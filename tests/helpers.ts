/**
 * Test helpers: run the real guillotine (`deno run main.ts`) as PID 1 of a new
 * PID namespace, read its output as it comes, poll for conditions, and look at
 * the process tree through /proc. Nothing here sleeps and then asserts.
 */

import { PERMISSIONS } from "../lib/permissions.ts";

export { PERMISSIONS };
export const ROOT = new URL("../", import.meta.url).pathname;
export const MAIN = `${ROOT}main.ts`;
export const FIXTURES = `${ROOT}tests/fixtures/`;
const DENO = Deno.execPath();

/** Polls `condition` until it returns a truthy value, or fails with `what`. */
export async function pollUntil<T>(
  condition: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 10,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** One process as /proc shows it. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  comm: string;
}

/** Reads /proc/PID/stat, or null when the process is gone. */
export function procInfo(pid: number): ProcInfo | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  const close = text.lastIndexOf(")");
  const rest = text.slice(close + 2).split(" ");
  return {
    pid,
    comm: text.slice(text.indexOf("(") + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    pgid: Number(rest[2]),
  };
}

/** Every process in /proc. */
export function allProcesses(): ProcInfo[] {
  const list: ProcInfo[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const info = procInfo(Number(entry.name));
    if (info) list.push(info);
  }
  return list;
}

/** The descendants of `root` (not `root` itself). */
export function descendants(root: number): ProcInfo[] {
  const all = allProcesses();
  const found: ProcInfo[] = [];
  const parents = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
}

/** Whether a process exists (a zombie counts). */
export function alive(pid: number): boolean {
  return procInfo(pid) !== null;
}

/** A running guillotine, its output read as it comes. */
export class Guillotine {
  readonly process: Deno.ChildProcess;
  stdout = "";
  stderr = "";
  readonly #done: Promise<Deno.CommandStatus>;
  readonly pid1: boolean;

  constructor(process: Deno.ChildProcess, pid1: boolean) {
    this.process = process;
    this.pid1 = pid1;
    const read = async (
      stream: ReadableStream<Uint8Array>,
      add: (s: string) => void,
    ) => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) {
        add(decoder.decode(chunk, { stream: true }));
      }
    };
    const reading = Promise.all([
      read(process.stdout, (s) => this.stdout += s),
      read(process.stderr, (s) => this.stderr += s),
    ]);
    this.#done = reading.then(() => process.status);
  }

  /** guillotine's pid as seen from here: unshare's child in PID-1 mode. */
  async pid(): Promise<number> {
    if (!this.pid1) return this.process.pid;
    return await pollUntil(
      () => allProcesses().find((p) => p.ppid === this.process.pid)?.pid,
      "guillotine to start under unshare",
    );
  }

  /** The pid of guillotine's direct child, once it runs. */
  async childPid(): Promise<number> {
    const pid = await this.pid();
    return await pollUntil(
      () => allProcesses().find((p) => p.ppid === pid)?.pid,
      "guillotine's child to start",
    );
  }

  /** Sends a signal to guillotine itself. */
  async kill(signal: Deno.Signal): Promise<void> {
    Deno.kill(await this.pid(), signal);
  }

  /** Waits until stdout matches. */
  async waitForStdout(
    pattern: RegExp,
    timeoutMs = 10_000,
  ): Promise<RegExpMatchArray> {
    return await pollUntil(
      () => this.stdout.match(pattern),
      `stdout to match ${pattern}; stdout so far: ${
        JSON.stringify(this.stdout)
      }`,
      timeoutMs,
    );
  }

  /** Waits until stderr matches. */
  async waitForStderr(
    pattern: RegExp,
    timeoutMs = 10_000,
  ): Promise<RegExpMatchArray> {
    return await pollUntil(
      () => this.stderr.match(pattern),
      `stderr to match ${pattern}; stderr so far: ${
        JSON.stringify(this.stderr)
      }`,
      timeoutMs,
    );
  }

  /** Waits for the exit, failing (and killing the tree) after the timeout. */
  async status(timeoutMs = 20_000): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.destroy();
        reject(
          new Error(
            `guillotine did not exit within ${timeoutMs} ms; stderr: ${this.stderr}`,
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

  /** Kills the whole tree; for `finally` blocks. */
  destroy(): void {
    for (const p of [...descendants(this.process.pid).reverse()]) {
      try {
        Deno.kill(p.pid, "SIGKILL");
      } catch { /* gone */ }
    }
    try {
      this.process.kill("SIGKILL");
    } catch { /* gone */ }
  }

  /**
   * Waits for the end even after `destroy`, for a few seconds at most: a
   * process that escaped the tree can hold the pipes open forever, and the
   * test that let it escape has failed already.
   */
  async settled(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#done.catch(() => {}),
      new Promise((resolve) => timer = setTimeout(resolve, 5_000)),
    ]);
    clearTimeout(timer);
  }

  /** `await using g = start(...)`: the tree is killed however the test ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.destroy();
    await this.settled();
  }
}

/** Options for {@linkcode start}. */
export interface StartOptions {
  env?: Record<string, string>;
  /** Run as PID 1 of a new PID namespace (default), or as a plain process. */
  pid1?: boolean;
  cwd?: string;
  /** Remove GUILLOTINE_* from the inherited environment (default true). */
  cleanEnv?: boolean;
}

/** Starts guillotine with `args` (options, then the command). */
export function start(args: string[], options: StartOptions = {}): Guillotine {
  const pid1 = options.pid1 ?? true;
  const deno = [DENO, "run", ...PERMISSIONS, MAIN, ...args];
  const argv = pid1
    ? ["unshare", "--pid", "--fork", "--mount-proc", ...deno]
    : deno;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (!key.startsWith("GUILLOTINE_")) env[key] = value;
  }
  const process = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: { ...env, NO_COLOR: "1", ...options.env },
    clearEnv: true,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return new Guillotine(process, pid1);
}

/** Runs guillotine to its end; kills the tree if it overruns. */
export async function run(
  args: string[],
  options: StartOptions & { timeoutMs?: number } = {},
): Promise<
  { code: number; signal: Deno.Signal | null; stdout: string; stderr: string }
> {
  const g = start(args, options);
  try {
    const status = await g.status(options.timeoutMs);
    return {
      code: status.code,
      signal: status.signal,
      stdout: g.stdout,
      stderr: g.stderr,
    };
  } finally {
    g.destroy();
    await g.settled();
  }
}

/** A fresh temporary directory, removed by the returned function. */
export async function tempDir(): Promise<
  { path: string; [Symbol.asyncDispose](): Promise<void> }
> {
  const path = await Deno.makeTempDir({ prefix: "guillotine-test-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** Requires a command on this machine; fails (never skips) with what to install. */
export function requireCommand(name: string, install: string): void {
  try {
    const status = new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
    }).outputSync();
    if (status.success) return;
  } catch { /* fall through */ }
  throw new Error(
    `This test needs "${name}", which is not installed here: ${install}`,
  );
}
