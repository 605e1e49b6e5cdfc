/**
 * What guillotine does on its way out, after the completion record, however
 * it ends: the termination message, then the quit requests. Also for its own
 * usage errors, with the settings that parsed despite them.
 *
 * @module
 */

import type { Settings } from "../options/config.ts";
import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { UsageError } from "../options/parse.ts";
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
 * After a usage error, does what the settings that still parsed allow (the
 * parser hands them back beside its error, {@linkcode UsageError}), each
 * part only when its own option parsed: the completion record (`--notify`,
 * with the error's code, so the sidecar does not wait for ever), the
 * termination message and the quit requests. The record is written
 * quietly (a failure is logged): the usage error stays the one line of a
 * mistake. Never throws.
 *
 * @param args The command line, for the record's `command`.
 * @param error What the parser threw.
 */
export async function afterUsageError(
  args: readonly string[],
  error: unknown,
): Promise<void> {
  const partial = error instanceof UsageError ? error.partial : {};
  const format = partial.logFormat ?? "text";
  const log = createLogger({ level: partial.logLevel ?? "info", format });
  const end = endOfError(error);
  if (partial.notify) {
    const { notify } = await import("./records.ts");
    await notify(
      partial.notify,
      { exitCode: end.exitCode, signal: null, reason: "error" },
      [...args],
      createLogger({ level: "warn", format }),
    );
  }
  const quitUrls = partial.quitUrls ?? [];
  const terminationLog = partial.terminationLog ?? null;
  if (quitUrls.length || terminationLog) {
    const settings = { ...fallbacks(), ...partial, quitUrls, terminationLog };
    await sayLastWords(settings, end, log);
  }
}

/** The fallbacks of the settings a usage error's message may mention. */
function fallbacks(): LastWordsSettings {
  const fallback = <K extends keyof LastWordsSettings>(key: K) =>
    OPTIONS.find((o) => o.key === key)!.fallback as LastWordsSettings[K];
  return {
    terminationLog: fallback("terminationLog"),
    quitUrls: fallback("quitUrls"),
    signal: fallback("signal"),
    exitCodeFromFile: fallback("exitCodeFromFile"),
    waitTimeoutMs: fallback("waitTimeoutMs"),
  };
}
