/**
 * guillotine's own log lines, on standard error, a few per lifetime. Each line
 * is written whole and at once, so it never interleaves inside the child's
 * output and is never lost when guillotine exits right after.
 *
 * @module
 */

/** How much to say, least first. */
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
/** One of {@linkcode LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];
/** `text` for people, `json` (one object a line) for log collectors. */
export const LOG_FORMATS = ["text", "json"] as const;
/** One of {@linkcode LOG_FORMATS}. */
export type LogFormat = typeof LOG_FORMATS[number];

/** Extra facts on a line: shown as `key=value` in text, as members in JSON. */
export type LogFields = Record<string, string | number | boolean | null>;

/** Writes lines at four levels. */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

/** What {@linkcode createLogger} needs; `write` and `now` are injectable for tests. */
export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  write?: (line: string) => void;
  now?: () => Date;
}

/**
 * Formats one log line without its newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatLine } from "./logger.ts";
 * const line = formatLine("text", "info", "child started", { pid: 7 }, new Date(0));
 * assert.equal(line, "guillotine: info: child started pid=7");
 * ```
 */
export function formatLine(
  format: LogFormat,
  level: LogLevel,
  message: string,
  fields: LogFields,
  time: Date,
): string {
  if (format === "json") {
    return JSON.stringify({
      time: time.toISOString(),
      level,
      msg: message,
      ...fields,
    });
  }
  const extra = Object.entries(fields).map(([key, value]) =>
    ` ${key}=${
      typeof value === "string" && /[\s"=]/.test(value)
        ? JSON.stringify(value)
        : value
    }`
  ).join("");
  return `guillotine: ${level}: ${message}${extra}`;
}

/**
 * Writes a whole string to standard error synchronously, so that nothing is
 * lost to an exit that follows.
 */
export function writeStderr(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  try {
    while (offset < bytes.length) {
      offset += Deno.stderr.writeSync(bytes.subarray(offset));
    }
  } catch {
    // A closed stderr must not take the supervisor down with it.
  }
}

/**
 * Creates a logger that drops lines below its level.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLogger } from "./logger.ts";
 * const lines: string[] = [];
 * const log = createLogger({ level: "warn", format: "text", write: (l) => lines.push(l) });
 * log.info("hidden");
 * log.warn("shown");
 * assert.equal(lines.length, 1);
 * ```
 */
export function createLogger(options: LoggerOptions): Logger {
  const limit = LOG_LEVELS.indexOf(options.level);
  const write = options.write ?? ((line: string) => writeStderr(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const at = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(level) <= limit) {
      write(formatLine(options.format, level, message, fields, now()));
    }
  };
  return {
    error: at("error"),
    warn: at("warn"),
    info: at("info"),
    debug: at("debug"),
  };
}
