/**
 * The completion record's format, and the one way to read one: for the lease
 * watch, which must tell a record from any other file, and reports/records.ts.
 * @module
 */

import { readSharedFile } from "../sys/files.ts";

const MAX_RECORD_BYTES = 65536; // a record is one short line: larger, none

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
export type ParsedRecord = Partial<CompletionRecord> & { exitCode: number };

/** Parses a record's text, or says why it is none. */
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
  const code = (value as { exitCode?: number }).exitCode ?? -1;
  if (!Number.isInteger(code) || code < 0 || code > 255) {
    return { problem: "it has no exitCode from 0 to 255" };
  }
  return { record: value as CompletionRecord };
}

/** Reads a record, never blocking (no FIFO); `read`: read, but no record. */
export function readRecord(
  path: string,
):
  | { record: ParsedRecord }
  | { problem: string; errno: number | null; read: boolean } {
  const file = readSharedFile(path, MAX_RECORD_BYTES);
  if ("problem" in file) return { ...file, read: false };
  const parsed = parseRecord(new TextDecoder().decode(file.bytes));
  return "record" in parsed ? parsed : { ...parsed, errno: null, read: true };
}
