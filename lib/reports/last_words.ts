/**
 * guillotine's way out, the same for every end (the child's, an error while
 * running, a usage error): the completion record, then the lease released
 * (so that a sidecar that sees the lease free sees the record too), then
 * the termination message, then the quit requests.
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
import type { RecordFacts } from "./records.ts";

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

/** How guillotine ends, for {@linkcode finish}. */
export interface Ending {
  /** Where to write the completion record (absolute), or null for none. */
  record: string | null;
  /** What the record says. */
  facts: RecordFacts;
  /** The record's `command`. */
  command: readonly string[];
  /** The lease held on the record, released once the record is written. */
  lease: { release(): void } | null;
  /** What the termination message says. */
  end: End;
}

/**
 * Goes out: writes the record, releases the lease, says the last words.
 * Never throws: the exit code is already decided.
 *
 * @param recordLog Where the record's own line goes (a usage error keeps
 *   its one line: a quieter logger).
 */
export async function finish(
  settings: LastWordsSettings,
  ending: Ending,
  log: Logger,
  recordLog: Logger = log,
): Promise<void> {
  if (ending.record) {
    const { notify } = await import("./records.ts");
    await notify(ending.record, ending.facts, [...ending.command], recordLog);
  }
  // After the record: a sidecar that sees the lease free sees the record too.
  ending.lease?.release();
  await sayLastWords(settings, ending.end, log);
}

/**
 * Writes the termination message, then sends the quit requests (bounded in
 * time). Never throws: the exit code is already decided.
 */
async function sayLastWords(
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
  await finish(
    {
      ...fallbacks(),
      ...partial,
      quitUrls: partial.quitUrls ?? [],
      terminationLog: partial.terminationLog ?? null,
    },
    {
      record: partial.notify ?? null,
      facts: { exitCode: end.exitCode, signal: null, reason: "error" },
      command: args,
      lease: null,
      end,
    },
    log,
    createLogger({ level: "warn", format }),
  );
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
