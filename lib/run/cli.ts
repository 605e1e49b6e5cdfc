/** The command line: input read, parsed, run; main.ts loads it once it listens for signals. */

import { EXIT_USAGE, explainError } from "../runtime/errors.ts";
import type { SignalInbox } from "../runtime/signal_inbox.ts";
import {
  type DebuggerPortHold,
  holdDebuggerPort,
} from "../sys/debugger_port.ts";
import { every } from "../runtime/ticker.ts";
import { createLogger, type Logger, writeStderr } from "../log/logger.ts";
import { parseOptions } from "../options/parse.ts";
import { run } from "./supervisor.ts";
import { rawArguments, rawEnvironment } from "../sys/proc_self.ts";
import { VERSION } from "../options/version.ts";

/** A fault nothing caught is one line on stderr; PID 1 goes on (its death would take the child). */
export async function start(
  signals: SignalInbox,
  debuggerPort: DebuggerPortHold,
): Promise<number> {
  addEventListener("unhandledrejection", (e) => fail(e.reason, e));
  addEventListener("error", (e) => fail(e.error, e));
  let input;
  try {
    input = readInput();
  } catch (error) {
    return fail(error);
  }
  const { args, rawArgs } = input;
  let request;
  try {
    request = parseOptions(args, input.env, input.notText);
  } catch (error) {
    const code = fail(error);
    // The other side must not wait for ever: the record, termination message, quit requests.
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
  const { logLevel: level, logFormat: format } = config;
  const log = createLogger({ level, format });
  logDebuggerPort(log, debuggerPort);
  const rawCommand = rawArgs?.slice(args.length - config.command.length) ??
    null;
  try {
    return await run(config, { log, signals, rawCommand });
  } catch (error) {
    return fail(error);
  }
}

/** Says `error` in one line on stderr, `event`'s default (a crash) prevented. */
function fail(error: unknown, event?: Event): number {
  event?.preventDefault();
  const { message, code } = explainError(error);
  writeStderr(`guillotine: error: ${message}\n`);
  return code;
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
    const why = (error as Error).message;
    writeStderr(
      `guillotine: error: cannot write to standard output (${why}): check where it is redirected\n`,
    );
    return EXIT_USAGE;
  }
}

/** Says what became of the debugger's address; retakes it while taken. */
function logDebuggerPort(log: Logger, hold: DebuggerPortHold): void {
  const address = "127.0.0.1:9229";
  if (hold.held) {
    const says = "holding the debugger's address: SIGUSR1 opens no debugger";
    return log.debug(says, { address });
  }
  const fields = { address, reason: hold.reason };
  if (!hold.taken) {
    return log.warn(
      "cannot hold the debugger's address: a SIGUSR1 may open an unauthenticated debugger on it; grant --allow-net",
      fields,
    );
  }
  log.debug(
    "the debugger's address is taken or absent: no debugger can open there while it is; trying to hold it every 2 s",
    fields,
  );
  const retry = every(2_000, () => {
    if (!holdDebuggerPort().held) return;
    retry.stop();
    log.debug("holding the debugger's address now", { address });
  });
}

/**
 * The bytes exec gave, from /proc/self: the child gets its command byte for
 * byte, and what is not UTF-8 is an error, not Deno's U+FFFD or a lost variable.
 */
function readInput() {
  const args = Deno.args;
  const lossy = new TextDecoder();
  let rawArgs = rawArguments(args.length);
  // Trust the bytes only when they are what Deno decoded.
  if (rawArgs?.some((bytes, i) => lossy.decode(bytes) !== args[i])) {
    rawArgs = null;
  }
  const notText = {
    args: new Set(notTextIn(rawArgs ?? [])),
    env: new Set<string>(),
  };
  const environment = rawEnvironment() ?? [];
  for (const entry of notTextIn(environment).map((i) => environment[i])) {
    const equals = entry.indexOf(0x3d);
    if (equals > 0) notText.env.add(lossy.decode(entry.subarray(0, equals)));
  }
  return { args, env: Deno.env.toObject(), notText, rawArgs };
}

const strict = new TextDecoder("utf-8", { fatal: true });

/**
 * Which of `parts` are not UTF-8. The whole list, NUL-separated as exec laid
 * it out, is decoded first (a NUL ends no UTF-8 sequence, so the whole is
 * text when every part is): one call, not one per string.
 */
function notTextIn(parts: readonly Uint8Array[]): number[] {
  const isText = (bytes: Uint8Array) => {
    try {
      strict.decode(bytes);
      return true;
    } catch {
      return false;
    }
  };
  const whole = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.length + 1;
  }
  if (isText(whole)) return [];
  return parts.flatMap((part, i) => isText(part) ? [] : [i]);
}
