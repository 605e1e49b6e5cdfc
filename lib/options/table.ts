/** Every option, declared once; parsing, `--help` and the README's table are made from it. */
import type { Settings } from "./config.ts";
import { LOG_FORMATS, LOG_LEVELS } from "../log/logger.ts";
import { parseChoice, parseExitCode, parseSwitch } from "./values/choice.ts";
import { formatDuration, parseDuration } from "./values/duration.ts";
import { parseGateSpec } from "./values/gate_spec.ts";
import { parseListenAddress } from "./values/host_port.ts";
import { parseFilePath } from "./values/path.ts";
import { parseQuitUrl } from "./values/quit_url.ts";
import { parseSignal } from "./values/signal.ts";
import { parseRestartPolicy } from "./values/restart_policy.ts";

type Item<T> = T extends readonly (infer E)[] ? E : T;

/** One option, whose value becomes `Settings[K]`. */
export interface OptionSpec<K extends keyof Settings> {
  key: K;
  flag: `--${string}`;
  env: string;
  /** Older names of the variable, read when `env` is not set. */
  envAliases?: readonly string[];
  /** What the value looks like in the usage; null for a switch. */
  placeholder: string | null;
  help: string;
  fallback: Settings[K];
  /** A value (an item of a list) as `--help`, the README and the log show it; String by default. */
  show?: (value: Item<Settings[K]>) => string;
  /** Parses one value (one item of a list); throws RangeError. */
  parse: (text: string) => Item<Settings[K]>;
  /** A list: the flag repeats, values split by `separator`; `item` is a usual item's shape. */
  list?: { separator: "," | " " | null; item?: RegExp };
}

export type AnyOption = {
  [K in keyof Settings]: OptionSpec<K>;
}[keyof Settings];

/** A setting's value as guillotine shows it; a list comma-separated, or "none". */
export function showValue(option: AnyOption, value: unknown): string {
  const show = (option.show ?? String) as (item: unknown) => string;
  if (!option.list) return show(value);
  const items = value as unknown[];
  return items.length ? items.map(show).join(",") : "none";
}

const switchOf = (on: boolean) => on ? "on" : "off";
const EXIT_CODE = { placeholder: "N", parse: parseExitCode };
const DURATION = {
  placeholder: "DURATION",
  show: formatDuration,
  parse: parseDuration,
};

/** Options that do something instead of running. */
export const ACTIONS = [
  { flag: "--help", short: "-h", help: "show this help and exit" },
  { flag: "--version", short: "-V", help: "show the version and exit" },
] as const;

/** The original tool's variable, which messages point at. */
export const WATCHED_FILE_ENV = "GUILLOTINE_WATCHED_FILE";

/** The options by setting, in the order `--help` shows them. */
const TABLE: {
  [K in keyof Settings]:
    & Omit<OptionSpec<K>, "key" | "flag" | "env">
    & Partial<Pick<OptionSpec<K>, "flag" | "env">>;
} = {
  watch: {
    env: WATCHED_FILE_ENV,
    placeholder: "PATH",
    help:
      "a file whose appearance means the main work is done (repeatable; one path a value)",
    fallback: [],
    parse: (text) => parseFilePath("watched file", "/share/done", text),
    list: { separator: null, item: /^\// },
  },
  watchMode: {
    placeholder: "all|any",
    help:
      "with several files, fire when all exist or on the first; a file once seen stays counted",
    fallback: "all",
    parse: (text) => parseChoice("watch mode", text, ["all", "any"]),
  },
  watchMethod: {
    placeholder: "events|poll",
    help: "file events (inotify) with the poll beside them, or the poll alone",
    fallback: "events",
    parse: (text) => parseChoice("watch method", text, ["events", "poll"]),
  },
  pollIntervalMs: {
    envAliases: ["GUILLOTINE_INTERVAL"],
    ...DURATION,
    help:
      "the check beside file events; 0 turns it off (not with --watch-method poll)",
    fallback: 1000,
  },
  signal: {
    placeholder: "NAME|NUMBER",
    help:
      "sent to the child's process group on trigger (TERM, sigterm and 15 all work)",
    fallback: { name: "SIGTERM", number: 15 },
    show: (signal) => signal.name,
    parse: parseSignal,
  },
  gracePeriodMs: {
    ...DURATION,
    help:
      "how long the child's group has after the signal; then SIGKILL to the group",
    fallback: 30_000,
  },
  exitCode: {
    ...EXIT_CODE,
    help: "guillotine's exit code after a trigger, whatever the child returned",
    fallback: 0,
  },
  successExitCodes: {
    flag: "--success-exit-code",
    env: "GUILLOTINE_SUCCESS_EXIT_CODES",
    ...EXIT_CODE,
    help:
      "a child exit code that counts as 0 when the child ends without a trigger, such as 143 after a forwarded SIGTERM (repeatable, comma-separated)",
    fallback: [],
    list: { separator: "," },
  },
  notify: {
    env: "GUILLOTINE_NOTIFY_FILE",
    placeholder: "PATH",
    help:
      "for the main container: when the child ends, for any reason, write the completion record to PATH",
    fallback: null,
    show: (path) => path ?? "none",
    parse: (text) => parseFilePath("completion record", "/share/done", text),
  },
  exitCodeFromFile: {
    placeholder: null,
    help:
      "after a file trigger, exit with the recorded code (the first non-zero of several); a file that is no record gives --exit-code, with a warning",
    fallback: false,
    show: switchOf,
    parse: (text) => parseSwitch("exit-code-from-file", text),
  },
  lease: {
    placeholder: "on|off",
    help:
      "with --notify, hold PATH.lock while the child runs; with --watch, a free lock and no record mean a lost main: end after --lost-main-grace",
    fallback: true,
    show: switchOf,
    parse: (text) => parseSwitch("lease", text),
  },
  restartPolicy: {
    placeholder: "Never|OnFailure",
    help:
      "the pod's restartPolicy; with OnFailure only a success record ends the sidecar (docs/kubernetes.md)",
    fallback: "Never",
    parse: parseRestartPolicy,
  },
  lostMainGraceMs: {
    ...DURATION,
    help: "time for a lost main container to take its lease back (a restart)",
    fallback: 10_000,
  },
  lostMainExitCode: {
    ...EXIT_CODE,
    help: "guillotine's exit code when a main container was lost",
    fallback: 1,
  },
  waitFor: {
    placeholder: "SPEC",
    help:
      "before starting the child, wait until each is ready: file:PATH exists, unix:PATH or tcp:HOST:PORT accepts, an http(s):// URL answers 2xx (repeatable, comma-separated)",
    fallback: [],
    show: (gate) => gate.text,
    parse: parseGateSpec,
    list: { separator: "," },
  },
  waitTimeoutMs: {
    ...DURATION,
    help:
      "how long to wait for --wait-for; then exit 124 without starting the child",
    fallback: 60_000,
  },
  listen: {
    placeholder: "[ADDR:]PORT",
    help:
      "serve /quitquitquit, POST /shutdown (fire the trigger; ?code=N: the exit code) and GET /healthz; a bare port means 127.0.0.1: whatever reaches it can quit",
    fallback: null,
    show: (address) =>
      address // an IPv6 address in brackets
        ? `${address.hostname.replace(/^.*:.*$/, "[$&]")}:${address.port}`
        : "off",
    parse: parseListenAddress,
  },
  logLevel: {
    placeholder: "LEVEL",
    help: "error, warn, info or debug",
    fallback: "info",
    parse: (text) => parseChoice("log level", text, LOG_LEVELS),
  },
  logFormat: {
    placeholder: "FORMAT",
    help:
      "text (guillotine: level: message key=value) or json (one object a line)",
    fallback: "text",
    parse: (text) => parseChoice("log format", text, LOG_FORMATS),
  },
  quitUrls: {
    flag: "--quit-url",
    placeholder: "URL|PRESET",
    help:
      "however guillotine ends, after the record: POST to URL, or to a proxy's quit endpoint on 127.0.0.1 by PRESET: istio, envoy, linkerd, cloud-sql-proxy (NAME:PORT for another port); 1s a try, 3 tries (repeatable, space-separated like CSQL_PROXY_QUIT_URLS)",
    fallback: [],
    show: (target) => target.text,
    parse: parseQuitUrl,
    list: { separator: " " },
  },
  terminationLog: {
    placeholder: "PATH|off",
    help:
      "when guillotine ends, append why, for kubectl describe pod; only to a writable regular file (never created)",
    fallback: "/dev/termination-log",
    show: (path) => path ?? "off",
    parse: (text) =>
      text.trim() === "off"
        ? null
        : parseFilePath("termination log", "/dev/termination-log or off", text),
  },
};

/** Unless the table says: the flag is the key in kebab case less `Ms`, the variable GUILLOTINE_ and the flag's name. */
export const OPTIONS = Object.entries(TABLE).map(([key, spec]) => {
  const kebab = key.replace(/Ms$/, "").replace(/[A-Z]/g, (c) => `-${c}`);
  const flag = spec.flag ?? `--${kebab.toLowerCase()}`;
  const env = `GUILLOTINE_${flag.slice(2).toUpperCase().replaceAll("-", "_")}`;
  return { key, flag, env, ...spec };
}) as readonly AnyOption[];
