// Both sides of the pod: each guillotine PID 1 of its own PID namespace, the
// two sharing a directory as an emptyDir does.
import { parseRecord } from "../../lib/reports/records.ts";
import assert from "node:assert/strict";
import { findEvent, ROOT, start, tempDir } from "../harness/mod.ts";

const SERVER = ["deno", "run", "-A", `${ROOT}demo/proxy.ts`];
const CLIENT = ["deno", "run", "-A", `${ROOT}demo/job.ts`];

function readRecord(path: string) {
  const parsed = parseRecord(Deno.readTextFileSync(path));
  assert.ok("record" in parsed, `not a record: ${Deno.readTextFileSync(path)}`);
  return parsed.record;
}

async function pair(
  share: string,
  mainCode: number,
  sidecarArgs: string[] = [],
) {
  const socket = `${share}/db.sock`,
    table = `${share}/table`,
    done = `${share}/done`;
  await using sidecar = start([
    "--log-format",
    "json",
    "--watch",
    done,
    ...sidecarArgs,
    "--",
    ...SERVER,
    socket,
    table,
  ]);
  await using main = start([
    "--log-format",
    "json",
    "--wait-for",
    `unix:${socket}`,
    "--notify",
    done,
    "--",
    ...CLIENT,
    socket,
    "row-1",
    String(mainCode),
  ]);
  const mainStatus = await main.status(30_000);
  const sidecarStatus = await sidecar.status(30_000);
  return { main, sidecar, mainStatus, sidecarStatus, table, done };
}

Deno.test("the pair completes: main waits for the proxy, works, notifies; the sidecar ends", async () => {
  await using share = await tempDir();
  const { main, sidecar, mainStatus, sidecarStatus, table, done } = await pair(
    share.path,
    0,
  );
  assert.deepEqual(mainStatus.code, 0, main.stderr);
  assert.deepEqual(sidecarStatus.code, 0, sidecar.stderr);
  findEvent(main.events, {
    msg: `ready: unix:${share.path}/db.sock`,
  }, main.stderr);
  assert.match(main.stdout, /job: the proxy answered OK/);
  assert.deepEqual(Deno.readTextFileSync(table), "row-1\n");
  const record = readRecord(done);
  assert.deepEqual(record.exitCode, 0);
  assert.deepEqual(record.reason, "exited");
  assert.match(sidecar.stdout, /proxy received SIGTERM/);
});

Deno.test("the failure path: the record says 3, the sidecar ends and can exit 3", async () => {
  await using share = await tempDir();
  const plain = await pair(share.path, 3);
  assert.deepEqual(plain.mainStatus.code, 3, plain.main.stderr);
  assert.deepEqual(readRecord(plain.done).exitCode, 3);
  assert.deepEqual(plain.sidecarStatus.code, 0, plain.sidecar.stderr);

  await using again = await tempDir();
  const mirrored = await pair(again.path, 3, ["--exit-code-from-file"]);
  assert.deepEqual(mirrored.mainStatus.code, 3);
  assert.deepEqual(mirrored.sidecarStatus.code, 3, mirrored.sidecar.stderr);
  findEvent(mirrored.sidecar.events, {
    msg: "read completion record",
    file: mirrored.done,
    exit_code: 3,
  }, mirrored.sidecar.stderr);
});

Deno.test("a record that cannot be parsed is a warning, and --exit-code applies", async () => {
  await using share = await tempDir();
  const done = `${share.path}/done`;
  await Deno.writeTextFile(done, "{torn");
  await using g = start([
    "--log-format",
    "json",
    "--watch",
    done,
    "--exit-code-from-file",
    "--exit-code",
    "9",
    "true",
  ]);
  assert.deepEqual((await g.status()).code, 9);
  findEvent(g.events, {
    level: "warn",
    msg: "not a completion record (it is not JSON): using exit code 9",
    file: done,
  }, g.stderr);
});

Deno.test("a gate that never becomes ready times out with 124, and the record is written", async () => {
  await using share = await tempDir();
  const done = `${share.path}/done`;
  await using g = start([
    "--log-format",
    "json",
    "--wait-for",
    `unix:${share.path}/never.sock`,
    "--wait-timeout",
    "1s",
    "--notify",
    done,
    "--",
    "sh",
    "-c",
    `touch ${share.path}/started`,
  ]);
  assert.deepEqual((await g.status()).code, 124, g.stderr);
  findEvent(g.events, {
    level: "error",
    msg:
      `not ready after 1s: unix:${share.path}/never.sock; not starting the child`,
  }, g.stderr);
  const record = readRecord(done);
  assert.deepEqual(record.exitCode, 124);
  assert.deepEqual(record.reason, "wait-timeout");
  assert.ok(
    !(await Deno.stat(`${share.path}/started`).then(() => true, () => false)),
  );
});

Deno.test("the waiting says every few seconds what it still waits for", async () => {
  await using g = start([
    "--log-format",
    "json",
    "--wait-for",
    "tcp:127.0.0.1:1",
    "--wait-timeout",
    "6s",
    "true",
  ]);
  assert.deepEqual((await g.status()).code, 124);
  findEvent(g.events, {
    level: "info",
    msg: "still waiting for tcp:127.0.0.1:1",
    waited: "5s",
    timeout: "6s",
  }, g.stderr);
});

Deno.test("SIGTERM while waiting ends guillotine with 143 and a record", async () => {
  await using share = await tempDir();
  await using g = start([
    "--log-format",
    "json",
    "--wait-for",
    `file:${share.path}/never`,
    "--notify",
    `${share.path}/done`,
    "true",
  ]);
  await g.waitForEvent({
    msg: "waiting for gates",
    wait_for: `file:${share.path}/never`,
  });
  await g.kill("SIGTERM");
  assert.deepEqual((await g.status()).code, 143, g.stderr);
  const record = readRecord(`${share.path}/done`);
  assert.deepEqual([record.exitCode, record.signal, record.reason], [
    143,
    "SIGTERM",
    "interrupted",
  ]);
});

Deno.test("a command that is not found still writes the record (127)", async () => {
  await using share = await tempDir();
  await using g = start([
    "--notify",
    `${share.path}/done`,
    "no-such-command-here",
  ]);
  assert.deepEqual((await g.status()).code, 127);
  assert.deepEqual(readRecord(`${share.path}/done`).exitCode, 127);
});

Deno.test("a torn record is impossible: a reader racing the writer always sees a whole one", async () => {
  await using share = await tempDir();
  const rounds = 60;
  const watcher = Deno.watchFs(share.path);
  const seen: number[] = [];
  const reading = (async () => {
    for await (const _event of watcher) {
      // Read every record the moment any event shows it.
      for (let i = seen.length; i < rounds; i++) {
        let text: string;
        try {
          text = Deno.readTextFileSync(`${share.path}/done-${i}`);
        } catch {
          break;
        }
        const parsed = parseRecord(text);
        assert.ok(
          "record" in parsed,
          `round ${i}: torn record ${JSON.stringify(text)}`,
        );
        seen.push(parsed.record.exitCode);
      }
      if (seen.length === rounds) return;
    }
  })();
  let readerFailed = false;
  reading.catch(() => readerFailed = true);
  const writing = (async () => {
    for (let i = 0; i < rounds && !readerFailed; i++) {
      await using g = start([
        "--notify",
        `${share.path}/done-${i}`,
        "sh",
        "-c",
        `exit ${i % 7}`,
      ]);
      assert.deepEqual((await g.status()).code, i % 7);
    }
  })();
  try {
    // Both at once: a torn record fails the test the moment it is read, not
    // as a rejection that nobody awaits while the rounds go on.
    await Promise.all([reading, writing]);
  } finally {
    watcher.close();
    await Promise.allSettled([reading, writing]);
  }
  assert.deepEqual(seen, Array.from({ length: rounds }, (_, i) => i % 7));
});
