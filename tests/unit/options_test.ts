import { GuillotineError } from "../../lib/runtime/errors.ts";
import type { Config } from "../../lib/options/config.ts";
import { describeConfig } from "../../lib/options/describe.ts";
import { helpText } from "../../lib/options/help.ts";
import { parseOptions, UsageError } from "../../lib/options/parse.ts";
import { VERSION } from "../../lib/options/version.ts";
import assert from "node:assert/strict";

function config(args: string[], env: Record<string, string> = {}): Config {
  const request = parseOptions(args, env);
  assert.ok(request.kind === "run");
  return request.config;
}

function usageError(
  args: string[],
  env: Record<string, string>,
  pattern: RegExp,
) {
  assert.throws(() => parseOptions(args, env), (error) => {
    assert.ok(error instanceof GuillotineError, String(error));
    assert.match(error.message, pattern);
    assert.equal(error.exitCode, 125);
    assert.ok(!error.message.includes("\n"), "one line");
    return true;
  });
}

Deno.test("defaults", () => {
  const c = config(["/proxy"]);
  assert.deepEqual(c.command, ["/proxy"]);
  assert.deepEqual(c.watch, []);
  assert.deepEqual(c.watchMode, "all");
  assert.deepEqual(c.watchMethod, "events");
  assert.deepEqual(c.signal, { name: "SIGTERM", number: 15 });
  assert.deepEqual(c.gracePeriodMs, 30_000);
  assert.deepEqual(c.exitCode, 0);
  assert.deepEqual(c.successExitCodes, []);
  assert.deepEqual(c.pollIntervalMs, 1000);
  assert.deepEqual(c.logLevel, "info");
  assert.deepEqual(c.logFormat, "text");
  assert.deepEqual(c.notify, null);
  assert.deepEqual(c.listen, null);
  assert.deepEqual(c.waitTimeoutMs, 60_000);
});

Deno.test("options end at the first non-option or at --", () => {
  assert.deepEqual(config(["/cloud_sql_proxy", "-dir", "/share"]).command, [
    "/cloud_sql_proxy",
    "-dir",
    "/share",
  ]);
  assert.deepEqual(config(["--", "--weird"]).command, ["--weird"]);
  assert.deepEqual(config(["--signal", "INT", "--", "x", "--signal"]).command, [
    "x",
    "--signal",
  ]);
  assert.deepEqual(config(["-", "a"]).command, ["-", "a"]);
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
  assert.deepEqual(c.watch, ["/a", "/b"]);
  assert.deepEqual(c.watchMode, "any");
  assert.deepEqual(c.signal.name, "SIGQUIT");
  assert.deepEqual(c.gracePeriodMs, 500);
  assert.deepEqual(c.exitCode, 3);
  assert.deepEqual(c.successExitCodes, [143, 1]);
  assert.deepEqual(c.pollIntervalMs, 0);
  assert.deepEqual(c.logLevel, "debug");
  assert.deepEqual(c.logFormat, "json");
  assert.deepEqual(c.listen, { hostname: "127.0.0.1", port: 9000 });
  assert.deepEqual(c.notify, "/share/done");
  assert.deepEqual(c.waitFor.map((g) => g.kind), ["tcp", "unix"]);
  assert.deepEqual(c.waitTimeoutMs, 5000);
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
  assert.deepEqual(c.watch, ["/share/completed"]);
  assert.deepEqual(c.signal.name, "SIGINT");
  assert.deepEqual(c.gracePeriodMs, 10_000);
  assert.deepEqual(c.exitCode, 4);
  assert.deepEqual(c.successExitCodes, [143, 130]);
  assert.deepEqual(c.pollIntervalMs, 250);
  assert.deepEqual(c.logLevel, "warn");
  assert.deepEqual(c.logFormat, "json");
  assert.deepEqual(c.watchMode, "any");
  assert.deepEqual(c.waitFor.length, 2);
  assert.deepEqual(c.listen, { hostname: "0.0.0.0", port: 8080 });
  assert.deepEqual(c.exitCodeFromFile, true);
  const f = config([
    "--watch",
    "/flag",
    "--signal",
    "HUP",
    "--grace-period",
    "1s",
    "x",
  ], env);
  assert.deepEqual(f.watch, ["/flag"]);
  assert.deepEqual(f.signal.name, "SIGHUP");
  assert.deepEqual(f.gracePeriodMs, 1000);
});

Deno.test("GUILLOTINE_INTERVAL is the original's alias, in seconds", () => {
  assert.deepEqual(
    config(["x"], { GUILLOTINE_INTERVAL: "3" }).pollIntervalMs,
    3000,
  );
  assert.deepEqual(
    config(["x"], { GUILLOTINE_INTERVAL: "3", GUILLOTINE_POLL_INTERVAL: "1s" })
      .pollIntervalMs,
    1000,
  );
  assert.deepEqual(
    config(["--poll-interval", "2s", "x"], { GUILLOTINE_INTERVAL: "3" })
      .pollIntervalMs,
    2000,
  );
});

Deno.test("an empty variable counts as unset", () => {
  assert.deepEqual(
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
  assert.deepEqual(parseOptions(["--help"], {}).kind, "help");
  assert.deepEqual(parseOptions(["-h", "x"], {}).kind, "help");
  assert.deepEqual(parseOptions(["--version"], {}).kind, "version");
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
  ) assert.match(help, new RegExp(name));
});

Deno.test("describeConfig logs parsed values", () => {
  const fields = describeConfig(
    config(["--watch", "/a", "--grace-period", "90", "x"]),
  );
  assert.deepEqual(fields.grace_period, "90s");
  assert.deepEqual(fields.signal, "SIGTERM");
});

Deno.test("lib/options/version.ts matches deno.json", async () => {
  const json = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  assert.deepEqual(VERSION, json.version);
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
  assert.deepEqual(Object.keys(plain), ["command"]);
  const watching = describeConfig(config(["--watch", "/a", "x"]));
  assert.deepEqual(Object.keys(watching), [
    "command",
    "watch",
    "watch_method",
    "poll_interval",
    "signal",
    "grace_period",
    "exit_code",
  ]);
});

Deno.test("a usage error hands back the settings that parsed despite it", () => {
  const partialOf = (args: string[], env: Record<string, string> = {}) => {
    try {
      parseOptions(args, env);
    } catch (error) {
      assert.ok(error instanceof UsageError, String(error));
      assert.equal(error.exitCode, 125);
      return error.partial;
    }
    assert.fail(`no usage error for ${args.join(" ")}`);
  };
  // An unknown option takes the words after it, up to the next option.
  let p = partialOf(["--grace-peroid", "5s", "--notify", "/s/done", "x"]);
  assert.equal(p.notify, "/s/done");
  assert.deepEqual(p.command, ["x"]);
  p = partialOf(["--bogus", "--watch", "/s/w", "--", "x"]);
  assert.deepEqual(p.watch, ["/s/w"]);
  assert.deepEqual(p.command, ["x"]);
  // A value that does not parse leaves out its option only.
  p = partialOf(["--grace-period", "xx", "--notify=/s/done", "x"]);
  assert.equal(p.notify, "/s/done");
  assert.ok(!("gracePeriodMs" in p));
  // An option given twice, or without its value, is left out: no guessing.
  p = partialOf(["--notify", "/a", "--notify", "/b", "x"]);
  assert.ok(!("notify" in p));
  p = partialOf(["--notify"], { GUILLOTINE_NOTIFY_FILE: "/env" });
  assert.ok(!("notify" in p));
  // The variable counts as it does when the line parses.
  p = partialOf(["-g", "1s"], { GUILLOTINE_NOTIFY_FILE: "/env" });
  assert.equal(p.notify, "/env");
});

Deno.test("an unknown GUILLOTINE_ variable is a usage error naming the nearest known one", () => {
  usageError(
    ["/proxy"],
    { GUILLOTINE_WATCHED_FIEL: "/share/done" },
    /^Unknown variable "GUILLOTINE_WATCHED_FIEL": .*GUILLOTINE_WATCHED_FILE/,
  );
  // Aliases and other programs' variables are not refused.
  config(["/proxy"], { GUILLOTINE_INTERVAL: "2s", GUILLOTINEX: "1" });
});

Deno.test("lists: a flag value is split as the variable is", () => {
  const fromFlag = config([
    "--quit-url",
    " http://127.0.0.1:9801/quitquitquit\nhttp://127.0.0.1:9802/quitquitquit ",
    "--success-exit-code",
    "143,2",
    "--wait-for",
    "file:/a,tcp:127.0.0.1:5432",
    "/proxy",
  ]);
  assert.deepEqual(fromFlag.quitUrls.map((t) => t.url), [
    "http://127.0.0.1:9801/quitquitquit",
    "http://127.0.0.1:9802/quitquitquit",
  ]);
  assert.deepEqual(fromFlag.successExitCodes, [143, 2]);
  assert.deepEqual(fromFlag.waitFor.map((g) => g.text), [
    "file:/a",
    "tcp:127.0.0.1:5432",
  ]);
  assert.deepEqual(
    config(["/proxy"], { GUILLOTINE_QUIT_URL: "istio envoy" }).quitUrls.length,
    2,
  );
});

Deno.test("lists: a list in another separator is refused, naming the list's own", () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [
      [],
      { GUILLOTINE_QUIT_URL: "istio,envoy" },
      /space-separated: write "istio envoy"/,
    ],
    [["--quit-url", "http://a/q,http://b/q"], {}, /space-separated/],
    [["--success-exit-code", "143 2"], {}, /comma-separated: write "143,2"/],
    [[], { GUILLOTINE_WAIT_FOR: "file:/a tcp:h:1" }, /comma-separated/],
    [[], { GUILLOTINE_WATCHED_FILE: "/a/done,/b/done" }, /once for each/],
    [["--watch", "/a/done /b/done"], {}, /once for each/],
  ];
  for (const [args, env, pattern] of cases) {
    usageError([...args, "/proxy"], env, pattern);
  }
  // One item that merely holds the other separator stays one item.
  assert.deepEqual(
    config(["--watch", "/share/my run,1/done", "/proxy"]).watch,
    [
      "/share/my run,1/done",
    ],
  );
  assert.deepEqual(
    config(["--wait-for", "file:/share/my file", "/proxy"]).waitFor[0].text,
    "file:/share/my file",
  );
});

Deno.test("a switch names on|off", () => {
  usageError(["--lease", "maybe", "/proxy"], {}, /"maybe": use on or off/);
});

Deno.test("restart policy: Never by default, OnFailure by flag or variable, nothing else", () => {
  assert.equal(config(["/proxy"]).restartPolicy, "Never");
  assert.equal(
    config(["--restart-policy", "OnFailure", "/proxy"]).restartPolicy,
    "OnFailure",
  );
  assert.equal(
    config(["/proxy"], { GUILLOTINE_RESTART_POLICY: "onfailure" })
      .restartPolicy,
    "OnFailure",
  );
  usageError(
    ["--restart-policy", "Always", "/proxy"],
    {},
    /Never or OnFailure/,
  );
});
