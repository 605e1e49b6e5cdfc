/** The start-up log line: the configuration as guillotine understood it, in one line of facts. */
import type { Config } from "./config.ts";
import { formatDuration } from "./values/duration.ts";

/** Quotes an argument only where a shell would need it: `it's` → `'it'\''s'`. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg)
    ? arg
    : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The start-up log's fields: only those that matter for this configuration. */
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
  // Only a trigger uses these.
  if (config.watch.length || config.listen) {
    fields.signal = config.signal.name;
    fields.grace_period = formatDuration(config.gracePeriodMs);
    fields.exit_code = String(config.exitCode);
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
