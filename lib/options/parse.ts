/**
 * The command line and its environment twins, turned into one validated
 * configuration by a loop over the option table. Pure: it takes the
 * arguments and the environment as values.
 *
 * @module
 */

import type { Config, Request, Settings } from "./config.ts";
import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import { absolutePath } from "./values/path.ts";
import { checkListItem, listItems, type ListOption } from "./lists.ts";
import { unknownVariable } from "./variables.ts";
import { ACTIONS, type AnyOption, OPTIONS, WATCHED_FILE_ENV } from "./table.ts";

/**
 * A usage error. Values are quoted in messages as given, so control
 * characters (a newline from a manifest) are escaped: the message stays one
 * line.
 */
function usage(message: string): GuillotineError {
  const oneLine = message.replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f]/g,
    (c) => JSON.stringify(c).slice(1, -1),
  );
  return new GuillotineError(oneLine, EXIT_USAGE);
}

const BY_FLAG: ReadonlyMap<string, AnyOption> = new Map(
  OPTIONS.map((option) => [option.flag, option]),
);
const SHORT: Readonly<Record<string, string>> = Object.fromEntries(
  ACTIONS.map((action) => [action.short, action.flag]),
);
const ACTION_FLAGS: ReadonlySet<string> = new Set(ACTIONS.map((a) => a.flag));

/**
 * Which inputs were not valid UTF-8 (Deno decoded them with U+FFFD, or left
 * the variable out): the indexes of arguments, and the names of variables.
 */
export interface NotText {
  args: ReadonlySet<number>;
  env: ReadonlySet<string>;
}

const ALL_TEXT: NotText = { args: new Set(), env: new Set() };

/**
 * A usage error (125), with what could be read despite it: each setting
 * whose own value parsed, so that the completion record, the termination
 * message and the quit requests still go out (lib/reports/last_words.ts).
 */
export class UsageError extends GuillotineError {
  /** The settings (and command) that parsed; a key is absent when not. */
  readonly partial: Partial<Config>;

  constructor(message: string, partial: Partial<Config>) {
    super(message, EXIT_USAGE);
    this.partial = partial;
  }
}

/** The arguments, as far as they could be read. */
interface Split {
  flags: Map<string, string[]>;
  command: string[];
  /** The first problem; then the options with an unusable value. */
  problem: GuillotineError | null;
  spoiled: Set<string>;
}

/**
 * Splits the arguments into option values and the command. After a problem
 * it reads on, so that the other options still count: an unknown option
 * (which may or may not take a value) takes the words that follow it, up to
 * the next option or `--`.
 */
function splitArguments(args: readonly string[], notText: NotText): Split {
  const flags = new Map<string, string[]>();
  const spoiled = new Set<string>();
  let problem: GuillotineError | null = null;
  const fail = (error: GuillotineError, flag?: string) => {
    problem ??= error;
    if (flag) spoiled.add(flag);
  };
  const notTextAt = (index: number, what: string) => {
    if (!notText.args.has(index)) return false;
    fail(usage(
      `${what} is not valid UTF-8: options and their values must be text (only the command after them passes byte for byte)`,
    ));
    return true;
  };
  let afterUnknown = false;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (afterUnknown) continue;
      break;
    }
    afterUnknown = notTextAt(i, `Argument ${i + 1}`);
    if (afterUnknown) continue;
    const equals = arg.indexOf("=");
    const rawName = arg.startsWith("--") && equals > 0
      ? arg.slice(0, equals)
      : arg;
    const name = SHORT[rawName] ?? rawName;
    const option = BY_FLAG.get(name);
    if (!option && !ACTION_FLAGS.has(name)) {
      fail(usage(
        `Unknown option "${rawName}": run guillotine --help for the options, or put -- before a command that starts with -`,
      ));
      afterUnknown = rawName === arg;
      continue;
    }
    let value: string;
    if (!option || option.placeholder === null) {
      if (rawName !== arg) {
        fail(usage(`Option ${name} takes no value: write ${name} alone`), name);
        continue;
      }
      value = "true";
    } else if (rawName !== arg) {
      value = arg.slice(equals + 1);
    } else if (i + 1 < args.length) {
      value = args[++i];
      if (notTextAt(i, `The value of ${name}`)) {
        spoiled.add(name);
        continue;
      }
    } else {
      const message =
        `Option ${name} needs a value: write ${name} ${option.placeholder}`;
      fail(usage(message), name);
      continue;
    }
    const previous = flags.get(name);
    if (previous && !option?.list) {
      fail(usage(`Option ${name} is given twice: give it once`), name);
    }
    flags.set(name, [...(previous ?? []), value]);
  }
  return { flags, command: args.slice(i), problem, spoiled };
}

/** Where an option's texts come from: its flag, or one of its variables. */
function given(
  option: AnyOption,
  flags: ReadonlyMap<string, string[]>,
  env: Readonly<Record<string, string | undefined>>,
  notText: NotText,
): { source: string; texts: string[] } | null {
  const values = flags.get(option.flag);
  if (values) {
    return {
      source: option.flag,
      texts: values.flatMap((value) => listItems(option, value)),
    };
  }
  for (const name of [option.env, ...(option.envAliases ?? [])]) {
    if (notText.env.has(name)) {
      throw usage(
        `Variable ${name} is not valid UTF-8: set it to text, or unset it`,
      );
    }
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    // Values from manifests often carry a YAML block scalar's newline.
    const text = raw.trim();
    if (text === "") {
      throw usage(
        `Variable ${name} holds only white space: give it a value, or unset it`,
      );
    }
    return { source: name, texts: listItems(option, text) };
  }
  return null;
}

/** One option's value, parsed; a parser's RangeError names the source. */
function valueOf<K extends keyof Settings>(
  option: ListOption & { fallback: Settings[K] },
  found: { source: string; texts: string[] } | null,
): Settings[K] {
  if (!found) return option.fallback;
  try {
    const items = found.texts.map((text) => {
      checkListItem(option, text);
      return option.parse(text);
    });
    return (option.list ? items : items[0]) as Settings[K];
  } catch (error) {
    if (error instanceof RangeError) {
      throw usage(`${error.message} (from ${found.source})`);
    }
    throw error;
  }
}

/** Rules between options, checked once every value is parsed. */
function checkTogether(config: Config): void {
  if (config.command.length === 0) {
    throw usage(
      "No command given: put the command to run after the options, as in guillotine --watch /share/done -- /proxy --flag",
    );
  }
  if (config.watchMethod === "poll" && config.pollIntervalMs === 0) {
    throw usage(
      "Watch method poll needs a poll interval: give --poll-interval a duration above 0, such as 1s",
    );
  }
  const notify = config.notify;
  if (notify !== null && config.watch.includes(notify)) {
    throw usage(
      `The file "${config.notify}" is both watched and written by --notify: guillotine would end on its own record; watch another path (is ${WATCHED_FILE_ENV} set in the main container too?)`,
    );
  }
  if (config.exitCodeFromFile && config.watch.length === 0) {
    throw usage(
      `Option --exit-code-from-file needs a watched file: give --watch PATH or set ${WATCHED_FILE_ENV}`,
    );
  }
}

/**
 * Reads the command line and the environment into a configuration. A flag
 * beats its environment variable; an empty variable counts as unset.
 *
 * @param args The arguments after the program name.
 * @param env The environment.
 * @param notText Which of them were not valid UTF-8.
 * @param cwd Against which the watched and record paths are made absolute,
 *   here, once.
 * @returns What to do: show help, show the version, or run.
 * @throws {UsageError} With exit code 125, a one-line message (the first
 *   problem found) and the settings that parsed all the same.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseOptions, UsageError } from "./parse.ts";
 *
 * const request = parseOptions(["/proxy", "-dir", "/share"], {
 *   GUILLOTINE_WATCHED_FILE: "/share/done",
 * });
 * assert(request.kind === "run");
 * assert.deepEqual(request.config.command, ["/proxy", "-dir", "/share"]);
 * assert.deepEqual(request.config.watch, ["/share/done"]);
 * assert.throws(
 *   () => parseOptions(["--grace-peroid", "5s", "--notify", "/share/done"], {}),
 *   (error) => error instanceof UsageError &&
 *     error.partial.notify === "/share/done",
 * );
 * ```
 */
export function parseOptions(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  notText: NotText = ALL_TEXT,
  cwd: string = Deno.cwd(),
): Request {
  const { flags, command, problem, spoiled } = splitArguments(args, notText);
  if (!problem && flags.has("--help")) return { kind: "help" };
  if (!problem && flags.has("--version")) return { kind: "version" };
  const unknown = unknownVariable(env);
  let first: Error | null = problem ??
    (unknown === null ? null : usage(unknown));
  const settings: Partial<Record<keyof Settings, unknown>> = {};
  for (const option of OPTIONS) {
    if (spoiled.has(option.flag)) continue;
    try {
      settings[option.key] = valueOf(
        option,
        given(option, flags, env, notText),
      );
    } catch (error) {
      first ??= error as Error;
    }
  }
  // Resolved here, once: nothing downstream resolves a path again. The
  // watched paths are counted once each (`done`, `./done`, `/x//done`).
  settings.notify &&= absolutePath(String(settings.notify), cwd);
  if (Array.isArray(settings.watch)) {
    const paths = settings.watch.map((p) => absolutePath(String(p), cwd));
    settings.watch = [...new Set(paths)];
  }
  const config = { command, ...settings } as Config;
  if (!first) {
    try {
      checkTogether(config);
    } catch (error) {
      first = error as Error;
    }
  }
  if (first) {
    if (!(first instanceof GuillotineError)) throw first;
    throw new UsageError(first.message, config);
  }
  return { kind: "run", config };
}
