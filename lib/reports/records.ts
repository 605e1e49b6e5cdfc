/**
 * Completion records: written by the main container's `--notify` when its
 * child ends, read by a sidecar's `--exit-code-from-file`. One JSON object on
 * one line (format: lib/triggers/record_format.ts, docs/behaviour.md).
 * Loaded only when one of those options is given.
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import type { Logger } from "../log/logger.ts";
import { parentOf } from "../options/values/path.ts";
import { errnoName } from "../sys/errno.ts";
import { isDirectory, replaceFile } from "../sys/files.ts";
import {
  type CompletionRecord,
  readRecord,
  type RecordReason,
} from "../triggers/record_format.ts";

export {
  type CompletionRecord,
  parseRecord,
  type RecordReason,
} from "../triggers/record_format.ts";

/** What the outcome tells the record; `signal` by name, else null. */
export interface RecordFacts {
  exitCode: number;
  signal: string | null;
  reason: RecordReason;
}

/**
 * Writes a record atomically, so a reader that sees the file sees all of it,
 * at `path` (absolute, as the options made it), making its directories.
 */
export async function writeRecord(
  path: string,
  record: CompletionRecord,
): Promise<void> {
  // The temporary file is in the record's directory: a rename across file
  // systems fails.
  const dir = parentOf(path);
  await Deno.mkdir(dir, { recursive: true });
  const temporary = `${dir}/.${path.slice(dir.length + 1)}.${Deno.pid}.${
    Math.random().toString(36).slice(2)
  }.tmp`;
  const bytes = new TextEncoder().encode(`${JSON.stringify(record)}\n`);
  // 0644 whatever the umask: the sidecar may run as another user.
  const failure = replaceFile(path, temporary, bytes, 0o644);
  if (failure) throw new RecordError(failure.problem, failure.errno);
}

class RecordError extends Error {
  constructor(message: string, readonly errno: number | null) {
    super(message);
  }
}

/**
 * Refuses, before the child starts, a directory at the record's path (every
 * write would fail at the end): a GuillotineError (125) with the way out.
 */
export function checkRecordPath(path: string): void {
  if (isDirectory(path)) {
    throw new GuillotineError(
      `The completion record "${path}" is a directory: give --notify (or GUILLOTINE_NOTIFY_FILE) the path of a file in it, such as ${path}/done`,
      EXIT_USAGE,
    );
  }
}

/** Writes the completion record; a failure is logged, not fatal. */
export async function notify(
  path: string,
  facts: RecordFacts,
  command: string[],
  log: Logger,
): Promise<void> {
  const endedAt = new Date().toISOString();
  try {
    await writeRecord(path, { guillotine: 1, ...facts, endedAt, command });
    log.info("wrote completion record", {
      file: path,
      exit_code: facts.exitCode,
      reason: facts.reason,
    });
  } catch (error) {
    // The lease is released all the same: a free lease with no record is
    // what a sidecar takes for a lost main container, and so it is.
    const errno = error instanceof RecordError && error.errno !== null
      ? errnoName(error.errno)
      : null;
    log.error(
      "cannot write completion record: the sidecar will take this container as lost",
      { file: path, errno, error: (error as Error).message },
    );
  }
}

/**
 * The first non-zero exit code among the records of `files`, else 0; a file
 * that cannot be read or is not a record counts as `fallback`, with a warning.
 */
export function exitCodeFromRecords(
  files: readonly string[],
  fallback: number,
  log: Logger,
): number {
  const codes = files.map((file) => {
    const read = readRecord(file);
    if ("record" in read) {
      const { exitCode } = read.record;
      log.info("read completion record", { file, exit_code: exitCode });
      return exitCode;
    }
    if (read.read) {
      log.warn(
        `not a completion record (${read.problem}): using exit code ${fallback}`,
        { file },
      );
    } else {
      log.warn(`cannot read completion record: using exit code ${fallback}`, {
        file,
        error: read.problem,
      });
    }
    return fallback;
  });
  return codes.find((c) => c !== 0) ?? 0;
}
