/**
 * Runs a command as PID 1 of a PID namespace of its own, reads its output
 * line by line as it comes, and makes sure that nothing outlives the
 * benchmark: every namespace is registered until it is closed, and
 * `closeAll` (called in `finally` and on SIGINT/SIGTERM) kills what is left.
 *
 * @module
 */

import { childrenOf } from "./procfs.ts";

/**
 * setpriv: unshare dies with the harness (even on SIGKILL); unshare's
 * --kill-child: PID 1, and with it the whole namespace, dies with unshare.
 */
const PREFIX = [
  "setpriv",
  "--pdeathsig",
  "KILL",
  "--",
  "unshare",
  "--pid",
  "--fork",
  "--mount-proc",
  "--kill-child",
  "--",
];

const live = new Set<Namespace>();

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads a byte stream as lines, each with a timeout. */
export class LineReader {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #pending: Promise<ReadableStreamReadResult<string>> | null = null;
  #ended = false;
  readonly #what: string;

  constructor(stream: ReadableStream<Uint8Array>, what: string) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    this.#what = what;
  }

  /**
   * The next line, without its newline, or null at the end of the stream.
   *
   * @throws {Error} When no line comes within `timeoutMs`.
   */
  async next(timeoutMs: number): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const newline = this.#buffer.indexOf("\n");
      if (newline >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        return line;
      }
      if (this.#ended) {
        const rest = this.#buffer;
        this.#buffer = "";
        return rest === "" ? null : rest;
      }
      this.#pending ??= this.#reader.read();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(
          () => resolve("timeout"),
          Math.max(0, deadline - Date.now()),
        );
      });
      const result = await Promise.race([this.#pending, timeout]);
      clearTimeout(timer);
      if (result === "timeout") {
        throw new Error(
          `Timed out after ${timeoutMs} ms waiting for a line from ${this.#what}`,
        );
      }
      this.#pending = null;
      if (result.done) this.#ended = true;
      else this.#buffer += result.value;
    }
  }

  /**
   * The next line, which must start with `word`.
   *
   * @returns The words after `word`.
   * @throws {Error} On another line, the end of the stream or a timeout.
   */
  async expect(word: string, timeoutMs: number): Promise<string[]> {
    const line = await this.next(timeoutMs);
    const words = line?.split(" ") ?? [];
    if (words[0] !== word) {
      throw new Error(
        `Expected "${word}" from ${this.#what}, got ${JSON.stringify(line)}`,
      );
    }
    return words.slice(1);
  }

  /**
   * Skips lines until one starts with `word`.
   *
   * @returns The words after `word`.
   * @throws {Error} At the end of the stream or on a timeout.
   */
  async find(word: string, timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.next(Math.max(0, deadline - Date.now()));
      if (line === null) {
        throw new Error(`No "${word}" line from ${this.#what}`);
      }
      const words = line.split(" ");
      if (words[0] === word) return words.slice(1);
    }
  }

  /** Stops reading. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/** A command running as PID 1 of a new PID namespace. */
export class Namespace {
  readonly process: Deno.ChildProcess;
  /** Its standard output. */
  readonly lines: LineReader;
  readonly status: Promise<Deno.CommandStatus>;
  readonly #what: string;
  #stderr = "";
  #pid1: number | null = null;
  #exited = false;

  private constructor(
    argv: string[],
    what: string,
    env: Record<string, string> | undefined,
    stdin: "null" | "piped" = "null",
  ) {
    this.#what = what;
    this.process = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin,
      stdout: "piped",
      stderr: "piped",
      env,
    }).spawn();
    this.lines = new LineReader(this.process.stdout, what);
    this.status = this.process.status.finally(() => this.#exited = true);
    this.#drainStderr();
    live.add(this);
  }

  /** Starts `argv` as PID 1 of a new PID namespace. */
  static start(
    argv: string[],
    what: string,
    env?: Record<string, string>,
  ): Namespace {
    return new Namespace([...PREFIX, ...argv], what, env);
  }

  /**
   * Starts `argv` as a plain child of the harness, with the same output
   * handling and clean-up (its pid1() is its own pid).
   */
  static outside(
    argv: string[],
    what: string,
    stdin: "null" | "piped" = "null",
  ): Namespace {
    const run = new Namespace(argv, what, undefined, stdin);
    run.#pid1 = run.process.pid;
    return run;
  }

  /** The last of what it wrote on stderr, for error messages. */
  get stderr(): string {
    return this.#stderr;
  }

  async #drainStderr(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.process.stderr) {
        this.#stderr = (this.#stderr + decoder.decode(chunk)).slice(-4000);
      }
    } catch {
      // The stream ends with the process.
    }
  }

  /**
   * PID 1's pid as the host sees it: unshare's only child.
   *
   * @throws {Error} When it does not show within `timeoutMs`.
   */
  async pid1(timeoutMs = 5000): Promise<number> {
    if (this.#pid1 !== null) return this.#pid1;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [pid] = childrenOf(this.process.pid, [this.process.pid]);
      if (pid) return this.#pid1 = pid;
      if (Date.now() > deadline) {
        throw new Error(`${this.#what}: PID 1 did not start: ${this.#stderr}`);
      }
      await sleep(1);
    }
  }

  /**
   * Waits for the namespace to end on its own.
   *
   * @returns Its exit status, or null when it was still running after
   *   `timeoutMs` (then it is killed).
   */
  async finish(timeoutMs: number): Promise<Deno.CommandStatus | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    const status = await Promise.race([this.status, timeout]);
    clearTimeout(timer);
    await this.close();
    return status;
  }

  /** Kills the namespace (PID 1 first: all its processes go with it). */
  async close(): Promise<void> {
    if (!live.has(this)) return;
    live.delete(this);
    // Once unshare has been reaped its pid may be reused: kill only before.
    if (!this.#exited) {
      const pid1 = this.#pid1 ??
        childrenOf(this.process.pid, [this.process.pid])[0];
      for (const pid of [pid1, this.process.pid]) {
        if (!pid) continue;
        try {
          Deno.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }
    await this.status;
    await this.lines.cancel();
  }
}

/** Kills every namespace that is still open. */
export async function closeAll(): Promise<void> {
  await Promise.all([...live].map((ns) => ns.close()));
}
