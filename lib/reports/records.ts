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
import { absolutePath, parentOf } from "../options/values/path.ts";

/** A record is one short line; a file larger than this is not one. */
const MAX_RECORD_BYTES = 65536;

/**
 * Reads a file that should be a record without ever blocking: a FIFO (whose
 * open would wait for a writer), a device or a directory is refused before it
 * is opened, and at most {@linkcode MAX_RECORD_BYTES} are read.
 *
 * @throws {Error} Saying why the file cannot be a record.
 */
export async function readRecordFile(file: string): Promise<string> {
  const info = await Deno.stat(file);
  if (!info.isFile) {
    throw new Error("it is not a regular file (a directory, FIFO or device)");
  }
  const handle = await Deno.open(file, { read: true });
  try {
    const buffer = new Uint8Array(MAX_RECORD_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = await handle.read(buffer.subarray(length));
      if (n === null) break;
      length += n;
      if (length > MAX_RECORD_BYTES) {
        throw new Error(`it is larger than ${MAX_RECORD_BYTES} bytes`);
      }
    }
    return new TextDecoder().decode(buffer.subarray(0, length));
  } finally {
    handle.close();
  }
}

/** Why the record was written. */
export type RecordReason =
  | "exited"
  | "killed"
  | "guillotined"
  | "not-started"
  | "wait-timeout"
  | "interrupted"
  | "spawn-failed"
  | "error";

/** What the outcome tells the record. */
export interface RecordFacts {
  exitCode: number;
  /** The signal that killed the child, by name, else null. */
  signal: string | null;
  reason: RecordReason;
}

/** One completion record. */
export interface CompletionRecord {
  guillotine: 1;
  exitCode: number;
  signal: string | null;
  reason: RecordReason;
  endedAt: string;
  command: string[];
}

/**
 * Writes a record atomically: a temporary file in the same directory,
 * flushed to disk, then renamed into place, so a reader that sees the file
 * sees all of it.
 *
 * @param path Where the record goes, from the working directory when
 *   relative; missing parent directories are made.
 */
export async function writeRecord(
  path: string,
  record: CompletionRecord,
): Promise<void> {
  // The temporary file must be in the record's directory: a rename across
  // file systems fails.
  path = absolutePath(path, Deno.cwd());
  const dir = parentOf(path);
  await Deno.mkdir(dir, { recursive: true });
  const temporary = `${dir}/.${path.slice(dir.length + 1)}.${Deno.pid}.${
    Math.random().toString(36).slice(2)
  }.tmp`;
  const file = await Deno.open(temporary, {
    write: true,
    createNew: true,
    mode: 0o644,
  });
  try {
    const bytes = new TextEncoder().encode(`${JSON.stringify(record)}\n`);
    for (let offset = 0; offset < bytes.length;) {
      offset += await file.write(bytes.subarray(offset));
    }
    await file.sync();
  } finally {
    file.close();
  }
  try {
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
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
 * Parses a record's text.
 *
 * @returns The record, or a reason why the text is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRecord } from "./records.ts";
 *
 * const parsed = parseRecord('{"guillotine":1,"exitCode":3}');
 * assert("record" in parsed && parsed.record.exitCode === 3);
 * assert.deepEqual(parseRecord(""), {
 *   problem: "the file is empty (made by touch?)",
 * });
 * ```
 */
export function parseRecord(
  text: string,
):
  | { record: Pick<CompletionRecord, "exitCode"> & Partial<CompletionRecord> }
  | {
    problem: string;
  } {
  if (text.trim() === "") {
    return { problem: "the file is empty (made by touch?)" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: "it is not JSON" };
  }
  if (typeof value !== "object" || value === null) {
    return { problem: "it is not a JSON object" };
  }
  const code = (value as { exitCode?: unknown }).exitCode;
  if (
    typeof code !== "number" || !Number.isInteger(code) || code < 0 ||
    code > 255
  ) {
    return { problem: "it has no exitCode from 0 to 255" };
  }
  return { record: value as CompletionRecord };
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
    log.error("cannot write completion record", {
      file: path,
      error: (error as Error).message,
    });
  }
}

/**
 * The exit code that the records of the watched files give: the first
 * non-zero code among them, else 0. A file that cannot be read or is not a
 * record counts as `fallback`, with a warning.
 */
export async function exitCodeFromRecords(
  files: readonly string[],
  fallback: number,
  log: Logger,
): Promise<number> {
  const codes: number[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readRecordFile(file);
    } catch (error) {
      log.warn(`cannot read completion record: using exit code ${fallback}`, {
        file,
        error: (error as Error).message,
      });
      codes.push(fallback);
      continue;
    }
    const parsed = parseRecord(text);
    if ("problem" in parsed) {
      log.warn(
        `not a completion record (${parsed.problem}): using exit code ${fallback}`,
        { file },
      );
      codes.push(fallback);
    } else {
      log.info("read completion record", {
        file,
        exit_code: parsed.record.exitCode,
      });
      codes.push(parsed.record.exitCode);
    }
  }
  return codes.find((c) => c !== 0) ?? 0;
}
