// Hardening of what guillotine is given (issue #9): values that are empty,
// not text, carry a newline or a trailing slash; arguments byte for byte; the
// command looked up in the PATH the user gave; one line instead of a stack
// trace; a record for guillotine's own errors.
import assert from "node:assert/strict";
import {
  findEvent,
  MAIN,
  PERMISSIONS,
  pollUntil,
  ROOT,
  run,
  start,
  tempDir,
} from "../harness/mod.ts";

const DENO = Deno.execPath();

/** The one line guillotine prints for its own errors; no stack trace. */
function errorLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) =>
    l.startsWith("guillotine: error:")
  );
  assert.equal(lines.length, 1, `one line expected in: ${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
  return lines[0];
}

/**
 * Runs guillotine through `sh`, so that arguments and variables can hold
 * bytes that are not UTF-8 (Deno.Command takes only strings): `script` is
 * shell text that ends by running "$@", which is deno running main.ts.
 */
async function viaShell(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command("sh", {
    args: ["-c", script, "sh", DENO, "run", ...PERMISSIONS, MAIN, ...args],
    env: { NO_COLOR: "1" },
    clearEnv: true,
    stdin: "null",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: output.code,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
  };
}

Deno.test("inputs: the command's arguments pass byte for byte, invalid UTF-8 included", async () => {
  const result = await viaShell(
    `exec "$@" "$(printf 'a\\377b')" "$(printf '\\303\\251')"`,
    ["sh", "-c", 'printf %s "$1|$2" | od -An -tx1', "sh"],
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim().replace(/\s+/g, " "), "61 ff 62 7c c3 a9");
});

Deno.test("inputs: an option value that is not UTF-8 is a 125 naming it", async () => {
  const result = await viaShell(
    `exec "$@" --watch "$(printf '/x/d\\377one')" -- true`,
    [],
  );
  assert.equal(result.code, 125);
  assert.match(errorLine(result.stderr), /--watch is not valid UTF-8/);
});

Deno.test("inputs: a GUILLOTINE_ variable that is not UTF-8 is a 125 naming it", async () => {
  for (
    const [name, value] of [
      ["GUILLOTINE_WATCHED_FILE", "/x/d\\377one"],
      ["GUILLOTINE_SIGNAL", "TERM\\377"],
    ]
  ) {
    const result = await viaShell(
      `${name}="$(printf '${value}')" exec "$@"`,
      ["true"],
    );
    assert.equal(result.code, 125, `${name}: ${result.stderr}`);
    assert.match(
      errorLine(result.stderr),
      new RegExp(`Variable ${name} is not valid UTF-8`),
    );
  }
});

Deno.test("inputs: a watched path from the environment is trimmed (a YAML block scalar's newline)", async () => {
  await using dir = await tempDir();
  await using g = start([
    "--log-format",
    "json",
    "--poll-interval",
    "50ms",
    "sleep",
    "100",
  ], { env: { GUILLOTINE_WATCHED_FILE: ` ${dir.path}/done\n` } });
  await g.childPid();
  await Deno.writeTextFile(`${dir.path}/done`, "");
  const status = await g.status(10_000);
  assert.equal(status.code, 0, g.stderr);
  findEvent(g.events, {
    msg: `guillotining the child: watched file ${dir.path}/done exists`,
  }, g.stderr);
});

Deno.test("inputs: empty, blank and directory-like path values are each a 125 naming the option", async () => {
  await using dir = await tempDir();
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--notify=", "true"], {}, /completion record path is empty.*--notify/],
    [["--notify", " ", "true"], {}, /completion record path is empty/],
    [["--watch=", "true"], {}, /watched file path is empty/],
    [
      ["--notify", `${dir.path}/done/`, "true"],
      {},
      /names a directory.*--notify/,
    ],
    [["--watch", "."], {}, /names a directory/],
    [["--notify", dir.path, "true"], {}, /is a directory: give --notify/],
    [
      ["true"],
      { GUILLOTINE_NOTIFY_FILE: "  \n" },
      /GUILLOTINE_NOTIFY_FILE holds only white space/,
    ],
  ];
  for (const [args, env, pattern] of cases) {
    const result = await run(args, { env, pid1: false });
    assert.equal(result.code, 125, `${args.join(" ")}: ${result.stderr}`);
    assert.match(errorLine(result.stderr), pattern, args.join(" "));
  }
  // The trailing slash made a directory before it failed.
  await assert.rejects(Deno.stat(`${dir.path}/done`), Deno.errors.NotFound);
});

Deno.test("inputs: --notify with a bare relative name writes beside it, on another file system too", async () => {
  // The working directory is a fresh tmpfs: a temporary file made in / (as
  // a bare name once did) cannot be renamed into it (EXDEV).
  await using dir = await tempDir();
  const output = await new Deno.Command("unshare", {
    args: [
      "--mount",
      "sh",
      "-c",
      `mount -t tmpfs tmpfs "$0" && cd "$0" && "$@"; code=$?; cat done; exit $code`,
      dir.path,
      DENO,
      "run",
      ...PERMISSIONS,
      MAIN,
      "--notify",
      "done",
      "sh",
      "-c",
      "exit 3",
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 3, stderr);
  const record = JSON.parse(new TextDecoder().decode(output.stdout));
  assert.equal(record.exitCode, 3);
});

Deno.test("inputs: guillotine's own errors write a record with their code", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  const bad = await run(["--notify", record, "--signal", "BOGUS", "true"], {
    pid1: false,
  });
  assert.equal(bad.code, 125);
  let written = JSON.parse(await Deno.readTextFile(record));
  assert.equal(written.exitCode, 125);
  assert.equal(written.reason, "error");

  // The same from the environment, and from an error found while running:
  // a --listen port that is taken.
  await Deno.remove(record);
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const busy = await run(
    ["--listen", `127.0.0.1:${taken.addr.port}`, "true"],
    { env: { GUILLOTINE_NOTIFY_FILE: record } },
  );
  assert.equal(busy.code, 125, busy.stderr);
  written = JSON.parse(await Deno.readTextFile(record));
  assert.equal(written.exitCode, 125);
});

Deno.test("inputs: the command is found in the PATH guillotine was given, not Deno's", async () => {
  await using dir = await tempDir();
  // Deno puts its node shim on its own PATH when the PATH has no node.
  // pid1: false, as unshare itself is found through PATH.
  const missing = await run(["node", "-e", "0"], {
    env: { PATH: `${dir.path}/empty` },
    pid1: false,
  });
  assert.equal(missing.code, 127, missing.stderr);
  assert.match(errorLine(missing.stderr), /"node" not found in PATH/);

  // execvp's rules: a directory and a file that cannot be executed are
  // skipped in favour of a later match; with nothing better, 126.
  for (const d of ["a", "b", "c"]) await Deno.mkdir(`${dir.path}/${d}`);
  await Deno.mkdir(`${dir.path}/a/hello`);
  await Deno.writeTextFile(`${dir.path}/b/hello`, "#!/bin/sh\necho b\n");
  await Deno.writeTextFile(`${dir.path}/c/hello`, "#!/bin/sh\necho c\n");
  await Deno.chmod(`${dir.path}/c/hello`, 0o755);
  const path = `${dir.path}/a:${dir.path}/b:${dir.path}/c:/usr/bin:/bin`;
  const found = await run(["hello"], { env: { PATH: path }, pid1: false });
  assert.equal(found.code, 0, found.stderr);
  assert.equal(found.stdout, "c\n");
  const denied = await run(["hello"], {
    env: { PATH: `${dir.path}/a:${dir.path}/b` },
    pid1: false,
  });
  assert.equal(denied.code, 126, denied.stderr);
  assert.match(errorLine(denied.stderr), /EACCES/);
});

Deno.test("inputs: --version to a full device is one line and 125, not a stack trace", async () => {
  const result = await viaShell(`exec "$@" >/dev/full`, ["--version"]);
  assert.equal(result.code, 125);
  assert.match(errorLine(result.stderr), /cannot write to standard output/);
});

Deno.test("inputs: a missing Deno permission names the flag, without a stack trace", async () => {
  const output = await new Deno.Command(DENO, {
    args: [
      "run",
      ...PERMISSIONS.filter((p) => p !== "--allow-ffi"),
      MAIN,
      "true",
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 125, stderr);
  assert.match(errorLine(stderr), /missing Deno permission.*--allow-ffi/);
});

Deno.test("inputs: a SIGTERM that comes while guillotine is still starting is not lost", async () => {
  // guillotine's stderr is a pipe filled to the brim, so its first log line
  // blocks: a SIGTERM sent then must still end it (as PID 1, the kernel
  // drops a signal that no listener awaits).
  await using dir = await tempDir();
  const fifo = `${dir.path}/stderr`;
  await new Deno.Command("mkfifo", { args: [fifo] }).output();
  using pipe = await Deno.open(fifo, { read: true, write: true });
  await pipe.write(new Uint8Array(65536).fill(46));
  const g = new Deno.Command("unshare", {
    args: [
      "--pid",
      "--fork",
      "--mount-proc",
      "sh",
      "-c",
      `exec "$@" 2>${fifo}`,
      "sh",
      DENO,
      "run",
      ...PERMISSIONS,
      MAIN,
      "sleep",
      "100",
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
  }).spawn();
  try {
    const pid = await pollUntil(() => {
      for (const entry of Deno.readDirSync("/proc")) {
        if (!/^\d+$/.test(entry.name)) continue;
        try {
          const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
          if (
            Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) ===
              g.pid
          ) {
            return Number(entry.name);
          }
        } catch { /* gone */ }
      }
    }, "guillotine to start");
    await pollUntil(
      () => Deno.readTextFileSync(`/proc/${pid}/syscall`).startsWith("1 0x2 "),
      "guillotine to block writing to its stderr",
    );
    Deno.kill(pid, "SIGTERM");
    const drained = (async () => {
      const buffer = new Uint8Array(65536);
      while (await pipe.read(buffer) !== null) { /* drain */ }
    })();
    drained.catch(() => {});
    const status = await Promise.race([
      g.status,
      new Promise<null>((r) => setTimeout(() => r(null), 15_000)),
    ]);
    assert.ok(status, "guillotine did not end: the SIGTERM was lost");
    assert.equal(status.code, 143);
  } finally {
    try {
      g.kill("SIGKILL");
    } catch { /* gone */ }
    await g.status;
  }
});

Deno.test("inputs: --exit-code-from-file does not block on a FIFO where the record should be", async () => {
  await using dir = await tempDir();
  const done = `${dir.path}/done`;
  await using g = start([
    "--log-format",
    "json",
    "--watch",
    done,
    "--watch-method",
    "poll",
    "--poll-interval",
    "50ms",
    "--exit-code-from-file",
    "--exit-code",
    "7",
    "sleep",
    "100",
  ]);
  await g.childPid();
  await new Deno.Command("mkfifo", { args: [done] }).output();
  const status = await g.status(10_000);
  assert.equal(status.code, 7, g.stderr);
  findEvent(g.events, {
    level: "warn",
    msg: "cannot read completion record: using exit code 7",
    file: done,
    error: "it is not a regular file (a directory, FIFO or device)",
  }, g.stderr);
});

Deno.test("inputs: a usage error anywhere still writes the record when --notify's own value is usable", async () => {
  await using dir = await tempDir();
  const D = dir.path;
  // Each: what goes before and after the notify option, which is added as
  // "--notify D/done" unless the line gives it itself (`=` form, variable).
  const cases: { args: (done: string) => string[]; env?: boolean }[] = [
    { args: (d) => ["--grace-peroid", "5s", "--notify", d, "--", "true"] },
    { args: (d) => ["-g", "5s", "--notify", d, "--", "true"] },
    { args: (d) => ["--notify", d, "--grace-peroid", "5s", "true"] },
    { args: (d) => ["--bogus=1", `--notify=${d}`, "true"] },
    { args: (d) => ["--bogus", "a", "b", "--notify", d, "--", "true"] },
    { args: (d) => ["--grace-period", "xx", "--notify", d, "true"] },
    { args: (d) => ["--signal", "BOGUS", "--notify", d, "true"] },
    { args: (d) => ["--exit-code-from-file=yes", "--notify", d, "true"] },
    {
      args: (
        d,
      ) => [
        "--grace-period",
        "1s",
        "--grace-period",
        "2s",
        "--notify",
        d,
        "true",
      ],
    },
    { args: (d) => ["--notify", d] },
    { args: (d) => ["--notify", d, "--watch", d, "true"] },
    { args: () => ["--grace-peroid", "5s", "--", "true"], env: true },
    { args: () => ["--bogus"], env: true },
  ];
  for (const [n, { args, env }] of cases.entries()) {
    const done = `${D}/${n}/done`;
    await Deno.mkdir(`${D}/${n}`);
    const argv = args(done);
    const result = await run(argv, {
      pid1: false,
      env: env ? { GUILLOTINE_NOTIFY_FILE: done } : {},
    });
    const what = `${argv.join(" ")}${env ? " (notify from the variable)" : ""}`;
    assert.equal(result.code, 125, `${what}: ${result.stderr}`);
    errorLine(result.stderr);
    assert.equal(
      result.stderr.trim().split("\n").length,
      1,
      `${what}: ${result.stderr}`,
    );
    const record = JSON.parse(await Deno.readTextFile(done));
    assert.equal(record.reason, "error", what);
    assert.equal(record.exitCode, 125, what);
  }
});
