/**
 * Completion records: what the main container's guillotine writes with
 * `--notify` when its child ends, and what a sidecar's guillotine reads with
 * `--exit-code-from-file`. Loaded only when one of those options is given.
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
 *   signal came before the child started), `spawn-failed` (126 or 127).
 * - `endedAt`: when, as an ISO 8601 time.
 * - `command`: the child's command.
 *
 * @module
 */

import { parentOf } from "./paths.ts";

/** Why the record was written. */
export type RecordReason =
  | "exited"
  | "killed"
  | "guillotined"
  | "not-started"
  | "wait-timeout"
  | "interrupted"
  | "spawn-failed";

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
 * @param path Where the record goes; missing parent directories are made.
 */
export async function writeRecord(
  path: string,
  record: CompletionRecord,
): Promise<void> {
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
 * Parses a record's text.
 *
 * @returns The record, or a reason why the text is not one.
 *
 * @example
 * ```ts
 * import { parseRecord } from "./notify.ts";
 * const parsed = parseRecord('{"guillotine":1,"exitCode":3}');
 * console.assert("record" in parsed && parsed.record.exitCode === 3);
 * console.assert("problem" in parseRecord(""));
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
