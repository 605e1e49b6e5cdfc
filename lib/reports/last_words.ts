/**
 * guillotine's way out, the same for every end: the completion record, the
 * lease released (a sidecar that sees it free sees the record too), the
 * termination message, the quit requests.
 */

import type { Settings } from "../options/config.ts";
import { explainError } from "../runtime/errors.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { UsageError } from "../options/parse.ts";
import { OPTIONS } from "../options/table.ts";
import type { RecordFacts } from "./records.ts";
import * as termination from "./termination.ts";

type LastWordsSettings =
  & termination.EndSettings
  & Pick<Settings, "terminationLog" | "quitUrls">;

/** The end that an error thrown by the supervisor stands for. */
export function endOfError(error: unknown): termination.End {
  const { message, code } = explainError(error);
  return { error: message, exitCode: code };
}

/** How guillotine ends: the record (absolute path, or null), lease, end. */
export interface Ending {
  record: string | null;
  facts: RecordFacts;
  command: readonly string[];
  lease: { release(): void } | null;
  end: termination.End;
}

/**
 * Goes out; never throws: the exit code is decided. `recordLog` takes the
 * record's line (quieter after a usage error, which stays one line).
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
  ending.lease?.release();
  const { terminationLog, quitUrls } = settings;
  try {
    if (terminationLog) {
      const message = termination.terminationMessage(ending.end, settings);
      await termination.writeTerminationLog(terminationLog, message, log);
    }
    if (quitUrls.length) {
      const { sendQuitRequests } = await import("./quit_urls.ts");
      await sendQuitRequests(quitUrls, log);
    }
  } catch (error) {
    log.error("cannot finish the last words", {
      error: String((error as Error)?.message ?? error),
    });
  }
}

/**
 * After a usage error, goes out as far as the settings that still parsed
 * allow: a record with the error's code, so a sidecar does not wait for ever.
 */
export async function afterUsageError(
  args: readonly string[],
  error: unknown,
): Promise<void> {
  const partial = error instanceof UsageError ? error.partial : {};
  const format = partial.logFormat ?? "text";
  const log = createLogger({ level: partial.logLevel ?? "info", format });
  const fallback = <K extends keyof LastWordsSettings>(key: K) =>
    partial[key] ??
      OPTIONS.find((o) => o.key === key)!.fallback as LastWordsSettings[K];
  const end = endOfError(error);
  const settings = {
    terminationLog: partial.terminationLog ?? null,
    quitUrls: partial.quitUrls ?? [],
    signal: fallback("signal"),
    exitCodeFromFile: fallback("exitCodeFromFile"),
    waitTimeoutMs: fallback("waitTimeoutMs"),
  };
  await finish(
    settings,
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
