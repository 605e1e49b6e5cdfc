/**
 * guillotine's command line: reads what it was given (arguments and
 * environment, byte for byte from /proc/self), parses it, and runs the
 * supervisor; returns the exit code. main.ts loads this module once the
 * signal listeners are in place.
 *
 * @module
 */

import { EXIT_USAGE, explainError } from "../runtime/errors.ts";
import type { SignalInbox } from "../runtime/signal_inbox.ts";
import {
  type DebuggerPortHold,
  holdDebuggerPort,
} from "../sys/debugger_port.ts";
import { every } from "../runtime/ticker.ts";

/** How often to try again for the debugger's address while another has it. */
const RETAKE_MS = 2_000;
import type { Logger } from "../log/logger.ts";
import { createLogger, writeStderr } from "../log/logger.ts";
import { type NotText, parseOptions } from "../options/parse.ts";
import type { Request } from "../options/config.ts";
import { run } from "./supervisor.ts";
import { rawArguments, rawEnvironment } from "../sys/proc_self.ts";
import type { Argument } from "../sys/spawn.ts";
import { VERSION } from "../options/version.ts";

/** What guillotine was given. */
export interface Input {
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Which arguments and variables were not valid UTF-8. */
  notText: NotText;
  /** The arguments byte for byte, when /proc could tell. */
  rawArgs: readonly Argument[] | null;
}

/**
 * Runs guillotine.
 *
 * @param input The command line and the environment.
 * @param signals The signals received since start, and those to come.
 * @param debuggerPort What became of the hold of the debugger's address.
 * @returns The exit code.
 */
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
    input.rawArgs?.slice(args.length - config.command.length) ??
      null;
  try {
    return await run(config, { log, signals, rawCommand });
  } catch (error) {
    // run() has written the record, if one was asked for.
    const { message, code } = explainError(error);
    writeStderr(`guillotine: error: ${message}\n`);
    return code;
  }
}

function logDebuggerPort(log: Logger, hold: DebuggerPortHold): void {
  if (hold.held) {
    log.debug("holding the debugger's address: SIGUSR1 opens no debugger", {
      address: "127.0.0.1:9229",
    });
  } else if (hold.taken) {
    log.debug(
      "the debugger's address is taken or absent: no debugger can open there while it is; trying to hold it every 2 s",
      { address: "127.0.0.1:9229", reason: hold.reason },
    );
    // Another process (a guillotine of another user on the pod's other side,
    // say) may leave before this one does: take the address when it goes.
    const retry = every(RETAKE_MS, () => {
      if (!holdDebuggerPort().held) return;
      retry.stop();
      log.debug("holding the debugger's address now", {
        address: "127.0.0.1:9229",
      });
    });
  } else {
    log.warn(
      "cannot hold the debugger's address: a SIGUSR1 may open an unauthenticated debugger on it; grant --allow-net",
      { address: "127.0.0.1:9229", reason: hold.reason },
    );
  }
}

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
 * Reads the arguments and the environment. Deno decodes them as UTF-8; the
 * bytes that exec gave are read from /proc/self so that the child gets its
 * command byte for byte, and so that an option or a variable that is not
 * text is an error rather than a silent U+FFFD or a missing variable.
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
  // Each list is decoded whole first (one call, not one per string: a NUL
  // ends no UTF-8 sequence, so the whole is text when every part is); only
  // a list that is not text is looked at string by string.
  const notTextArgs = new Set<number>();
  if (rawArgs && !rawArgs.every(isText)) {
    rawArgs.forEach((bytes, i) => isText(bytes) || notTextArgs.add(i));
  }
  const notTextEnv = new Set<string>();
  const environment = rawEnvironment();
  if (environment && !isText(joined(environment))) {
    for (const entry of environment) {
      const equals = entry.indexOf(0x3d);
      if (equals <= 0 || isText(entry)) continue;
      notTextEnv.add(lossy.decode(entry.subarray(0, equals)));
    }
  }
  return {
    args,
    env,
    notText: { args: notTextArgs, env: notTextEnv },
    rawArgs,
  };
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
 * Runs guillotine as a program: reports any fault it did not catch in one
 * line (PID 1 goes on: its death would take the child with it), reads what it
 * was given, runs, and returns the exit code.
 *
 * @param signals The signals received since start, and those to come.
 * @param debuggerPort What became of the hold of the debugger's address.
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
