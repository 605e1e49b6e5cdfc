/**
 * Completion records: written by the main container's `--notify` when its
 * child ends, read by a sidecar's `--exit-code-from-file` (the format:
 * lib/triggers/record_format.ts). Loaded only with one of those options.
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

export { parseRecord } from "../triggers/record_format.ts";
export type { CompletionRecord, RecordReason };

/** What the outcome tells the record. */
export type RecordFacts = Pick<
  CompletionRecord,
  "exitCode" | "signal" | "reason"
>;

/**
 * Writes a record at `path` (absolute, as the options made it; its
 * directories are made) atomically: a reader that sees it sees all of it.
 * Throws an Error with the errno, if any, as `errno`.
 */
export async function writeRecord(
  path: string,
  record: CompletionRecord,
): Promise<void> {
  // In the record's directory: a rename across file systems fails.
  const dir = parentOf(path);
  await Deno.mkdir(dir, { recursive: true });
  const name = path.slice(dir.length + 1);
  const random = Math.random().toString(36).slice(2);
  const temporary = `${dir}/.${name}.${Deno.pid}.${random}.tmp`;
  const bytes = new TextEncoder().encode(`${JSON.stringify(record)}\n`);
  // 0644 whatever the umask: the sidecar may run as another user.
  const failure = replaceFile(path, temporary, bytes, 0o644);
  if (failure) {
    throw Object.assign(new Error(failure.problem), { errno: failure.errno });
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
  try {
    const endedAt = new Date().toISOString();
    await writeRecord(path, { guillotine: 1, ...facts, endedAt, command });
    log.info("wrote completion record", {
      file: path,
      exit_code: facts.exitCode,
      reason: facts.reason,
    });
  } catch (error) {
    // The lease is released all the same: a free lease with no record is
    // what a sidecar takes for a lost main container, and so it is.
    const code = (error as { errno?: number | null }).errno;
    const errno = typeof code === "number" ? errnoName(code) : null;
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
    const use = `using exit code ${fallback}`;
    if (read.read) {
      log.warn(`not a completion record (${read.problem}): ${use}`, { file });
    } else {
      log.warn(`cannot read completion record: ${use}`, {
        file,
        error: read.problem,
      });
    }
    return fallback;
  });
  return codes.find((c) => c !== 0) ?? 0;
}
