// The command line and the environment, generated at random: valid and
// invalid values, unknown options, duplicates, empty strings and values that
// were not UTF-8. Each run either is the one-line usage error (125) or a
// configuration that round-trips through configArguments and describeConfig.
// Replay a failure with GUILLOTINE_FUZZ_SEED=<the printed seed>.
import assert from "node:assert/strict";
import { GuillotineError } from "../../lib/runtime/errors.ts";
import { isDeepStrictEqual } from "node:util";
import type { Config } from "../../lib/options/config.ts";
import { describeConfig } from "../../lib/options/describe.ts";
import { type NotText, parseOptions } from "../../lib/options/parse.ts";

import { OPTIONS, showValue } from "../../lib/options/table.ts";

/**
 * The configuration as a command line that gives it back: each setting that
 * differs from its default, as guillotine shows it, then `--` and the
 * command. What `--help` and the log show is therefore what the parser reads.
 */
function configArguments(config: Config): string[] {
  const args: string[] = [];
  for (const option of OPTIONS) {
    const value: unknown = config[option.key];
    if (isDeepStrictEqual(value, option.fallback)) continue;
    if (option.placeholder === null) {
      args.push(option.flag);
      continue;
    }
    for (const item of option.list ? value as unknown[] : [value]) {
      args.push(
        `${option.flag}=${showValue(option, option.list ? [item] : item)}`,
      );
    }
  }
  return [...args, "--", ...config.command];
}

Deno.test("configArguments gives each setting as guillotine shows it", () => {
  const request = parseOptions(["--grace-period", "1500ms", "/proxy"], {});
  assert(request.kind === "run");
  assert.deepEqual(configArguments(request.config), [
    "--grace-period=1.5s",
    "--",
    "/proxy",
  ]);
});

const CASES = 6000;

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values that some option accepts; the generator mixes them across options. */
const GOOD: Readonly<Record<string, readonly string[]>> = {
  "--watch": ["/share/done", "done", "./a/b", " /x/y\n", "/s/d1", "/s/d2"],
  "--watch-mode": ["all", "any", "ANY"],
  "--watch-method": ["events", "poll"],
  "--poll-interval": ["0", "1s", "250ms", "1.5s", "2m", "1h", "100"],
  "--signal": ["TERM", "sigint", "9", "SIGUSR1", "hup", "15"],
  "--grace-period": ["0", "30s", "1500ms", "10m", "2"],
  "--exit-code": ["0", "1", "255", "143"],
  "--success-exit-code": ["0", "3", "143", "255"],
  "--notify": ["/share/done", "rec", "/x/y/z"],
  "--exit-code-from-file": ["true"],
  "--wait-for": [
    "tcp:127.0.0.1:5432",
    "unix:/s/db.sock",
    "file:/s/ready",
    "http://127.0.0.1:8080/ready",
    "tcp:[::1]:80",
  ],
  "--wait-timeout": ["1s", "500ms", "0"],
  "--listen": ["9091", "127.0.0.1:9091", "[::1]:8080", "0.0.0.0:1"],
  "--log-level": ["error", "warn", "info", "debug"],
  "--log-format": ["text", "json"],
  "--lease": ["on", "off", "true", "no"],
  "--lost-main-grace": ["0", "10s", "500ms"],
  "--lost-main-exit-code": ["1", "0", "42"],
  "--quit-url": [
    "istio",
    "cloud-sql-proxy:9092",
    "http://127.0.0.1:15020/quitquitquit",
    "https://[::1]:8443/x?y=1",
    "linkerd",
  ],
  "--termination-log": ["/dev/termination-log", "off", "/tmp/term"],
};

/** Values that are wrong for most options. */
const BAD = [
  "",
  " ",
  "\n",
  "-1",
  "256",
  "abc",
  "1x",
  "/share/",
  ".",
  "tcp:",
  "SIGNOPE",
  "99999",
  "é",
  "a\u0000b",
  "1e3",
  "--",
  "-",
  "NaN",
  "Infinity",
];

const JUNK_OPTIONS = ["--nope", "-x", "--watch-mod", "--=", "---", "-h=1"];

Deno.test(`options: ${CASES} random command lines and environments parse or fail in one line, and round-trip`, () => {
  const seed = Number(Deno.env.get("GUILLOTINE_FUZZ_SEED")) ||
    Math.floor(Math.random() * 2 ** 31);
  console.log(`seed ${seed} (replay with GUILLOTINE_FUZZ_SEED=${seed})`);
  const random = generator(seed);
  const pick = <T>(items: readonly T[]): T =>
    items[Math.floor(random() * items.length)];
  const anyGood = Object.values(GOOD).flat();
  const value = (flag: string): string => {
    const r = random();
    if (r < 0.6 && GOOD[flag]) return pick(GOOD[flag]);
    if (r < 0.8) return pick(BAD);
    return pick(anyGood);
  };
  let accepted = 0;
  for (let n = 0; n < CASES; n++) {
    const args: string[] = [];
    const notTextArgs = new Set<number>();
    const env: Record<string, string> = {};
    const notTextEnv = new Set<string>();
    for (let k = Math.floor(random() * 6); k > 0; k--) {
      const r = random();
      if (r < 0.05) {
        args.push(pick(JUNK_OPTIONS));
        continue;
      }
      const option = pick(OPTIONS);
      if (option.placeholder === null) {
        args.push(random() < 0.9 ? option.flag : `${option.flag}=yes`);
        continue;
      }
      const text = value(option.flag);
      if (random() < 0.5) {
        args.push(`${option.flag}=${text}`);
      } else {
        args.push(option.flag, text);
      }
      // As if Deno had decoded bytes that were not UTF-8.
      if (random() < 0.03) notTextArgs.add(args.length - 1);
    }
    for (let k = Math.floor(random() * 3); k > 0; k--) {
      const option = pick(OPTIONS);
      const names = [option.env, ...(option.envAliases ?? [])];
      const name = pick(names);
      env[name] = option.placeholder === null
        ? pick(["true", "false", "1", "0", "yes", "maybe", "", " "])
        : option.list?.separator
        ? [value(option.flag), value(option.flag)].join(
          typeof option.list.separator === "string"
            ? option.list.separator
            : " ",
        )
        : value(option.flag);
      if (random() < 0.03) notTextEnv.add(name);
    }
    const r = random();
    if (r < 0.1) {
      // no command
    } else if (r < 0.3) {
      args.push("--", pick(["-dash", "/proxy", "a b"]), "x");
    } else {
      args.push("/proxy", "--flag", "");
    }
    const notText: NotText = { args: notTextArgs, env: notTextEnv };
    const where = `case ${n} of seed ${seed}: ${JSON.stringify({ args, env })}`;
    let request;
    try {
      request = parseOptions(args, env, notText);
    } catch (error) {
      assert.ok(
        error instanceof GuillotineError,
        `${where}: threw ${(error as Error)?.stack}`,
      );
      assert.equal(error.exitCode, 125, where);
      assert.doesNotMatch(error.message, /\n/, `${where}: message has lines`);
      assert.ok(error.message.length > 10, where);
      continue;
    }
    if (request.kind !== "run") continue;
    accepted++;
    const again = configArguments(request.config);
    let second;
    try {
      second = parseOptions(again, {});
    } catch (error) {
      assert.fail(
        `${where}: its own arguments ${JSON.stringify(again)} fail: ${
          (error as Error).message
        }`,
      );
    }
    assert.equal(second.kind, "run", where);
    if (second.kind !== "run") continue;
    assert.deepEqual(second.config, request.config, where);
    assert.deepEqual(
      describeConfig(second.config),
      describeConfig(request.config),
      where,
    );
  }
  console.log(`${accepted} of ${CASES} accepted and round-tripped`);
  assert.ok(accepted > CASES / 10, "too few valid cases to mean anything");
});
