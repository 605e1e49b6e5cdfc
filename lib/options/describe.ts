/**
 * The start-up log line: the configuration in one line of facts, parsed
 * values shown as guillotine understood them.
 *
 * @module
 */

import type { Config } from "./config.ts";
import { OPTIONS } from "./table.ts";
import { formatDuration } from "./values/duration.ts";

/**
 * Quotes an argument for a log line only where a shell would need it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shellQuote } from "./describe.ts";
 *
 * assert.equal(shellQuote("/proxy"), "/proxy");
 * assert.equal(shellQuote("it's"), `'it'\\''s'`);
 * ```
 */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg)
    ? arg
    : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Describes the configuration for the start-up log.
 *
 * @returns Log fields; only those that matter for this configuration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseOptions } from "./parse.ts";
 * import { describeConfig } from "./describe.ts";
 *
 * const request = parseOptions(["--watch", "/share/done", "/proxy"], {});
 * assert(request.kind === "run");
 * assert.equal(describeConfig(request.config).grace_period, "30s");
 * ```
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
  if (config.restartPolicy !== "Never") {
    fields.restart_policy = config.restartPolicy;
  }
  if (config.exitCodeFromFile) fields.exit_code_from_file = "true";
  if (config.waitFor.length) {
    fields.wait_for = config.waitFor.map((g) => g.text).join(",");
    fields.wait_timeout = formatDuration(config.waitTimeoutMs);
  }
  if (config.listen) {
    fields.listen = `${config.listen.hostname}:${config.listen.port}`;
  }
  if (config.quitUrls.length) {
    fields.quit_url = config.quitUrls.map((t) => t.url).join(",");
  }
  return fields;
}

/**
 * The configuration as a command line that gives it back: each setting that
 * differs from its default, as guillotine shows it, then `--` and the
 * command. What `--help` and the log show is therefore what the parser reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseOptions } from "./parse.ts";
 * import { configArguments } from "./describe.ts";
 *
 * const request = parseOptions(["--grace-period", "1500ms", "/proxy"], {});
 * assert(request.kind === "run");
 * assert.deepEqual(configArguments(request.config), [
 *   "--grace-period=1.5s",
 *   "--",
 *   "/proxy",
 * ]);
 * ```
 */
export function configArguments(config: Config): string[] {
  const args: string[] = [];
  for (const option of OPTIONS) {
    const value: unknown = config[option.key];
    if (sameValue(value, option.fallback)) continue;
    if (option.placeholder === null) {
      args.push(option.flag);
      continue;
    }
    // deno-lint-ignore no-explicit-any
    const show = option.show as (value: any) => string;
    const items = option.list ? value as unknown[] : [value];
    for (const item of items) {
      args.push(`${option.flag}=${show(option.list ? [item] : item)}`);
    }
  }
  return [...args, "--", ...config.command];
}

/**
 * Whether two option values are equal: numbers, strings, booleans, null, and
 * arrays and plain objects of them. Not node:util's isDeepStrictEqual: loading
 * node:util at start-up costs Deno milliseconds (Node's compatibility layer).
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || !a || !b) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length &&
    keys.every((k) =>
      sameValue(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
      )
    );
}
