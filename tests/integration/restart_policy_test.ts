// Issue #17 item 6: restartPolicy OnFailure. The kubelet restarts a failed
// main container in place; here each run of the main side is a new
// guillotine, PID 1 of its own namespace, on the directory both share.
import assert from "node:assert/strict";
import {
  type EventMatch,
  eventsOf,
  findEvent,
  guillotining,
  holdsFor,
  pollUntil,
  run,
  start,
  tempDir,
} from "../harness/mod.ts";
import { lockProbe } from "../../lib/sys/flock.ts";

/** The sidecar's warning that the main failed with 3, under OnFailure. */
function failedMain(record: string): EventMatch {
  return {
    level: "warn",
    msg:
      "the main container failed: under restartPolicy OnFailure the kubelet restarts it in place; watching for its next record",
    file: record,
    exit_code: "3",
  };
}

function sidecar(record: string) {
  return start([
    "--log-format",
    "json",
    "--restart-policy",
    "OnFailure",
    "--watch",
    record,
    "--lost-main-grace",
    "1s",
    "--poll-interval",
    "100ms",
    "sleep",
    "100",
  ]);
}

/** A main run whose child first checks that no record is there. */
function mainRun(record: string, code: number) {
  return run([
    "--log-format",
    "json",
    "--notify",
    record,
    "sh",
    "-c",
    `test ! -e '${record}' || exit 99; exit ${code}`,
  ]);
}

Deno.test("#17 item 6: under OnFailure a failure record is a warning, and the sidecar ends on the restarted main's success record", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using side = sidecar(record);
  await side.childPid();
  assert.equal((await mainRun(record, 3)).code, 3);
  await side.waitForEvent(failedMain(record));
  await holdsFor(
    () => !side.events.some(guillotining),
    "the sidecar's child to run on",
    1_000,
  );
  // The main restarted in place: its previous record is gone before its
  // child starts (the child checks), and its success ends the sidecar.
  const second = await mainRun(record, 0);
  assert.equal(second.code, 0, second.stderr);
  findEvent(eventsOf(second.stderr), {
    level: "info",
    msg: "removed the completion record of a previous run",
    file: record,
  }, second.stderr);
  assert.equal((await side.status()).code, 0, side.stderr);
});

Deno.test("#17 item 6: under OnFailure a lost main is a warning, and the sidecar waits for the restarted main", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using side = sidecar(record);
  await side.childPid();
  await using first = start(["--notify", record, "sleep", "100"]);
  await first.childPid();
  await pollUntil(
    () => lockProbe(`${record}.lock`)() === "held",
    "the main side to hold its lease",
  );
  await first.kill("SIGKILL");
  await first.status();
  await side.waitForEvent({
    level: "warn",
    msg:
      "main container lost (no record, its lease free for 1s): under restartPolicy OnFailure the kubelet restarts it; watching for its next record",
    file: record,
  }, 10_000);
  await holdsFor(
    () => !side.events.some(guillotining),
    "the sidecar's child to run on",
    1_000,
  );
  assert.equal((await mainRun(record, 0)).code, 0);
  assert.equal((await side.status()).code, 0, side.stderr);
});

Deno.test("#17 item 6: on either policy, the main side removes a stale record before its child starts", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await Deno.writeTextFile(record, '{"guillotine":1,"exitCode":3}\n');
  const result = await mainRun(record, 0);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(await Deno.readTextFile(record)).exitCode, 0);
});

Deno.test("#17 item 6: under OnFailure a sidecar (re)started beside a failure record keeps running until the main's success", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await Deno.writeTextFile(record, '{"guillotine":1,"exitCode":3}\n');
  await using side = sidecar(record);
  await side.childPid();
  await side.waitForEvent(failedMain(record));
  assert.equal((await mainRun(record, 0)).code, 0);
  assert.equal((await side.status()).code, 0, side.stderr);
});

Deno.test("#17 item 6: under OnFailure a record of a --success-exit-code ends the sidecar with 0 under --exit-code-from-file", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  await using side = start([
    "--restart-policy",
    "OnFailure",
    "--exit-code-from-file",
    "--success-exit-code",
    "3",
    "--watch",
    record,
    "sleep",
    "100",
  ]);
  await side.childPid();
  assert.equal((await mainRun(record, 3)).code, 3);
  // A non-zero exit would have the kubelet restart the sidecar.
  assert.equal((await side.status()).code, 0, side.stderr);
});
