/**
 * Completion records: what the main container's guillotine writes with
 * `--notify` when its child ends, and what a sidecar's guillotine reads with
 * `--exit-code-from-file`, with the policy for files that are not records.
 * Loaded only when one of those options is given.
 *
 * The record is one JSON object on one line, for example:
 *
 * ```json
 * {"guillotine":1,"exitCode":3,"signal":null,"reason":"exited","endedAt":"2026-11-28T12:00:00.000Z","command":["psql","-c","insert ..."]}
 * ```
 *
 * - `guillotine`: the record format's version, 1.
 * - `exitCode`: the code the main container's guillotine exits with.
 * - `signal`: the signal that killed the child (`SIGTERM`), else null.
 * - `reason`: `exited`, `killed` (by a signal), `guillotined` (its own
 *   trigger ended it), `not-started` (its trigger came first),
 *   `wait-timeout` (a `--wait-for` gate was not ready), `interrupted` (a
 *   signal came before the child started), `spawn-failed` (126 or 127),
 *   `error` (guillotine's own error, such as a wrong option: 125).
 * - `endedAt`: when, as an ISO 8601 time.
 * - `command`: the child's command.
 *
 * @module
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import type { Logger } from "../log/logger.ts";
import { parentOf } from "../options/values/path.ts";
import { errnoName } from "../sys/errno.ts";
import { removeFile, renameFile, writeNewFile } from "../sys/files.ts";
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

/** What the outcome tells the record. */
export interface RecordFacts {
  exitCode: number;
  /** The signal that killed the child, by name, else null. */
  signal: string | null;
  reason: RecordReason;
}

/**
 * Writes a record atomically: a temporary file in the same directory,
 * flushed to disk, then renamed into place, so a reader that sees the file
 * sees all of it.
 *
 * @param path Where the record goes: absolute (the options resolve it);
 *   missing parent directories are made.
 */
export async function writeRecord(
  path: string,
  record: CompletionRecord,
): Promise<void> {
  // The temporary file must be in the record's directory (a rename across
  // file systems fails): `path` is absolute, as the options made it.
  const dir = parentOf(path);
  await Deno.mkdir(dir, { recursive: true });
  const temporary = `${dir}/.${path.slice(dir.length + 1)}.${Deno.pid}.${
    Math.random().toString(36).slice(2)
  }.tmp`;
  const bytes = new TextEncoder().encode(`${JSON.stringify(record)}\n`);
  // 0644 whatever the umask: the sidecar may run as another user.
  const failure = writeNewFile(temporary, bytes, 0o644) ??
    renameFile(temporary, path);
  if (failure) {
    removeFile(temporary);
    throw new RecordError(failure.problem, failure.errno);
  }
}

/** Why a record could not be written, with the errno when there is one. */
class RecordError extends Error {
  constructor(message: string, readonly errno: number | null) {
    super(message);
  }
}

/**
 * Checks, before the child starts, that a record can be written at `path`
 * (absolute): a directory there would make every write fail at the end.
 *
 * @throws {GuillotineError} (125) Naming the option and the way out.
 */
export function checkRecordPath(path: string): void {
  let isDirectory = false;
  try {
    isDirectory = Deno.statSync(path).isDirectory;
  } catch { /* not there yet: it will be made */ }
  if (isDirectory) {
    throw new GuillotineError(
      `The completion record "${path}" is a directory: give --notify (or GUILLOTINE_NOTIFY_FILE) the path of a file in it, such as ${path}/done`,
      EXIT_USAGE,
    );
  }
}

/**
 * Writes the completion record for a run's end; a failure is logged, not
 * fatal, so guillotine still exits with its code.
 */
export async function notify(
  path: string,
  facts: RecordFacts,
  command: string[],
  log: Logger,
): Promise<void> {
  const record: CompletionRecord = {
    guillotine: 1,
    ...facts,
    endedAt: new Date().toISOString(),
    command,
  };
  try {
    await writeRecord(path, record);
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
 * The exit code that the records of the watched files give: the first
 * non-zero code among them, else 0. A file that cannot be read or is not a
 * record counts as `fallback`, with a warning.
 */
export function exitCodeFromRecords(
  files: readonly string[],
  fallback: number,
  log: Logger,
): number {
  const codes: number[] = [];
  for (const file of files) {
    const read = readRecord(file);
    if ("record" in read) {
      log.info("read completion record", {
        file,
        exit_code: read.record.exitCode,
      });
      codes.push(read.record.exitCode);
    } else if (read.read) {
      log.warn(
        `not a completion record (${read.problem}): using exit code ${fallback}`,
        { file },
      );
      codes.push(fallback);
    } else {
      log.warn(`cannot read completion record: using exit code ${fallback}`, {
        file,
        error: read.problem,
      });
      codes.push(fallback);
    }
  }
  return codes.find((c) => c !== 0) ?? 0;
}
