/**
 * A logger whose lines a test can read.
 *
 * @module
 */

import { createLogger, type Logger } from "../../lib/log/logger.ts";

/** A debug-level text logger that keeps its lines. */
export function recordingLogger(): { lines: string[]; log: Logger } {
  const lines: string[] = [];
  const log = createLogger({
    level: "debug",
    format: "text",
    write: (line) => lines.push(line),
  });
  return { lines, log };
}
