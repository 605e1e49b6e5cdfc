// The harness itself: what every other test leans on. A run is PID 1 of its
// own namespace, nothing of it outlives the run or the process that started
// it, and its output is read line by line to the end.
import assert from "node:assert/strict";
import {
  alive,
  DENO,
  pollUntil,
  procInfo,
  ROOT,
  spawn,
} from "../harness/mod.ts";

/** Gone, or a zombie that can do nothing more. */
function dead(pid: number): boolean {
  return !alive(pid) || procInfo(pid)?.state === "Z";
}

Deno.test("harness: a run is PID 1, and closing it kills its whole namespace", async () => {
  await using run = spawn(["sh", "-c", "echo pid $$; sleep 1000 & wait"]);
  assert.deepEqual(await run.lines.expectLine("pid"), ["1"]);
  const sleeper = await run.childPid();
  await pollUntil(() => procInfo(sleeper)?.comm === "sleep", "sleep to run");
  await run.close();
  await pollUntil(() => dead(sleeper), "the sleep in the namespace to die");
});

Deno.test("harness: the namespace dies with the process that started it, even on SIGKILL", async () => {
  const code = `
    import { spawn } from "${ROOT}tests/harness/mod.ts";
    const run = spawn(["sleep", "1000"]);
    console.log(await run.pid());
    setInterval(() => {}, 1000);
  `;
  await using outer = spawn([DENO, "eval", code], { pid1: false });
  const pid1 = Number(await outer.lines.nextLine());
  await pollUntil(() => procInfo(pid1)?.comm === "sleep", "sleep to be PID 1");
  Deno.kill(outer.process.pid, "SIGKILL");
  await pollUntil(() => dead(pid1), "PID 1 of the orphaned namespace to die");
});

Deno.test("harness: output is read line by line to its end", async () => {
  await using run = spawn(["printf", "a\\n\\nb"], { pid1: false });
  assert.equal(await run.lines.nextLine(), "a");
  assert.equal(await run.lines.nextLine(), "");
  assert.equal(await run.lines.nextLine(), "b");
  assert.equal(await run.lines.nextLine(), null);
  assert.equal(run.stdout, "a\n\nb");
  await assert.rejects(run.waitForStdout(/c/), /stdout ended waiting for/);
});
