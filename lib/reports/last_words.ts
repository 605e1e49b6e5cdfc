/**
 * What guillotine does on its way out, after the completion record, however
 * it ends: the termination message, then the quit requests. Also for its own
 * usage errors, as far as the command line can still be read.
 *
 * @module
 */

import type { Settings } from "../options/config.ts";
import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { optionValue } from "../options/parse.ts";
import { OPTIONS } from "../options/table.ts";
import {
  type End,
  terminationMessage,
  writeTerminationLog,
} from "./termination.ts";

/** The settings that the last words use. */
export type LastWordsSettings = Pick<
  Settings,
  | "terminationLog"
  | "quitUrls"
  | "signal"
  | "exitCodeFromFile"
  | "waitTimeoutMs"
>;

/**
 * The end that an error thrown by the supervisor stands for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuillotineError } from "../runtime/errors.ts";
 * import { endOfError } from "./last_words.ts";
 *
 * assert.deepEqual(endOfError(new GuillotineError("Command \"x\" not found", 127)), {
 *   error: "Command \"x\" not found",
 *   exitCode: 127,
 * });
 * assert.equal(endOfError(new Error("boom")).exitCode, 125);
 * ```
 */
export function endOfError(error: unknown): End {
  return error instanceof GuillotineError
    ? { error: error.message, exitCode: error.exitCode }
    : {
      error: `internal error: ${(error as Error)?.message ?? error}`,
      exitCode: EXIT_USAGE,
    };
}

/**
 * Writes the termination message, then sends the quit requests (bounded in
 * time). Never throws: the exit code is already decided.
 */
export async function sayLastWords(
  settings: LastWordsSettings,
  end: End,
  log: Logger,
): Promise<void> {
  try {
    if (settings.terminationLog) {
      const message = terminationMessage(end, settings);
      await writeTerminationLog(settings.terminationLog, message, log);
    }
    if (settings.quitUrls.length) {
      const { sendQuitRequests } = await import("./quit_urls.ts");
      await sendQuitRequests(settings.quitUrls, log);
    }
  } catch (error) {
    log.error("cannot finish the last words", {
      error: String((error as Error)?.message ?? error),
    });
  }
}

/**
 * The values of `flag` on a command line that did not parse, read the way
 * the parser reads them; an unknown option counts as one without a value.
 */
function flagValues(args: readonly string[], flag: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--" || !arg.startsWith("-") || arg === "-") break;
    const equals = arg.indexOf("=");
    const name = arg.startsWith("--") && equals > 0
      ? arg.slice(0, equals)
      : arg;
    const takesValue = OPTIONS.some((o) =>
      o.flag === name && o.placeholder !== null
    );
    let value: string | undefined;
    if (name !== arg) value = arg.slice(equals + 1);
    else if (takesValue) value = args[++i];
    if (name === flag && value !== undefined) values.push(value);
  }
  return values;
}

/** One option's value from a command line that did not parse, or null. */
function salvage<K extends keyof Settings>(
  key: K,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Settings[K] | null {
  const flag = OPTIONS.find((o) => o.key === key)?.flag;
  if (flag === undefined) return null;
  try {
    return optionValue(key, flagValues(args, flag), env);
  } catch {
    return null; // This option is what did not parse.
  }
}

/**
 * After a usage error, does what the command line still allows, each part
 * only when its own option parses: the completion record (`--notify`, with
 * the error's code, so the sidecar does not wait for ever), the termination
 * message and the quit requests. Never throws.
 */
export async function afterUsageError(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  error: unknown,
): Promise<void> {
  const log = createLogger({ level: "info", format: "text" });
  const end = endOfError(error);
  const notify = salvage("notify", args, env);
  if (notify) {
    const { notify: write } = await import("./records.ts");
    await write(
      notify,
      {
        exitCode: end.exitCode,
        signal: null,
        reason: "error",
      },
      [...args],
      log,
    );
  }
  const quitUrls = salvage("quitUrls", args, env) ?? [];
  const terminationLog = salvage("terminationLog", args, env);
  if (quitUrls.length || terminationLog) {
    await sayLastWords({ ...fallbacks(), quitUrls, terminationLog }, end, log);
  }
}

/** The fallbacks of the settings a usage error's message may mention. */
function fallbacks(): LastWordsSettings {
  const fallback = <K extends keyof Settings>(key: K) =>
    optionValue(key, [], {});
  return {
    terminationLog: fallback("terminationLog"),
    quitUrls: fallback("quitUrls"),
    signal: fallback("signal"),
    exitCodeFromFile: fallback("exitCodeFromFile"),
    waitTimeoutMs: fallback("waitTimeoutMs"),
  };
}
