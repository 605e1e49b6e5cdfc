/**
 * Every option, declared once: its flag, its environment twin, its
 * placeholder, its help, its default (a value), its parser, and whether it
 * repeats. Parsing (`parse.ts`), `--help` and the README's table
 * (`help.ts`) and the start-up log line (`log/describe_config.ts`) are all
 * made from this table.
 *
 * @module
 */

import type { Settings } from "../config.ts";
import {
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
} from "../log/logger.ts";
import { parseChoice, parseExitCode, parseSwitch } from "../values/choice.ts";
import { formatDuration, parseDuration } from "../values/duration.ts";
import { type GateSpec, parseGateSpec } from "../values/gate_spec.ts";
import { type HostPort, parseListenAddress } from "../values/host_port.ts";
import { parseSignal } from "../values/signal.ts";

/** One element of a list setting, or the setting itself. */
type Item<T> = T extends readonly (infer E)[] ? E : T;

/** One option, whose value becomes `Settings[K]`. */
export interface OptionSpec<K extends keyof Settings> {
  key: K;
  flag: `--${string}`;
  /** The environment twin. */
  env: string;
  /** Older names of the variable, read when `env` is not set. */
  envAliases?: readonly string[];
  /** What the value looks like in the usage; null for a switch. */
  placeholder: string | null;
  help: string;
  /** The value when neither the flag nor the variable is given. */
  fallback: Settings[K];
  /** The value as guillotine shows it: in `--help`, the README, the log. */
  show: (value: Settings[K]) => string;
  /** Parses one value (one item of a list); throws RangeError. */
  parse: (text: string) => Item<Settings[K]>;
  /**
   * For a list: the flag repeats, and the variable holds items split by
   * `separator` (or one item when null).
   */
  list?: { separator: string | null };
}

/** Any entry of the table. */
export type AnyOption = {
  [K in keyof Settings]: OptionSpec<K>;
}[keyof Settings];

/** Options that do something instead of running. */
export const ACTIONS = [
  { flag: "--help", short: "-h", help: "show this help and exit" },
  { flag: "--version", short: "-V", help: "show the version and exit" },
] as const;

const duration = (ms: number) => formatDuration(ms);
const list = <T>(show: (item: T) => string) => (items: readonly T[]) =>
  items.length ? items.map(show).join(",") : "none";
const word = <T extends string>(value: T) => value;
const switchOf = (on: boolean) => on ? "on" : "off";

/** The original tool's variable, which messages point at. */
export const WATCHED_FILE_ENV = "GUILLOTINE_WATCHED_FILE";

/** The options, in the order `--help` shows them. */
export const OPTIONS: readonly AnyOption[] = [
  {
    key: "watch",
    flag: "--watch",
    env: WATCHED_FILE_ENV,
    placeholder: "PATH",
    help:
      "a file whose appearance means the main work is done; relative paths are taken from the working directory (repeatable; the variable holds one path)",
    fallback: [],
    show: list((path: string) => path),
    parse: (text) => {
      if (text.trim() === "") {
        throw new RangeError(
          "Watched file path is empty: give --watch a path such as /share/done",
        );
      }
      return text;
    },
    list: { separator: null },
  },
  {
    key: "watchMode",
    flag: "--watch-mode",
    env: "GUILLOTINE_WATCH_MODE",
    placeholder: "all|any",
    help:
      "with several files, fire when all exist (every main container is done) or on the first; a file once seen stays counted",
    fallback: "all",
    show: word,
    parse: (text) => parseChoice("watch mode", text, ["all", "any"] as const),
  },
  {
    key: "watchMethod",
    flag: "--watch-method",
    env: "GUILLOTINE_WATCH_METHOD",
    placeholder: "events|poll",
    help: "file events (inotify) with the poll beside them, or the poll alone",
    fallback: "events",
    show: word,
    parse: (text) =>
      parseChoice("watch method", text, ["events", "poll"] as const),
  },
  {
    key: "pollIntervalMs",
    flag: "--poll-interval",
    env: "GUILLOTINE_POLL_INTERVAL",
    envAliases: ["GUILLOTINE_INTERVAL"],
    placeholder: "DURATION",
    help:
      "the safety-net check beside file events; 0 turns it off (not with --watch-method poll); GUILLOTINE_INTERVAL, the original's, is an alias",
    fallback: 1000,
    show: duration,
    parse: parseDuration,
  },
  {
    key: "signal",
    flag: "--signal",
    env: "GUILLOTINE_SIGNAL",
    placeholder: "NAME|NUMBER",
    help:
      "sent to the child's process group on trigger (TERM, sigterm and 15 all work)",
    fallback: { name: "SIGTERM", number: 15 },
    show: (signal) => signal.name,
    parse: parseSignal,
  },
  {
    key: "gracePeriodMs",
    flag: "--grace-period",
    env: "GUILLOTINE_GRACE_PERIOD",
    placeholder: "DURATION",
    help:
      "how long the child's group has after the signal; then SIGKILL to the group",
    fallback: 30_000,
    show: duration,
    parse: parseDuration,
  },
  {
    key: "exitCode",
    flag: "--exit-code",
    env: "GUILLOTINE_EXIT_CODE",
    placeholder: "N",
    help: "guillotine's exit code after a trigger, whatever the child returned",
    fallback: 0,
    show: String,
    parse: parseExitCode,
  },
  {
    key: "successExitCodes",
    flag: "--success-exit-code",
    env: "GUILLOTINE_SUCCESS_EXIT_CODES",
    placeholder: "N",
    help:
      "a child exit code that counts as 0 when the child ends without a trigger; 128+n counts too, so 143 covers a proxy killed by a forwarded SIGTERM (repeatable; the variable is comma-separated)",
    fallback: [],
    show: list(String),
    parse: parseExitCode,
    list: { separator: "," },
  },
  {
    key: "notify",
    flag: "--notify",
    env: "GUILLOTINE_NOTIFY_FILE",
    placeholder: "PATH",
    help:
      "for the main container: when the child ends, for any reason, write the completion record to PATH",
    fallback: null,
    show: (path) => path ?? "none",
    parse: (text) => text,
  },
  {
    key: "exitCodeFromFile",
    flag: "--exit-code-from-file",
    env: "GUILLOTINE_EXIT_CODE_FROM_FILE",
    placeholder: null,
    help:
      "after a file trigger, exit with the code in the record (the first non-zero one among several files) instead of --exit-code; a file that is not a record gives a warning and --exit-code",
    fallback: false,
    show: switchOf,
    parse: (text) => parseSwitch("exit-code-from-file", text),
  },
  {
    key: "waitFor",
    flag: "--wait-for",
    env: "GUILLOTINE_WAIT_FOR",
    placeholder: "SPEC",
    help:
      "before starting the child, wait until each is ready: file:PATH exists, unix:PATH or tcp:HOST:PORT accepts a connection, an http:// or https:// URL answers 2xx (repeatable; the variable is comma-separated)",
    fallback: [],
    show: list((gate: GateSpec) => gate.text),
    parse: parseGateSpec,
    list: { separator: "," },
  },
  {
    key: "waitTimeoutMs",
    flag: "--wait-timeout",
    env: "GUILLOTINE_WAIT_TIMEOUT",
    placeholder: "DURATION",
    help:
      "how long to wait for --wait-for; then exit 124 without starting the child",
    fallback: 60_000,
    show: duration,
    parse: parseDuration,
  },
  {
    key: "listen",
    flag: "--listen",
    env: "GUILLOTINE_LISTEN",
    placeholder: "[ADDR:]PORT",
    help:
      "serve GET or POST /quitquitquit and POST /shutdown (each fires the trigger; ?code=N sets the exit code) and GET /healthz (200 while the child runs); a bare port means 127.0.0.1, because anything that reaches the port can quit",
    fallback: null,
    show: (address: HostPort | null) =>
      address ? `${address.hostname}:${address.port}` : "off",
    parse: parseListenAddress,
  },
  {
    key: "logLevel",
    flag: "--log-level",
    env: "GUILLOTINE_LOG_LEVEL",
    placeholder: "LEVEL",
    help: "error, warn, info or debug",
    fallback: "info",
    show: word<LogLevel>,
    parse: (text) => parseChoice("log level", text, LOG_LEVELS),
  },
  {
    key: "logFormat",
    flag: "--log-format",
    env: "GUILLOTINE_LOG_FORMAT",
    placeholder: "FORMAT",
    help:
      "text (guillotine: level: message key=value) or json (one object a line)",
    fallback: "text",
    show: word<LogFormat>,
    parse: (text) => parseChoice("log format", text, LOG_FORMATS),
  },
];
