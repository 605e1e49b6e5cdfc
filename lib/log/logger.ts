/**
 * guillotine's own log lines on standard error, a few per lifetime. Each is
 * written whole and synchronously: it never interleaves inside the child's
 * output and is not lost when guillotine exits right after.
 */

/** How much to say, least first. */
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = typeof LOG_LEVELS[number];
/** `text` for people, `json` (one object a line) for log collectors. */
export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = typeof LOG_FORMATS[number];

/** Extra facts on a line: shown as `key=value` in text, as members in JSON. */
export type LogFields = Record<string, string | number | boolean | null>;
type Write = (message: string, fields?: LogFields) => void;
export type Logger = Record<LogLevel, Write>;

/** A logger whose every level writes through `at(level)`. */
export function leveled(at: (level: LogLevel) => Write): Logger {
  return Object.fromEntries(LOG_LEVELS.map((l) => [l, at(l)])) as Logger;
}

/**
 * One log line, without its newline. `time` is asked only for JSON: text
 * lines carry none, and a process's first Date costs 1.3 ms here (measured),
 * before the child starts.
 */
export function formatLine(
  format: LogFormat,
  level: LogLevel,
  message: string,
  fields: LogFields,
  time: () => Date,
): string {
  if (format === "json") {
    return JSON.stringify({
      time: time().toISOString(),
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

/** Writes all of `text` to standard error synchronously. */
export function writeStderr(text: string): void {
  const bytes = new TextEncoder().encode(text);
  try {
    for (let offset = 0; offset < bytes.length;) {
      offset += Deno.stderr.writeSync(bytes.subarray(offset));
    }
  } catch {
    // A closed stderr must not take the supervisor down with it.
  }
}

/** A logger that drops lines below `level`; `write` and `now` are for tests. */
export function createLogger({ level, format, write, now }: {
  level: LogLevel;
  format: LogFormat;
  write?: (line: string) => void;
  now?: () => Date;
}): Logger {
  const limit = LOG_LEVELS.indexOf(level);
  write ??= (line) => writeStderr(`${line}\n`);
  return leveled((at) => (message, fields = {}) => {
    if (LOG_LEVELS.indexOf(at) > limit) return;
    write(formatLine(format, at, message, fields, now ?? (() => new Date())));
  });
}
