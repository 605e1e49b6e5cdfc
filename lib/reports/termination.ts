/**
 * Kubernetes' termination message: one line, why guillotine ended and its
 * code, appended to the termination log. The kubelet reads at most its last
 * 4096 bytes (less when a pod's containers together pass 12 KiB).
 */

import { type ChildStatus, shellCode } from "../pid1/child_status.ts";
import type { Settings } from "../options/config.ts";
import type { Logger } from "../log/logger.ts";
import type { Outcome } from "./outcome.ts";
import { formatDuration } from "../options/values/duration.ts";
import { signalName } from "../options/values/signal.ts";

/** The kubelet's limit for one container's message, in bytes. */
export const TERMINATION_MESSAGE_BYTES = 4096;

/** How guillotine ended: an outcome, or one of its own errors. */
export type End =
  | { outcome: Outcome; exitCode: number }
  | { error: string; exitCode: number };

/** The settings that a message mentions. */
export type EndSettings = Pick<
  Settings,
  "signal" | "exitCodeFromFile" | "waitTimeoutMs"
>;

function childEnd(status: ChildStatus): string {
  return status.signal === null
    ? `exited with ${shellCode(status)}`
    : `killed by ${signalName(status.signal)}`;
}

function why(outcome: Outcome, exitCode: number, settings: EndSettings) {
  switch (outcome.kind) {
    case "exited":
      return `child ${childEnd(outcome.status)}`;
    case "interrupted":
      return `${signalName(outcome.signal)} before the child started`;
    case "wait-timeout": {
      const waited = formatDuration(settings.waitTimeoutMs);
      return `gates not ready after ${waited}: ${outcome.notReady.join(", ")}`;
    }
  }
  const { trigger: { files, reason }, started, status, stopMs } = outcome;
  const { name, number } = settings.signal;
  const records = `record${files.length > 1 ? "s" : ""} ${files.join(", ")}`;
  const cause = settings.exitCodeFromFile && files.length
    ? `main container ended with ${exitCode} (${records})`
    : `guillotined: ${reason}`;
  if (!started) return `${cause}; child not started`;
  const sent = `${cause}; sent ${name}`;
  if (!status) return `${sent}; the child's processes outlived SIGKILL`;
  // As people read it: `12ms`, `0.3s`, `30.0s`.
  const after = stopMs === undefined
    ? ""
    : ` after ${
      stopMs < 100
        ? `${Math.round(stopMs)}ms`
        : `${(stopMs / 1000).toFixed(1)}s`
    }`;
  return status.signal === number
    ? `${cause}; child stopped by ${name}${after}`
    : `${sent}; child ${childEnd(status)}${after}`;
}

/** Cuts text to `limit` bytes of UTF-8 between characters, marked `...`. */
export function fitBytes(text: string, limit: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= limit) return text;
  let end = limit - 3;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // inside a character
  return `${new TextDecoder().decode(bytes.subarray(0, end))}...`;
}

/** The termination message: one line, at most 4096 bytes with its newline. */
export function terminationMessage(end: End, settings: EndSettings): string {
  const text = "error" in end
    ? `guillotine error: ${end.error}`
    : why(end.outcome, end.exitCode, settings);
  const line = `${text}; exit ${end.exitCode}`.replace(/[\r\n\t]+/g, " ");
  return fitBytes(line, TERMINATION_MESSAGE_BYTES - 1);
}

/**
 * Appends the message as a line of its own, only to a regular file that is
 * there (a FIFO's open for writing waits for a reader). Never throws.
 */
export async function writeTerminationLog(
  path: string,
  message: string,
  log: Logger,
): Promise<boolean> {
  // Nothing there: not in Kubernetes, or turned off.
  const found = await Deno.stat(path).catch(() => null);
  if (found && !found.isFile) {
    log.debug("termination log is not a regular file: not written", {
      file: path,
    });
  }
  if (!found?.isFile) return false;
  const fs = await import("node:fs");
  const { O_APPEND, O_NOCTTY, O_NONBLOCK, O_RDWR, O_WRONLY } = fs.constants;
  // O_NONBLOCK: should a FIFO replace the file after the stat, open fails
  // (ENXIO) or returns at once instead of waiting for a reader.
  const open = (mode: number) =>
    fs.openSync(path, O_APPEND | O_NONBLOCK | O_NOCTTY | mode);
  let fd: number | null = null;
  try {
    try {
      fd = open(O_RDWR);
    } catch (error) {
      if ((error as { code?: string }).code !== "EACCES") throw error;
      fd = open(O_WRONLY);
    }
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return false;
    // A newline first unless the file is empty or ends with one.
    let newline = stat.size > 0;
    try {
      const last = new Uint8Array(1);
      newline &&= fs.readSync(fd, last, 0, 1, stat.size - 1) !== 1 ||
        last[0] !== 0x0a;
    } catch { /* write-only */ }
    const line = `${newline ? "\n" : ""}${message}\n`;
    const bytes = new TextEncoder().encode(line);
    for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at);
    log.debug("wrote the termination message", { file: path });
    return true;
  } catch (error) {
    log.warn(
      fd === null
        ? "cannot open the termination log"
        : "cannot write the termination log",
      { file: path, error: (error as Error).message },
    );
    return false;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
