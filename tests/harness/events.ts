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

/** The events that match, in order. */
export function eventsLike(events: LogEvent[], match: EventMatch): LogEvent[] {
  return events.filter((event) => matches(event, match));
}

/** The first event that matches; throws, with `why` or the events, if none. */
export function findEvent(
  events: LogEvent[],
  match: EventMatch,
  why?: string,
): LogEvent {
  const found = events.find((event) => matches(event, match));
  if (found) return found;
  throw new Error(
    `no event like ${describeMatch(match)}: ${why ?? JSON.stringify(events)}`,
  );
}

/** Throws, with `why` or the events, if any event matches. */
export function noEvent(
  events: LogEvent[],
  match: EventMatch,
  why?: string,
): void {
  const found = events.find((event) => matches(event, match));
  if (!found) return;
  throw new Error(
    `unexpected event ${JSON.stringify(found)}: ${
      why ?? JSON.stringify(events)
    }`,
  );
}

/** A match as text, for messages. */
export function describeMatch(match: EventMatch): string {
  return typeof match === "function" ? match.toString() : JSON.stringify(match);
}

/**
 * The trigger's event, whatever fired it: its msg is this prefix and the
 * trigger's reason (a path, a request), so "never guillotined" checks read
 * the prefix; checks that one fired name the whole msg.
 */
export function guillotining(event: LogEvent): boolean {
  return event.msg.startsWith("guillotining the child: ");
}
