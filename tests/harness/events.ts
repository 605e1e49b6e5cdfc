/**
 * guillotine's log as data: with `--log-format json` each line of its stderr
 * is one event, `{time, level, msg, ...fields}`. Behaviour tests read these
 * (the level, the fields, the exact message) rather than matching English
 * text with regular expressions.
 *
 * @module
 */

/** One line of guillotine's JSON log. */
export interface LogEvent {
  time: string;
  level: "error" | "warn" | "info" | "debug";
  msg: string;
  [field: string]: unknown;
}

/** What an event must hold: equal values for these keys, or a predicate. */
export type EventMatch = Partial<LogEvent> | ((event: LogEvent) => boolean);

/** The JSON events among `stderr`'s lines (other lines are skipped). */
export function eventsOf(stderr: string): LogEvent[] {
  const events: LogEvent[] = [];
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      events.push(JSON.parse(line));
    } catch {
      // A line cut short by the process's end.
    }
  }
  return events;
}

/** Whether `event` matches. */
export function matches(event: LogEvent, match: EventMatch): boolean {
  if (typeof match === "function") return match(event);
  return Object.entries(match).every(([key, value]) => event[key] === value);
}
