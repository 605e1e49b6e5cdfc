import { GuillotineError } from "../../lib/errors.ts";
import type { Config } from "../../lib/config.ts";
import { describeConfig } from "../../lib/log/describe_config.ts";
import { helpText } from "../../lib/options/help.ts";
import { parseOptions } from "../../lib/options/parse.ts";
import { VERSION } from "../../lib/version.ts";
import { assert, assertEquals, assertMatch, assertThrows } from "../assert.ts";

function config(args: string[], env: Record<string, string> = {}): Config {
  const request = parseOptions(args, env);
  assert(request.kind === "run");
  return request.config;
}

function usageError(
  args: string[],
  env: Record<string, string>,
  pattern: RegExp,
) {
  const error = assertThrows(
    () => parseOptions(args, env),
    GuillotineError,
    pattern,
  );
  assertEquals((error as GuillotineError).exitCode, 125);
  assert(!error.message.includes("\n"), "one line");
}

Deno.test("defaults", () => {
  const c = config(["/proxy"]);
  assertEquals(c.command, ["/proxy"]);
  assertEquals(c.watch, []);
  assertEquals(c.watchMode, "all");
  assertEquals(c.watchMethod, "events");
  assertEquals(c.signal, { name: "SIGTERM", number: 15 });
  assertEquals(c.gracePeriodMs, 30_000);
  assertEquals(c.exitCode, 0);
  assertEquals(c.successExitCodes, []);
  assertEquals(c.pollIntervalMs, 1000);
  assertEquals(c.logLevel, "info");
  assertEquals(c.logFormat, "text");
  assertEquals(c.notify, null);
  assertEquals(c.listen, null);
  assertEquals(c.waitTimeoutMs, 60_000);
});

Deno.test("options end at the first non-option or at --", () => {
  assertEquals(config(["/cloud_sql_proxy", "-dir", "/share"]).command, [
    "/cloud_sql_proxy",
    "-dir",
    "/share",
  ]);
  assertEquals(config(["--", "--weird"]).command, ["--weird"]);
  assertEquals(config(["--signal", "INT", "--", "x", "--signal"]).command, [
    "x",
    "--signal",
  ]);
  assertEquals(config(["-", "a"]).command, ["-", "a"]);
});

Deno.test("each option has --flag VALUE and --flag=VALUE forms", () => {
  const c = config([
    "--watch=/a",
    "--watch",
    "/b",
    "--watch-mode=any",
    "--signal=QUIT",
    "--grace-period",
    "500ms",
    "--exit-code",
    "3",
    "--success-exit-code",
    "143",
    "--success-exit-code=1",
    "--poll-interval=0",
    "--log-level",
    "debug",
    "--log-format=json",
    "--listen",
    "9000",
    "--notify",
    "/share/done",
    "--wait-for",
    "tcp:db:5432",
    "--wait-for=unix:/share/s",
    "--wait-timeout",
    "5s",
    "cmd",
  ]);
  assertEquals(c.watch, ["/a", "/b"]);
  assertEquals(c.watchMode, "any");
  assertEquals(c.signal.name, "SIGQUIT");
  assertEquals(c.gracePeriodMs, 500);
  assertEquals(c.exitCode, 3);
  assertEquals(c.successExitCodes, [143, 1]);
  assertEquals(c.pollIntervalMs, 0);
  assertEquals(c.logLevel, "debug");
  assertEquals(c.logFormat, "json");
  assertEquals(c.listen, { hostname: "127.0.0.1", port: 9000 });
  assertEquals(c.notify, "/share/done");
  assertEquals(c.waitFor.map((g) => g.kind), ["tcp", "unix"]);
  assertEquals(c.waitTimeoutMs, 5000);
});

Deno.test("environment twins, and a flag beats its variable", () => {
  const env = {
    GUILLOTINE_WATCHED_FILE: "/share/completed",
    GUILLOTINE_SIGNAL: "SIGINT",
    GUILLOTINE_GRACE_PERIOD: "10",
    GUILLOTINE_EXIT_CODE: "4",
    GUILLOTINE_SUCCESS_EXIT_CODES: "143, 130",
    GUILLOTINE_POLL_INTERVAL: "250ms",
    GUILLOTINE_LOG_LEVEL: "warn",
    GUILLOTINE_LOG_FORMAT: "json",
    GUILLOTINE_WATCH_MODE: "any",
    GUILLOTINE_WAIT_FOR: "file:/a,tcp:127.0.0.1:1",
    GUILLOTINE_LISTEN: "0.0.0.0:8080",
    GUILLOTINE_EXIT_CODE_FROM_FILE: "true",
  };
  const c = config(["x"], env);
  assertEquals(c.watch, ["/share/completed"]);
  assertEquals(c.signal.name, "SIGINT");
  assertEquals(c.gracePeriodMs, 10_000);
  assertEquals(c.exitCode, 4);
  assertEquals(c.successExitCodes, [143, 130]);
  assertEquals(c.pollIntervalMs, 250);
  assertEquals(c.logLevel, "warn");
  assertEquals(c.logFormat, "json");
  assertEquals(c.watchMode, "any");
  assertEquals(c.waitFor.length, 2);
  assertEquals(c.listen, { hostname: "0.0.0.0", port: 8080 });
  assertEquals(c.exitCodeFromFile, true);
  const f = config([
    "--watch",
    "/flag",
    "--signal",
    "HUP",
    "--grace-period",
    "1s",
    "x",
  ], env);
  assertEquals(f.watch, ["/flag"]);
  assertEquals(f.signal.name, "SIGHUP");
  assertEquals(f.gracePeriodMs, 1000);
});

Deno.test("GUILLOTINE_INTERVAL is the original's alias, in seconds", () => {
  assertEquals(
    config(["x"], { GUILLOTINE_INTERVAL: "3" }).pollIntervalMs,
    3000,
  );
  assertEquals(
    config(["x"], { GUILLOTINE_INTERVAL: "3", GUILLOTINE_POLL_INTERVAL: "1s" })
      .pollIntervalMs,
    1000,
  );
  assertEquals(
    config(["--poll-interval", "2s", "x"], { GUILLOTINE_INTERVAL: "3" })
      .pollIntervalMs,
    2000,
  );
});

Deno.test("an empty variable counts as unset", () => {
  assertEquals(
    config(["x"], { GUILLOTINE_WATCHED_FILE: "", GUILLOTINE_SIGNAL: "" }).watch,
    [],
  );
});

Deno.test("usage errors name the problem and the way out", () => {
  usageError(
    ["--nope", "x"],
    {},
    /Unknown option "--nope": run guillotine --help/,
  );
  usageError(["--grace-period"], {}, /Option --grace-period needs a value/);
  usageError(
    ["--grace-period", "x", "y"],
    {},
    /Cannot parse duration "x".*\(from --grace-period\)/,
  );
  usageError(
    ["y"],
    { GUILLOTINE_GRACE_PERIOD: "x" },
    /\(from GUILLOTINE_GRACE_PERIOD\)/,
  );
  usageError(["--signal", "NOPE", "x"], {}, /Cannot parse signal/);
  usageError(
    ["--exit-code", "-1", "x"],
    {},
    /Unknown option|Cannot parse exit code/,
  );
  usageError(["--exit-code", "300", "x"], {}, /Cannot parse exit code "300"/);
  usageError(
    ["--success-exit-code", "a", "x"],
    {},
    /Cannot parse exit code "a"/,
  );
  usageError(
    ["--watch-mode", "some", "x"],
    {},
    /Cannot parse watch mode "some": use all or any/,
  );
  usageError(
    ["--log-level", "loud", "x"],
    {},
    /use error or warn or info or debug/,
  );
  usageError(["--listen", "host", "x"], {}, /Cannot parse listen address/);
  usageError(["--listen", "70000", "x"], {}, /Cannot parse listen address/);
  usageError(["--wait-for", "ftp:x", "x"], {}, /Cannot parse wait-for "ftp:x"/);
  usageError(["--signal", "INT", "--signal", "TERM", "x"], {}, /given twice/);
  usageError(["--help=yes"], {}, /takes no value/);
  usageError([], {}, /No command given/);
  usageError(["--watch", "", "x"], {}, /watched file path is empty/);
  usageError(
    ["--watch-method", "poll", "--poll-interval", "0", "x"],
    {},
    /needs a poll interval/,
  );
  usageError(["--exit-code-from-file", "x"], {}, /needs a watched file/);
});

Deno.test("--help and --version win over everything else", () => {
  assertEquals(parseOptions(["--help"], {}).kind, "help");
  assertEquals(parseOptions(["-h", "x"], {}).kind, "help");
  assertEquals(parseOptions(["--version"], {}).kind, "version");
});

Deno.test("the help names every environment twin", () => {
  const help = helpText();
  for (
    const name of [
      "GUILLOTINE_WATCHED_FILE",
      "GUILLOTINE_SIGNAL",
      "GUILLOTINE_GRACE_PERIOD",
      "GUILLOTINE_EXIT_CODE",
      "GUILLOTINE_SUCCESS_EXIT_CODES",
      "GUILLOTINE_POLL_INTERVAL",
      "GUILLOTINE_INTERVAL",
      "GUILLOTINE_LOG_LEVEL",
      "GUILLOTINE_LOG_FORMAT",
    ]
  ) assertMatch(help, new RegExp(name));
});

Deno.test("describeConfig logs parsed values", () => {
  const fields = describeConfig(
    config(["--watch", "/a", "--grace-period", "90", "x"]),
  );
  assertEquals(fields.grace_period, "90s");
  assertEquals(fields.signal, "SIGTERM");
});

Deno.test("lib/version.ts matches deno.json", async () => {
  const json = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  assertEquals(VERSION, json.version);
});

Deno.test("a file both watched and notified is refused", () => {
  usageError(
    ["--notify", "/share/done", "x"],
    { GUILLOTINE_WATCHED_FILE: "/share/done" },
    /both watched and written by --notify/,
  );
});

Deno.test("describeConfig leaves out what the configuration does not use", () => {
  const plain = describeConfig(config(["x"]));
  assertEquals(Object.keys(plain), ["command"]);
  const watching = describeConfig(config(["--watch", "/a", "x"]));
  assertEquals(Object.keys(watching), [
    "command",
    "watch",
    "watch_method",
    "poll_interval",
    "signal",
    "grace_period",
    "exit_code",
  ]);
});
