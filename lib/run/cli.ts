/**
 * guillotine's command line: reads what it was given (arguments and
 * environment, byte for byte from /proc/self), parses it, runs the
 * supervisor and returns the exit code. main.ts loads it once the signal
 * listeners are in place.
 */

import { EXIT_USAGE, explainError } from "../runtime/errors.ts";
import type { SignalInbox } from "../runtime/signal_inbox.ts";
import {
  type DebuggerPortHold,
  holdDebuggerPort,
} from "../sys/debugger_port.ts";
import { every } from "../runtime/ticker.ts";
import type { Logger } from "../log/logger.ts";
import { createLogger, writeStderr } from "../log/logger.ts";
import { type NotText, parseOptions } from "../options/parse.ts";
import type { Request } from "../options/config.ts";
import { run } from "./supervisor.ts";
import { rawArguments, rawEnvironment } from "../sys/proc_self.ts";
import type { Argument } from "../sys/spawn.ts";
import { VERSION } from "../options/version.ts";

/** How often to try again for the debugger's address while another has it. */
const RETAKE_MS = 2_000;
const ADDRESS = "127.0.0.1:9229";

/** What guillotine was given. */
export interface Input {
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Which arguments and variables were not valid UTF-8. */
  notText: NotText;
  /** The arguments byte for byte, when /proc could tell. */
  rawArgs: readonly Argument[] | null;
}

/** Parses `input` and runs; returns the exit code. */
export async function main(
  input: Input,
  signals: SignalInbox,
  debuggerPort?: DebuggerPortHold,
): Promise<number> {
  const { args, env } = input;
  let request: Request;
  try {
    request = parseOptions(args, env, input.notText);
  } catch (error) {
    const { message, code } = explainError(error);
    writeStderr(`guillotine: error: ${message}\n`);
    // The other side must not wait for ever: the record, the termination
    // message and the quit requests, as far as the command line allows.
    const { afterUsageError } = await import("../reports/last_words.ts");
    await afterUsageError(args, error);
    return code;
  }
  if (request.kind === "help") {
    const { helpText } = await import("../options/help.ts");
    return writeStdout(`${helpText()}\n`);
  }
  if (request.kind === "version") return writeStdout(`guillotine ${VERSION}\n`);
  const { config } = request;
  const log = createLogger({
    level: config.logLevel,
    format: config.logFormat,
  });
  if (debuggerPort) logDebuggerPort(log, debuggerPort);
  const rawCommand =
    input.rawArgs?.slice(args.length - config.command.length) ?? null;
  try {
    return await run(config, { log, signals, rawCommand });
  } catch (error) {
    const { message, code } = explainError(error);
    writeStderr(`guillotine: error: ${message}\n`);
    return code;
  }
}

/** Says what became of the debugger's address; retakes it while taken. */
function logDebuggerPort(log: Logger, hold: DebuggerPortHold): void {
  const address = ADDRESS;
  if (hold.held) {
    log.debug("holding the debugger's address: SIGUSR1 opens no debugger", {
      address,
    });
  } else if (hold.taken) {
    log.debug(
      "the debugger's address is taken or absent: no debugger can open there while it is; trying to hold it every 2 s",
      { address, reason: hold.reason },
    );
    const retry = every(RETAKE_MS, () => {
      if (!holdDebuggerPort().held) return;
      retry.stop();
      log.debug("holding the debugger's address now", { address });
    });
  } else {
    log.warn(
      "cannot hold the debugger's address: a SIGUSR1 may open an unauthenticated debugger on it; grant --allow-net",
      { address, reason: hold.reason },
    );
  }
}

/** Writes `text` to stdout; 0, or 125 when stdout cannot take it. */
function writeStdout(text: string): number {
  const bytes = new TextEncoder().encode(text);
  try {
    for (let at = 0; at < bytes.length;) {
      at += Deno.stdout.writeSync(bytes.subarray(at));
    }
    return 0;
  } catch (error) {
    writeStderr(
      `guillotine: error: cannot write to standard output (${
        (error as Error).message
      }): check where it is redirected\n`,
    );
    return EXIT_USAGE;
  }
}

/**
 * The arguments and the environment. Deno decodes them as UTF-8; the bytes
 * exec gave are read from /proc/self so that the child gets its command byte
 * for byte, and an option or variable that is not text is an error rather
 * than a silent U+FFFD or a missing variable.
 */
export function readInput(): Input {
  const args = Deno.args;
  const env = Deno.env.toObject();
  const strict = new TextDecoder("utf-8", { fatal: true });
  const lossy = new TextDecoder();
  const isText = (bytes: Uint8Array) => {
    try {
      strict.decode(bytes);
      return true;
    } catch {
      return false;
    }
  };
  let rawArgs = rawArguments(args.length);
  // Trust the bytes only when they are what Deno decoded.
  if (rawArgs?.some((bytes, i) => lossy.decode(bytes) !== args[i])) {
    rawArgs = null;
  }
  // Each list is decoded whole first (a NUL ends no UTF-8 sequence, so the
  // whole is text when every part is): one call, not one per string.
  const notTextArgs = new Set<number>();
  if (rawArgs && !isText(joined(rawArgs))) {
    rawArgs.forEach((bytes, i) => isText(bytes) || notTextArgs.add(i));
  }
  const notTextEnv = new Set<string>();
  const environment = rawEnvironment() ?? [];
  if (!isText(joined(environment))) {
    for (const entry of environment) {
      const equals = entry.indexOf(0x3d);
      if (equals <= 0 || isText(entry)) continue;
      notTextEnv.add(lossy.decode(entry.subarray(0, equals)));
    }
  }
  const notText = { args: notTextArgs, env: notTextEnv };
  return { args, env, notText, rawArgs };
}

/** The strings end to end, NUL-separated, as exec laid them out. */
function joined(parts: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.length + 1;
  }
  return whole;
}

/**
 * Runs guillotine as a program: a fault nothing caught is one line on stderr
 * and PID 1 goes on (its death would take the child with it).
 */
export async function start(
  signals: SignalInbox,
  debuggerPort: DebuggerPortHold,
): Promise<number> {
  const report = (event: Event, error: unknown) => {
    event.preventDefault();
    writeStderr(`guillotine: error: ${explainError(error).message}\n`);
  };
  addEventListener("unhandledrejection", (e) => report(e, e.reason));
  addEventListener("error", (e) => report(e, e.error));
  let input: Input;
  try {
    input = readInput();
  } catch (error) {
    writeStderr(`guillotine: error: ${explainError(error).message}\n`);
    return EXIT_USAGE;
  }
  return await main(input, signals, debuggerPort);
}
