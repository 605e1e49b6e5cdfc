/**
 * The command line and its environment twins, turned into one validated
 * configuration. Pure: it takes the arguments and the environment as values.
 *
 * @module
 */

import { formatDuration, parseDuration } from "./duration.ts";
import { EXIT_USAGE, GuillotineError } from "./errors.ts";
import { type GateSpec, parseGateSpec, parseHostPort } from "./gate_spec.ts";
import {
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
} from "./log.ts";
import { parseSignal } from "./signals.ts";

/** Everything guillotine needs to know to run. */
export interface Config {
  /** The child's program and arguments, verbatim. */
  command: string[];
  /** Watched files; the trigger fires when all (or any) exist. */
  watch: string[];
  watchMode: "all" | "any";
  /** `events`: file events plus the poll; `poll`: the poll alone. */
  watchMethod: "events" | "poll";
  /** The signal sent to the child's group on trigger. */
  signal: { name: string; number: number };
  gracePeriodMs: number;
  /** guillotine's exit code after a trigger. */
  exitCode: number;
  /** Child exit codes that count as 0. */
  successExitCodes: number[];
  /** The safety-net check beside file events; 0 turns it off. */
  pollIntervalMs: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Where to write the completion record when the child ends. */
  notify: string | null;
  /** After a trigger, exit with the code recorded in the watched file. */
  exitCodeFromFile: boolean;
  /** Gates to pass before the child starts. */
  waitFor: GateSpec[];
  waitTimeoutMs: number;
  /** The quit endpoint's address, or null when off. */
  listen: { hostname: string; port: number } | null;
}

/** What the command line asks for. */
export type Request =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "run"; config: Config };

/** Environment variable names, one per option. */
export const ENV = {
  watchedFile: "GUILLOTINE_WATCHED_FILE",
  watchMode: "GUILLOTINE_WATCH_MODE",
  watchMethod: "GUILLOTINE_WATCH_METHOD",
  signal: "GUILLOTINE_SIGNAL",
  gracePeriod: "GUILLOTINE_GRACE_PERIOD",
  exitCode: "GUILLOTINE_EXIT_CODE",
  successExitCodes: "GUILLOTINE_SUCCESS_EXIT_CODES",
  pollInterval: "GUILLOTINE_POLL_INTERVAL",
  legacyInterval: "GUILLOTINE_INTERVAL",
  logLevel: "GUILLOTINE_LOG_LEVEL",
  logFormat: "GUILLOTINE_LOG_FORMAT",
  notifyFile: "GUILLOTINE_NOTIFY_FILE",
  exitCodeFromFile: "GUILLOTINE_EXIT_CODE_FROM_FILE",
  waitFor: "GUILLOTINE_WAIT_FOR",
  waitTimeout: "GUILLOTINE_WAIT_TIMEOUT",
  listen: "GUILLOTINE_LISTEN",
} as const;

interface OptionSpec {
  flag: string;
  /** Takes a value (`--flag VALUE` or `--flag=VALUE`), or is a switch. */
  value: string | null;
  env: string | null;
  help: string;
}

const OPTIONS: readonly OptionSpec[] = [
  {
    flag: "--watch",
    value: "PATH",
    env: ENV.watchedFile,
    help:
      "a file whose appearance means the main work is done (repeatable; the variable holds one path)",
  },
  {
    flag: "--watch-mode",
    value: "all|any",
    env: ENV.watchMode,
    help: "with several files, fire when all exist (default) or on the first",
  },
  {
    flag: "--watch-method",
    value: "events|poll",
    env: ENV.watchMethod,
    help:
      "file events with the poll as safety net (default), or the poll alone",
  },
  {
    flag: "--signal",
    value: "NAME|NUMBER",
    env: ENV.signal,
    help: "sent to the child's process group on trigger (default SIGTERM)",
  },
  {
    flag: "--grace-period",
    value: "DURATION",
    env: ENV.gracePeriod,
    help: "how long to wait after the signal before SIGKILL (default 30s)",
  },
  {
    flag: "--exit-code",
    value: "N",
    env: ENV.exitCode,
    help: "guillotine's exit code after a trigger (default 0)",
  },
  {
    flag: "--success-exit-code",
    value: "N",
    env: ENV.successExitCodes,
    help:
      "a child exit code that counts as 0 (repeatable; the variable is comma-separated)",
  },
  {
    flag: "--poll-interval",
    value: "DURATION",
    env: ENV.pollInterval,
    help:
      `how often to check the files besides events (default 1s, 0 = off; ${ENV.legacyInterval} in seconds is an alias)`,
  },
  {
    flag: "--notify",
    value: "PATH",
    env: ENV.notifyFile,
    help:
      "when the child ends, write a completion record here (for the main container)",
  },
  {
    flag: "--exit-code-from-file",
    value: null,
    env: ENV.exitCodeFromFile,
    help: "after a trigger, exit with the code recorded in the watched file",
  },
  {
    flag: "--wait-for",
    value: "SPEC",
    env: ENV.waitFor,
    help:
      "before starting the child, wait for file:PATH, unix:PATH, tcp:HOST:PORT or http(s)://URL (repeatable; comma-separated variable)",
  },
  {
    flag: "--wait-timeout",
    value: "DURATION",
    env: ENV.waitTimeout,
    help: "how long to wait for --wait-for (default 60s), then exit 124",
  },
  {
    flag: "--listen",
    value: "[ADDR:]PORT",
    env: ENV.listen,
    help:
      "serve POST /quitquitquit and GET /healthz (off by default; a bare port means 127.0.0.1)",
  },
  {
    flag: "--log-level",
    value: "LEVEL",
    env: ENV.logLevel,
    help: "error, warn, info (default) or debug",
  },
  {
    flag: "--log-format",
    value: "FORMAT",
    env: ENV.logFormat,
    help: "text (default) or json",
  },
  { flag: "--help", value: null, env: null, help: "show this help and exit" },
  {
    flag: "--version",
    value: null,
    env: null,
    help: "show the version and exit",
  },
];

const REPEATABLE = new Set(["--watch", "--success-exit-code", "--wait-for"]);
const ALIASES: Record<string, string> = { "-h": "--help", "-V": "--version" };

/** `--flag VALUE`, with the short alias in front where there is one. */
function usageOf(option: OptionSpec): string {
  const short = Object.keys(ALIASES).find((a) => ALIASES[a] === option.flag);
  return `${short ? `${short}, ` : ""}${option.flag}${
    option.value ? ` ${option.value}` : ""
  }`;
}

/** The usage text of `--help`. */
export function helpText(): string {
  const width = Math.max(
    ...OPTIONS.map((o) => usageOf(o).length),
  );
  const lines = OPTIONS.map((o) => {
    const left = usageOf(o).padEnd(width);
    const env = o.env ? `\n  ${"".padEnd(width)}  [${o.env}]` : "";
    return `  ${left}  ${o.help}${env}`;
  });
  return [
    "Usage: guillotine [OPTIONS] [--] COMMAND [ARG...]",
    "",
    "Runs COMMAND as its child, as an init (PID 1) would: forwards signals, reaps",
    "zombies. When the watched file appears, stops COMMAND gracefully and exits, so",
    "that a sidecar ends when the main work of its pod is done.",
    "",
    "Options end at -- or at the first argument that is not an option. A flag beats",
    "its environment variable (in brackets). Durations: 500ms, 10s, 2m, 1h; a bare",
    "number is seconds.",
    "",
    ...lines,
    "",
    "Exit codes: the child's code; 128+n if it died of signal n; the --exit-code",
    "after a trigger; 124 a --wait-for gate timed out; 125 guillotine's own error;",
    "126 COMMAND not executable; 127 COMMAND not found.",
  ].join("\n");
}

function usage(message: string): GuillotineError {
  return new GuillotineError(message, EXIT_USAGE);
}

function fromRange<T>(source: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RangeError) {
      throw usage(`${error.message} (from ${source})`);
    }
    throw error;
  }
}

function parseExitCode(text: string): number {
  if (!/^\s*\d{1,3}\s*$/.test(text) || Number(text) > 255) {
    throw new RangeError(
      `Cannot parse exit code "${text}": use a whole number from 0 to 255`,
    );
  }
  return Number(text);
}

function parseChoice<T extends string>(
  what: string,
  text: string,
  choices: readonly T[],
): T {
  const value = text.trim().toLowerCase() as T;
  if (!choices.includes(value)) {
    throw new RangeError(
      `Cannot parse ${what} "${text}": use ${choices.join(" or ")}`,
    );
  }
  return value;
}

function parseSwitch(what: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["", "0", "false", "no", "off"].includes(value)) return false;
  throw new RangeError(`Cannot parse ${what} "${text}": use true or false`);
}

/** Splits the arguments into option values and the command. */
function splitArguments(
  args: readonly string[],
): { flags: Map<string, string[]>; command: string[] } {
  const flags = new Map<string, string[]>();
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    const equals = arg.indexOf("=");
    const rawName = arg.startsWith("--") && equals > 0
      ? arg.slice(0, equals)
      : arg;
    const name = ALIASES[rawName] ?? rawName;
    const spec = OPTIONS.find((o) => o.flag === name);
    if (!spec) {
      throw usage(
        `Unknown option "${rawName}": run guillotine --help for the options, or put -- before a command that starts with -`,
      );
    }
    let value: string;
    if (spec.value === null) {
      if (rawName !== arg) {
        throw usage(`Option ${name} takes no value: write ${name} alone`);
      }
      value = "true";
    } else if (rawName !== arg) {
      value = arg.slice(equals + 1);
    } else if (i + 1 < args.length) {
      value = args[++i];
    } else {
      throw usage(`Option ${name} needs a value: write ${name} ${spec.value}`);
    }
    const previous = flags.get(name);
    if (previous && !REPEATABLE.has(name)) {
      throw usage(`Option ${name} is given twice: give it once`);
    }
    flags.set(name, [...(previous ?? []), value]);
  }
  return { flags, command: args.slice(i) };
}

/**
 * Reads the command line and the environment into a configuration. A flag
 * beats its environment variable.
 *
 * @param args The arguments after the program name.
 * @param env The environment.
 * @returns What to do: show help, show the version, or run.
 * @throws {GuillotineError} With exit code 125 and a one-line message.
 *
 * @example
 * ```ts
 * import { parseOptions } from "./options.ts";
 * const request = parseOptions(["/proxy", "-dir", "/share"], {
 *   GUILLOTINE_WATCHED_FILE: "/share/done",
 * });
 * console.assert(request.kind === "run" && request.config.command[1] === "-dir");
 * ```
 */
export function parseOptions(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Request {
  const { flags, command } = splitArguments(args);
  if (flags.has("--help")) return { kind: "help" };
  if (flags.has("--version")) return { kind: "version" };

  const pick = (flag: string, envName: string | null) => {
    const values = flags.get(flag);
    if (values) return { values, source: flag };
    const value = envName === null ? undefined : env[envName];
    return value === undefined || value === ""
      ? null
      : { values: [value], source: envName! };
  };
  const one = <T>(
    flag: string,
    envName: string | null,
    parse: (text: string) => T,
    fallback: T,
  ): T => {
    const found = pick(flag, envName);
    return found
      ? fromRange(found.source, () => parse(found.values[0]))
      : fallback;
  };
  const list = (flag: string, envName: string, split: boolean): string[] => {
    const found = pick(flag, envName);
    if (!found) return [];
    return found.source === flag || !split
      ? found.values
      : found.values[0].split(",").map((s) => s.trim()).filter((s) => s !== "");
  };

  const watch = list("--watch", ENV.watchedFile, false);
  for (const path of watch) {
    if (path.trim() === "") {
      throw usage(
        "Watched file path is empty: give --watch a path such as /share/done",
      );
    }
  }

  const legacy = pick("--poll-interval", ENV.pollInterval)
    ? null
    : pick("", ENV.legacyInterval);
  const pollIntervalMs = legacy
    ? fromRange(legacy.source, () => parseDuration(legacy.values[0]))
    : one("--poll-interval", ENV.pollInterval, parseDuration, 1000);

  const config: Config = {
    command,
    watch,
    watchMode: one(
      "--watch-mode",
      ENV.watchMode,
      (t) => parseChoice("watch mode", t, ["all", "any"] as const),
      "all",
    ),
    watchMethod: one(
      "--watch-method",
      ENV.watchMethod,
      (t) => parseChoice("watch method", t, ["events", "poll"] as const),
      "events",
    ),
    signal: one("--signal", ENV.signal, parseSignal, {
      name: "SIGTERM",
      number: 15,
    }),
    gracePeriodMs: one(
      "--grace-period",
      ENV.gracePeriod,
      parseDuration,
      30_000,
    ),
    exitCode: one("--exit-code", ENV.exitCode, parseExitCode, 0),
    successExitCodes: fromRange(
      pick("--success-exit-code", ENV.successExitCodes)?.source ?? "",
      () =>
        list("--success-exit-code", ENV.successExitCodes, true).map(
          parseExitCode,
        ),
    ),
    pollIntervalMs,
    logLevel: one(
      "--log-level",
      ENV.logLevel,
      (t) => parseChoice("log level", t, LOG_LEVELS),
      "info",
    ),
    logFormat: one(
      "--log-format",
      ENV.logFormat,
      (t) => parseChoice("log format", t, LOG_FORMATS),
      "text",
    ),
    notify: one("--notify", ENV.notifyFile, (t) => t, null),
    exitCodeFromFile: one(
      "--exit-code-from-file",
      ENV.exitCodeFromFile,
      (t) => parseSwitch("exit-code-from-file", t),
      false,
    ),
    waitFor: fromRange(
      pick("--wait-for", ENV.waitFor)?.source ?? "",
      () => list("--wait-for", ENV.waitFor, true).map(parseGateSpec),
    ),
    waitTimeoutMs: one(
      "--wait-timeout",
      ENV.waitTimeout,
      parseDuration,
      60_000,
    ),
    listen: one("--listen", ENV.listen, (t) => {
      const address = parseHostPort(t.trim(), "127.0.0.1");
      if (!address) {
        throw new RangeError(
          `Cannot parse listen address "${t}": use PORT, HOST:PORT or [IPV6]:PORT, with a port from 1 to 65535`,
        );
      }
      return address;
    }, null),
  };

  if (command.length === 0) {
    throw usage(
      "No command given: put the command to run after the options, as in guillotine --watch /share/done -- /proxy --flag",
    );
  }
  if (config.watchMethod === "poll" && config.pollIntervalMs === 0) {
    throw usage(
      "Watch method poll needs a poll interval: give --poll-interval a duration above 0, such as 1s",
    );
  }
  if (config.notify !== null && config.watch.includes(config.notify)) {
    throw usage(
      `The file "${config.notify}" is both watched and written by --notify: guillotine would end on its own record; watch another path (is ${ENV.watchedFile} set in the main container too?)`,
    );
  }
  if (config.exitCodeFromFile && config.watch.length === 0) {
    throw usage(
      "Option --exit-code-from-file needs a watched file: give --watch PATH or set GUILLOTINE_WATCHED_FILE",
    );
  }
  return { kind: "run", config };
}

/** Quotes an argument for a log line only where a shell would need it. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg)
    ? arg
    : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Describes the configuration in one line of facts, for the start-up log.
 *
 * @returns Log fields, parsed values shown as guillotine understood them.
 */
export function describeConfig(config: Config): Record<string, string> {
  const fields: Record<string, string> = {
    command: config.command.map(shellQuote).join(" "),
  };
  if (config.watch.length) {
    fields.watch = config.watch.join(",");
    if (config.watch.length > 1) fields.watch_mode = config.watchMode;
    fields.watch_method = config.watchMethod;
    fields.poll_interval = config.pollIntervalMs
      ? formatDuration(config.pollIntervalMs)
      : "off";
  }
  if (config.watch.length || config.listen) {
    // Only a trigger uses these.
    Object.assign(fields, {
      signal: config.signal.name,
      grace_period: formatDuration(config.gracePeriodMs),
      exit_code: String(config.exitCode),
    });
  }
  if (config.successExitCodes.length) {
    fields.success_exit_codes = config.successExitCodes.join(",");
  }
  if (config.notify) fields.notify = config.notify;
  if (config.exitCodeFromFile) fields.exit_code_from_file = "true";
  if (config.waitFor.length) {
    fields.wait_for = config.waitFor.map((g) => g.text).join(",");
    fields.wait_timeout = formatDuration(config.waitTimeoutMs);
  }
  if (config.listen) {
    fields.listen = `${config.listen.hostname}:${config.listen.port}`;
  }
  return fields;
}
