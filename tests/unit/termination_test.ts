// The termination message: its words for each kind of end, its bound, and
// the rules for the file it goes to (never created, never a FIFO).
import assert from "node:assert/strict";
import type { Outcome } from "../../lib/reports/outcome.ts";
import { parseOptions } from "../../lib/options/parse.ts";
import {
  type End,
  type EndSettings,
  fitBytes,
  TERMINATION_MESSAGE_BYTES,
  terminationMessage,
  writeTerminationLog,
} from "../../lib/reports/termination.ts";
import { recordingLogger, tempDir } from "../harness/mod.ts";

const SETTINGS: EndSettings = {
  signal: { name: "SIGTERM", number: 15 },
  exitCodeFromFile: false,
  waitTimeoutMs: 30_000,
};
const FROM_FILE: EndSettings = { ...SETTINGS, exitCodeFromFile: true };

const trigger = {
  reason: "watched file /share/done exists",
  files: ["/share/done"],
};

function guillotined(
  fields: Partial<Extract<Outcome, { kind: "guillotined" }>>,
): Outcome {
  return {
    kind: "guillotined",
    trigger,
    status: { code: null, signal: 15 },
    started: true,
    exitCode: 0,
    ...fields,
  };
}

const CASES: [string, End, EndSettings, string][] = [
  [
    "child exited 0",
    {
      outcome: { kind: "exited", status: { code: 0, signal: null } },
      exitCode: 0,
    },
    SETTINGS,
    "child exited with 0; exit 0",
  ],
  [
    "child exited 3",
    {
      outcome: { kind: "exited", status: { code: 3, signal: null } },
      exitCode: 3,
    },
    SETTINGS,
    "child exited with 3; exit 3",
  ],
  [
    "child's code listed as a success",
    {
      outcome: { kind: "exited", status: { code: 143, signal: null } },
      exitCode: 0,
    },
    SETTINGS,
    "child exited with 143; exit 0",
  ],
  [
    "child killed by a signal",
    {
      outcome: { kind: "exited", status: { code: null, signal: 9 } },
      exitCode: 137,
    },
    SETTINGS,
    "child killed by SIGKILL; exit 137",
  ],
  [
    "trigger; the child dies of the signal",
    { outcome: guillotined({ stopMs: 312 }), exitCode: 0 },
    SETTINGS,
    "guillotined: watched file /share/done exists; child stopped by SIGTERM after 0.3s; exit 0",
  ],
  [
    "trigger; the child exits on the signal, fast",
    {
      outcome: guillotined({ status: { code: 0, signal: null }, stopMs: 12.4 }),
      exitCode: 0,
    },
    SETTINGS,
    "guillotined: watched file /share/done exists; sent SIGTERM; child exited with 0 after 12ms; exit 0",
  ],
  [
    "trigger; the grace period ran out",
    {
      outcome: guillotined({
        status: { code: null, signal: 9 },
        stopMs: 30_004,
      }),
      exitCode: 0,
    },
    SETTINGS,
    "guillotined: watched file /share/done exists; sent SIGTERM; child killed by SIGKILL after 30.0s; exit 0",
  ],
  [
    "trigger; the group outlived SIGKILL",
    { outcome: guillotined({ status: null, stopMs: 40_000 }), exitCode: 0 },
    SETTINGS,
    "guillotined: watched file /share/done exists; sent SIGTERM; the child's processes outlived SIGKILL; exit 0",
  ],
  [
    "trigger before the child started",
    { outcome: guillotined({ status: null, started: false }), exitCode: 0 },
    SETTINGS,
    "guillotined: watched file /share/done exists; child not started; exit 0",
  ],
  [
    "quit endpoint",
    {
      outcome: guillotined({
        trigger: { reason: "POST /quitquitquit", files: [] },
        stopMs: 1200,
      }),
      exitCode: 0,
    },
    FROM_FILE,
    "guillotined: POST /quitquitquit; child stopped by SIGTERM after 1.2s; exit 0",
  ],
  [
    "the main container's record gives the code",
    { outcome: guillotined({ stopMs: 1234, exitCode: 3 }), exitCode: 3 },
    FROM_FILE,
    "main container ended with 3 (record /share/done); child stopped by SIGTERM after 1.2s; exit 3",
  ],
  [
    "several records",
    {
      outcome: guillotined({
        trigger: { reason: "x", files: ["/a/done", "/b/done"] },
        status: { code: null, signal: 2 },
        stopMs: 100,
        exitCode: 4,
      }),
      exitCode: 4,
    },
    { ...FROM_FILE, signal: { name: "SIGINT", number: 2 } },
    "main container ended with 4 (records /a/done, /b/done); child stopped by SIGINT after 0.1s; exit 4",
  ],
  [
    "a signal before the child started",
    { outcome: { kind: "interrupted", signal: 15 }, exitCode: 143 },
    SETTINGS,
    "SIGTERM before the child started; exit 143",
  ],
  [
    "gates not ready",
    {
      outcome: {
        kind: "wait-timeout",
        notReady: ["tcp:127.0.0.1:5432", "file:/x"],
      },
      exitCode: 124,
    },
    SETTINGS,
    "gates not ready after 30s: tcp:127.0.0.1:5432, file:/x; exit 124",
  ],
  [
    "guillotine's own error",
    {
      error: 'Command "psql" not found in PATH: check its name',
      exitCode: 127,
    },
    SETTINGS,
    'guillotine error: Command "psql" not found in PATH: check its name; exit 127',
  ],
];

for (const [name, end, settings, expected] of CASES) {
  Deno.test(`termination message: ${name}`, () => {
    assert.equal(terminationMessage(end, settings), expected);
  });
}

Deno.test("termination message: one line, at most 4096 bytes with its newline", () => {
  const long = `a\nb\r\n${"é".repeat(5000)}`;
  const message = terminationMessage({ error: long, exitCode: 125 }, SETTINGS);
  assert(!/[\r\n]/.test(message));
  assert(message.startsWith("guillotine error: a b é"));
  assert(message.endsWith("é..."), "cut between characters, marked");
  const bytes = new TextEncoder().encode(`${message}\n`).length;
  assert(bytes <= TERMINATION_MESSAGE_BYTES, `${bytes}`);
  assert(bytes >= TERMINATION_MESSAGE_BYTES - 2, `${bytes}: filled`);
});

Deno.test("--termination-log: default /dev/termination-log, a path, or off", () => {
  const value = (args: string[], env: Record<string, string> = {}) => {
    const request = parseOptions([...args, "x"], env);
    assert(request.kind === "run");
    return request.config.terminationLog;
  };
  assert.equal(value([]), "/dev/termination-log");
  assert.equal(value(["--termination-log", "/tmp/t"]), "/tmp/t");
  assert.equal(value(["--termination-log", "off"]), null);
  assert.equal(value([], { GUILLOTINE_TERMINATION_LOG: "off" }), null);
  assert.equal(value([], { GUILLOTINE_TERMINATION_LOG: "/x" }), "/x");
  assert.throws(
    () => parseOptions(["--termination-log", " ", "x"], {}),
    /termination log path is empty: give a path such as \/dev\/termination-log or off \(from --termination-log\)/,
  );
});

Deno.test("the termination log is appended to, on a line of its own", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/termination-log`;
  const { log } = recordingLogger();
  await Deno.writeTextFile(path, "");
  assert(await writeTerminationLog(path, "first", log));
  assert.equal(await Deno.readTextFile(path), "first\n");
  await Deno.writeTextFile(path, "the child's own words");
  assert(await writeTerminationLog(path, "second", log));
  assert.equal(
    await Deno.readTextFile(path),
    "the child's own words\nsecond\n",
  );
});

Deno.test("the termination log is never created, nor written through a directory", async () => {
  await using dir = await tempDir();
  const { lines, log } = recordingLogger();
  assert.equal(
    await writeTerminationLog(`${dir.path}/absent`, "x", log),
    false,
  );
  assert.equal(await writeTerminationLog(dir.path, "x", log), false);
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
  assert.equal(await writeTerminationLog("/dev/null", "x", log), false);
  assert(!lines.some((l) => / (warn|error): /.test(l)), lines.join("\n"));
});

Deno.test("a FIFO at the termination log's path is left alone, at once", async () => {
  await using dir = await tempDir();
  const fifo = `${dir.path}/termination-log`;
  const made = new Deno.Command("mkfifo", { args: [fifo] }).outputSync();
  assert(made.success, "mkfifo (coreutils) is needed");
  const { lines, log } = recordingLogger();
  const started = performance.now();
  assert.equal(await writeTerminationLog(fifo, "x", log), false);
  assert(performance.now() - started < 1000);
  // Not even opened: the stat comes first.
  assert(!lines.some((l) => / (warn|error): /.test(l)), lines.join("\n"));
});

Deno.test("fitBytes cuts between characters and marks the cut", () => {
  assert.equal(fitBytes("abcdef", 5), "ab...");
  assert.equal(fitBytes("éééé", 6), "é...");
  assert.equal(fitBytes("éééé", 7), "éé...");
  assert.equal(fitBytes("a€bc", 5), "a...");
  assert.equal(fitBytes("short", 4096), "short");
});
