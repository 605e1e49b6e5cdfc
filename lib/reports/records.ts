/**
 * Completion records (lib/triggers/record_format.ts): written by `--notify`,
 * read by `--exit-code-from-file`. Loaded only with one of those options.
 */

import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import type { Logger } from "../log/logger.ts";
import { parentOf } from "../options/values/path.ts";
import { errnoName } from "../sys/errno.ts";
import { isDirectory, replaceFile } from "../sys/files.ts";
import {
  type CompletionRecord,
  readRecord,
} from "../triggers/record_format.ts";

export { parseRecord } from "../triggers/record_format.ts";
export type { RecordReason } from "../triggers/record_format.ts";
export type { CompletionRecord };

export type RecordFacts = Pick<
  CompletionRecord,
  "exitCode" | "signal" | "reason"
>;

/** Writes a record atomically, making its directories; throws with `errno`. */
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

/** Refuses, before the child starts, a directory at the record's path. */
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

/** The first non-zero exit code in `files`' records (a bad one: `fallback`). */
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
    const [why, fields] = read.read
      ? [`not a completion record (${read.problem})`, { file }]
      : ["cannot read completion record", { file, error: read.problem }];
    log.warn(`${why}: using exit code ${fallback}`, fields);
    return fallback;
  });
  return codes.find((c) => c !== 0) ?? 0;
}
