/**
 * The completion record's format, and the one way to read a record from the
 * shared volume. Here, below both sides, because the sidecar's lease watch
 * must tell a record from any other file at the record's path (a directory,
 * a FIFO), and lib/reports/records.ts (which writes records and reads their
 * exit codes) builds on it.
 *
 * @module
 */

import { readSharedFile } from "../sys/files.ts";

/** A record is one short line; a file larger than this is not one. */
export const MAX_RECORD_BYTES = 65536;

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

/** One completion record. */
export interface CompletionRecord {
  guillotine: 1;
  exitCode: number;
  signal: string | null;
  reason: RecordReason;
  endedAt: string;
  command: string[];
}

/** A record as read: its exit code at least. */
export type ParsedRecord =
  & Pick<CompletionRecord, "exitCode">
  & Partial<CompletionRecord>;

/**
 * Parses a record's text.
 *
 * @returns The record, or a reason why the text is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRecord } from "./record_format.ts";
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
): { record: ParsedRecord } | { problem: string } {
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
 * Reads and parses the record at `path` without ever blocking (see
 * {@linkcode readSharedFile}: a FIFO, a device, a directory or a symlink
 * there is refused by its open descriptor).
 *
 * @returns The record; or why there is none, with the errno if any, and
 *   `read` true when the file was read but is not a record.
 */
export function readRecord(
  path: string,
):
  | { record: ParsedRecord }
  | { problem: string; errno: number | null; read: boolean } {
  const file = readSharedFile(path, MAX_RECORD_BYTES);
  if ("problem" in file) return { ...file, read: false };
  const parsed = parseRecord(new TextDecoder().decode(file.bytes));
  return "record" in parsed
    ? parsed
    : { problem: parsed.problem, errno: null, read: true };
}
