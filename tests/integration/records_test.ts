// Completion records on both sides (lib/reports/records.ts): the main side
// writes a whole record where it was told, parents made, nothing left behind
// when it fails; the sidecar's --exit-code-from-file takes the first non-zero
// code among its records, and a file that is no record counts as --exit-code.
import assert from "node:assert/strict";
import { parseRecord } from "../../lib/reports/records.ts";
import { eventsOf, run, tempDir } from "../harness/mod.ts";

Deno.test("records: --notify makes missing parent directories and writes the whole record, and says so with its fields", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/a/b/done`;
  const result = await run([
    "--log-format",
    "json",
    "--notify",
    record,
    "sh",
    "-c",
    "exit 5",
  ]);
  assert.equal(result.code, 5, result.stderr);
  const text = await Deno.readTextFile(record);
  assert.ok(text.endsWith("}\n"), JSON.stringify(text));
  const parsed = parseRecord(text);
  assert.ok("record" in parsed, text);
  const { endedAt, ...rest } = JSON.parse(text);
  assert.deepEqual(rest, {
    guillotine: 1,
    exitCode: 5,
    signal: null,
    reason: "exited",
    command: ["sh", "-c", "exit 5"],
  });
  assert.ok(Math.abs(Date.parse(endedAt) - Date.now()) < 60_000, endedAt);
  const wrote = eventsOf(result.stderr).filter((e) =>
    e.msg === "wrote completion record"
  );
  assert.deepEqual(
    wrote.map(({ level, file, exit_code, reason }) => ({
      level,
      file,
      exit_code,
      reason,
    })),
    [{ level: "info", file: record, exit_code: 5, reason: "exited" }],
  );
  // Only the record: the temporary file was renamed into place.
  const names = [...Deno.readDirSync(`${dir.path}/a/b`)].map((e) => e.name);
  assert.deepEqual(names.sort(), ["done", "done.lock"]);
});

Deno.test("records: a record that cannot be written leaves no temporary file behind, and names the errno", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  // A directory that is not empty at the record's path: the rename fails.
  const result = await run([
    "--log-format",
    "json",
    "--notify",
    record,
    "sh",
    "-c",
    `mkdir ${record} && touch ${record}/x && exit 4`,
  ]);
  assert.equal(result.code, 4, result.stderr);
  const failed = eventsOf(result.stderr).filter((e) =>
    e.msg.startsWith("cannot write completion record")
  );
  assert.deepEqual(
    failed.map(({ level, file, errno }) => ({ level, file, errno })),
    [{ level: "error", file: record, errno: "EISDIR" }],
    result.stderr,
  );
  const names = [...Deno.readDirSync(dir.path)].map((e) => e.name);
  assert.deepEqual(names.sort(), ["done", "done.lock"]);
});

/** A record with this exit code, as the main side writes it. */
function record(exitCode: number): string {
  return `${JSON.stringify({ guillotine: 1, exitCode, signal: null })}\n`;
}

Deno.test("records: --exit-code-from-file gives the first non-zero code among the records, in the order watched", async () => {
  const table: [string[], number][] = [
    [[record(0), record(0)], 0],
    [[record(0), record(4)], 4],
    [[record(4), record(0)], 4],
    [[record(3), record(4)], 3],
    // Not a record: --exit-code (9) in its place.
    [[record(0), "{torn"], 9],
    [["", record(0)], 9],
    [[record(6), "{torn"], 6],
  ];
  for (const [contents, expected] of table) {
    await using dir = await tempDir();
    const files = contents.map((_, i) => `${dir.path}/done-${i}`);
    for (const [i, text] of contents.entries()) {
      await Deno.writeTextFile(files[i], text);
    }
    const result = await run([
      "--log-format",
      "json",
      ...files.flatMap((f) => ["--watch", f]),
      "--exit-code-from-file",
      "--exit-code",
      "9",
      "true",
    ]);
    const what = JSON.stringify(contents);
    assert.equal(result.code, expected, `${what}: ${result.stderr}`);
    const events = eventsOf(result.stderr);
    for (const [i, text] of contents.entries()) {
      const parsed = parseRecord(text);
      const about = events.filter((e) =>
        e.file === files[i] && e.msg.includes("completion record")
      );
      if ("record" in parsed) {
        assert.deepEqual(
          about.map(({ level, msg, exit_code }) => ({ level, msg, exit_code })),
          [{
            level: "info",
            msg: "read completion record",
            exit_code: parsed.record.exitCode,
          }],
          what,
        );
      } else {
        assert.deepEqual(
          about.map(({ level, msg }) => ({ level, msg })),
          [{
            level: "warn",
            msg:
              `not a completion record (${parsed.problem}): using exit code 9`,
          }],
          what,
        );
      }
    }
  }
});

Deno.test("records: a watched path that cannot be read as a file counts as --exit-code, with the reason", async () => {
  await using dir = await tempDir();
  const good = `${dir.path}/done-0`, fifo = `${dir.path}/done-1`;
  await Deno.writeTextFile(good, record(0));
  const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assert.ok(made.success, "mkfifo");
  const result = await run([
    "--log-format",
    "json",
    "--watch",
    good,
    "--watch",
    fifo,
    "--exit-code-from-file",
    "--exit-code",
    "9",
    "true",
  ]);
  assert.equal(result.code, 9, result.stderr);
  const about = eventsOf(result.stderr).filter((e) =>
    e.file === fifo && e.msg.includes("completion record")
  );
  assert.deepEqual(
    about.map(({ level, msg }) => ({ level, msg })),
    [{
      level: "warn",
      msg: "cannot read completion record: using exit code 9",
    }],
    result.stderr,
  );
  assert.equal(typeof about[0].error, "string");
  assert.match(String(about[0].error), /not a regular file/);
});

Deno.test("records: a directory that cannot be made for the record is an error without an errno", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/sub/done`;
  // The child puts a file where the record's directory was: mkdir fails in
  // Deno, not in a system call of guillotine's, so there is no errno to name.
  const result = await run([
    "--log-format",
    "json",
    "--notify",
    record,
    "sh",
    "-c",
    `rm -r ${dir.path}/sub && touch ${dir.path}/sub && exit 2`,
  ]);
  assert.equal(result.code, 2, result.stderr);
  const failed = eventsOf(result.stderr).filter((e) =>
    e.msg.startsWith("cannot write completion record")
  );
  assert.deepEqual(
    failed.map(({ level, file, errno }) => ({ level, file, errno })),
    [{ level: "error", file: record, errno: null }],
    result.stderr,
  );
  assert.equal(typeof failed[0].error, "string");
});
