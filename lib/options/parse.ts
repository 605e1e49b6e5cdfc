/**
 * The command line and the environment, as values, to one validated Config by
 * a loop over the option table. A list reads the same from flag and variable;
 * one in another separator is refused (`GUILLOTINE_QUIT_URL=istio,envoy`).
 */
import type { Config, Request, Settings } from "./config.ts";
import { EXIT_USAGE, GuillotineError } from "../runtime/errors.ts";
import { absolutePath } from "./values/path.ts";
import { unknownVariable } from "./variables.ts";
import { ACTIONS, type AnyOption, OPTIONS, WATCHED_FILE_ENV } from "./table.ts";

type Env = Readonly<Record<string, string | undefined>>;

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;
/** A usage error; control characters (a manifest's newline) are escaped, so it stays one line. */
const usage = (message: string) =>
  new GuillotineError(
    message.replace(CONTROL, (c) => JSON.stringify(c).slice(1, -1)),
    EXIT_USAGE,
  );

/** The options by flag; null for an action (`--help`, `--version`). */
const BY_FLAG: ReadonlyMap<string, AnyOption | null> = new Map([
  ...OPTIONS.map((option) => [option.flag, option] as const),
  ...ACTIONS.map((action) => [action.flag, null] as const),
]);

/** Which inputs were not valid UTF-8: indexes of arguments, names of variables. */
export type NotText = { args: ReadonlySet<number>; env: ReadonlySet<string> };

/** A usage error with the settings that parsed, so the last words still go out (reports/last_words.ts). */
export class UsageError extends GuillotineError {
  constructor(message: string, readonly partial: Partial<Config>) {
    super(message, EXIT_USAGE);
  }
}

const NAMES = { ",": "comma-separated", " ": "space-separated" } as const;

/** The items of one value: split by `separator`, or one item without. */
function split(text: string, separator: "," | " " | null = null): string[] {
  if (separator === null) return [text];
  return text.split(separator === "," ? "," : /\s+/).map((item) => item.trim())
    .filter((item) => item !== "");
}

/** `item`, unless it reads as a list in another separator: 2+ pieces that each parse and fit. */
function checked(option: AnyOption, item: string): string {
  if (!option.list) return item;
  const own = option.list.separator;
  for (const other of [",", " "] as const) {
    if (other === own) continue;
    const pieces = split(item, other);
    if (pieces.length < 2 || !pieces.every((p) => fits(option, p))) continue;
    const fix = own === null
      ? `give ${option.flag} once for each (${option.env} holds one)`
      : `write "${pieces.join(own)}"`;
    const lists = own === null ? "one item a value" : NAMES[own];
    throw new RangeError(
      `Value "${item}" of ${option.flag} looks like a ${
        NAMES[other]
      } list, but its lists are ${lists}: ${fix}`,
    );
  }
  return item;
}

function fits(option: AnyOption, piece: string): boolean {
  if (option.list?.item && !option.list.item.test(piece)) return false;
  try {
    option.parse(piece);
    return true;
  } catch {
    return false;
  }
}

/**
 * Splits the arguments into option values and the command; after a problem it
 * reads on, an unknown option taking the words up to the next option or `--`.
 */
function splitArguments(args: readonly string[], notText: NotText) {
  const flags = new Map<string, string[]>();
  const spoiled = new Set<string>(); // options with an unusable value
  let problem: GuillotineError | null = null;
  const fail = (message: string, flag?: string) => {
    problem ??= usage(message);
    if (flag) spoiled.add(flag);
  };
  const notTextAt = (index: number, what: string, flag?: string) => {
    if (!notText.args.has(index)) return false;
    fail(
      `${what} is not valid UTF-8: options and their values must be text (only the command after them passes byte for byte)`,
      flag,
    );
    return true;
  };
  let afterUnknown = false;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") break;
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
    const name = ACTIONS.find((a) => a.short === rawName)?.flag ?? rawName;
    const option = BY_FLAG.get(name);
    if (option === undefined) {
      fail(
        `Unknown option "${rawName}": run guillotine --help for the options, or put -- before a command that starts with -`,
      );
      afterUnknown = rawName === arg;
      continue;
    }
    let value: string;
    if (option === null || option.placeholder === null) {
      if (rawName !== arg) {
        fail(`Option ${name} takes no value: write ${name} alone`, name);
        continue;
      }
      value = "true";
    } else if (rawName !== arg) {
      value = arg.slice(equals + 1);
    } else if (i + 1 < args.length) {
      value = args[++i];
      if (notTextAt(i, `The value of ${name}`, name)) continue;
    } else {
      fail(
        `Option ${name} needs a value: write ${name} ${option.placeholder}`,
        name,
      );
      continue;
    }
    const previous = flags.get(name);
    if (previous && !option?.list) {
      fail(`Option ${name} is given twice: give it once`, name);
    }
    flags.set(name, [...(previous ?? []), value]);
  }
  const command = args.slice(args[i] === "--" ? i + 1 : i);
  return { flags, command, problem, spoiled };
}

/** One option's value from its flag, its first variable set, or its default. */
function valueOf(
  option: AnyOption,
  flags: ReadonlyMap<string, string[]>,
  env: Env,
  notText: NotText,
): unknown {
  const separator = option.list?.separator;
  let source: string = option.flag;
  let texts = flags.get(source)?.flatMap((value) => split(value, separator));
  for (const name of texts ? [] : [option.env, ...(option.envAliases ?? [])]) {
    const raw = env[name] ?? "";
    // Values from manifests often carry a YAML block scalar's newline.
    const why = notText.env.has(name)
      ? "is not valid UTF-8: set it to text, or unset it"
      : raw !== "" && raw.trim() === ""
      ? "holds only white space: give it a value, or unset it"
      : null;
    if (why) throw usage(`Variable ${name} ${why}`);
    if (raw === "") continue;
    [source, texts] = [name, split(raw.trim(), separator)];
    break;
  }
  if (!texts) return option.fallback;
  try {
    const items = texts.map((text) => option.parse(checked(option, text)));
    return option.list ? items : items[0];
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw usage(`${error.message} (from ${source})`);
  }
}

/** What breaks a rule between options, once every value is parsed; else null. */
function conflict(config: Config): string | null {
  if (config.command.length === 0) {
    return "No command given: put the command to run after the options, as in guillotine --watch /share/done -- /proxy --flag";
  }
  if (config.watchMethod === "poll" && config.pollIntervalMs === 0) {
    return "Watch method poll needs a poll interval: give --poll-interval a duration above 0, such as 1s";
  }
  if (config.notify !== null && config.watch.includes(config.notify)) {
    return `The file "${config.notify}" is both watched and written by --notify: guillotine would end on its own record; watch another path (is ${WATCHED_FILE_ENV} set in the main container too?)`;
  }
  if (config.exitCodeFromFile && config.watch.length === 0) {
    return `Option --exit-code-from-file needs a watched file: give --watch PATH or set ${WATCHED_FILE_ENV}`;
  }
  return null;
}

/**
 * A flag beats its variable, an empty variable is unset; the watched and record
 * paths are made absolute here, once. Throws the first problem as UsageError.
 */
export function parseOptions(
  args: readonly string[],
  env: Env,
  notText: NotText = { args: new Set(), env: new Set() },
  cwd: string = Deno.cwd(),
): Request {
  const { flags, command, problem, spoiled } = splitArguments(args, notText);
  if (!problem && flags.has("--help")) return { kind: "help" };
  if (!problem && flags.has("--version")) return { kind: "version" };
  const usageOrNull = (message: string | null) =>
    message === null ? null : usage(message);
  let first: Error | null = problem ?? usageOrNull(unknownVariable(env));
  const settings: Partial<Record<keyof Settings, unknown>> = {};
  for (const option of OPTIONS) {
    if (spoiled.has(option.flag)) continue;
    try {
      settings[option.key] = valueOf(option, flags, env, notText);
    } catch (error) {
      first ??= error as Error;
    }
  }
  // Each watched path counts once (`done`, `./done`, `/x//done`).
  settings.notify &&= absolutePath(String(settings.notify), cwd);
  if (Array.isArray(settings.watch)) {
    const paths = settings.watch.map((p) => absolutePath(String(p), cwd));
    settings.watch = [...new Set(paths)];
  }
  const config = { command, ...settings } as Config;
  first ??= usageOrNull(conflict(config)); // conflict() wants every value
  if (!first) return { kind: "run", config };
  if (!(first instanceof GuillotineError)) throw first;
  throw new UsageError(first.message, config);
}
