// Exit codes swept over a table, and guillotine's own errors.
import assert from "node:assert/strict";
import { run, tempDir } from "../harness/mod.ts";

const CODES = [0, 1, 2, 3, 64, 127, 254, 255];
const DEATHS: [string, number][] = [
  ["HUP", 129],
  ["INT", 130],
  ["KILL", 137],
  ["SEGV", 139],
  ["TERM", 143],
  ["USR1", 138],
];

for (const code of CODES) {
  Deno.test(`a child that exits ${code} gives ${code}`, async () => {
    const result = await run(["sh", "-c", `exit ${code}`]);
    assert.deepEqual(result.code, code, result.stderr);
  });
}

for (const [signal, code] of DEATHS) {
  Deno.test(`a child killed by SIG${signal} gives ${code}`, async () => {
    const result = await run(["sh", "-c", `kill -${signal} $$`]);
    assert.deepEqual(result.code, code, result.stderr);
  });
}

Deno.test("--success-exit-code and its variable map listed codes to 0", async () => {
  assert.deepEqual(
    (await run(["--success-exit-code", "3", "sh", "-c", "exit 3"])).code,
    0,
  );
  assert.deepEqual(
    (await run(["sh", "-c", "exit 4"], {
      env: { GUILLOTINE_SUCCESS_EXIT_CODES: "3, 4" },
    })).code,
    0,
  );
  assert.deepEqual(
    (await run(["--success-exit-code", "3", "sh", "-c", "exit 4"])).code,
    4,
  );
});

/** The one line guillotine prints for its own errors. */
function errorLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) =>
    l.startsWith("guillotine: error:")
  );
  assert.deepEqual(lines.length, 1, `one error line expected in: ${stderr}`);
  return lines[0];
}

Deno.test("errors: 127 for a command not found", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/script`, "#!/no/such/interpreter\n");
  await Deno.chmod(`${dir.path}/script`, 0o755);
  for (
    const command of [
      "no-such-command-here",
      `${dir.path}/missing`,
      `${dir.path}/script`,
    ]
  ) {
    const result = await run([command]);
    assert.deepEqual(result.code, 127, command);
    assert.match(errorLine(result.stderr), /Command ".*" not found.*: check/);
  }
});

Deno.test("errors: 126 for a command that cannot be executed", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/plain`, "echo hi\n");
  await Deno.chmod(`${dir.path}/plain`, 0o644);
  const cases: [string, RegExp][] = [
    [`${dir.path}/plain`, /cannot be executed \(EACCES\): .*chmod \+x/],
    [dir.path, /cannot be executed \(EACCES\): it is a directory/],
  ];
  for (const [command, pattern] of cases) {
    const result = await run([command]);
    assert.deepEqual(result.code, 126, command);
    assert.match(errorLine(result.stderr), pattern);
  }
});

Deno.test("errors: 125 for guillotine's own errors, one line each", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--bogus", "sh"], {}, /Unknown option "--bogus": run guillotine --help/],
    [
      ["--grace-period", "10x", "sh"],
      {},
      /Cannot parse duration "10x": unknown unit "x"/,
    ],
    [
      ["sh"],
      { GUILLOTINE_GRACE_PERIOD: "soon" },
      /duration "soon".*GUILLOTINE_GRACE_PERIOD/,
    ],
    [["--signal", "SIGNOPE", "sh"], {}, /Cannot parse signal "SIGNOPE"/],
    [["--exit-code", "256", "sh"], {}, /Cannot parse exit code "256"/],
    [[], {}, /No command given: put the command to run after the options/],
    [["--watch"], {}, /Option --watch needs a value/],
    [
      ["--watch", "/etc/passwd/done", "sh"],
      {},
      /Cannot watch "\/etc\/passwd\/done": "\/etc\/passwd" is not a directory/,
    ],
    [
      ["--watch-method", "poll", "--poll-interval", "0", "sh"],
      {},
      /needs a poll interval/,
    ],
  ];
  for (const [args, env, pattern] of cases) {
    const result = await run(args, { env });
    assert.deepEqual(result.code, 125, `${args.join(" ")}: ${result.stderr}`);
    assert.match(errorLine(result.stderr), pattern);
  }
});

Deno.test("--help and --version exit 0", async () => {
  const help = await run(["--help"]);
  assert.deepEqual(help.code, 0);
  assert.match(help.stdout, /Usage: guillotine \[OPTIONS\] \[--\] COMMAND/);
  assert.match(help.stdout, /GUILLOTINE_WATCHED_FILE/);
  const version = await run(["--version"]);
  assert.deepEqual(version.code, 0);
  assert.match(version.stdout, /^guillotine \d+\.\d+\.\d+\n$/);
});
