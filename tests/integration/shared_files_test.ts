// Files on the shared volume that a hostile neighbour swaps while guillotine
// reads them (issue #16): guillotine never blocks on one, and never follows
// or creates through one.
import assert from "node:assert/strict";
import { DENO, spawn, start, tempDir } from "../harness/mod.ts";

/**
 * A neighbour that swaps a FIFO and a record into `target` as fast as it
 * can, by renames (hard links of one FIFO and one record, made once).
 */
async function startSwapper(dir: string, target: string) {
  const fifo = `${dir}/.fifo`, record = `${dir}/.record`;
  const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assert.ok(made.success, "mkfifo");
  await Deno.writeTextFile(record, '{"guillotine":1,"exitCode":7}\n');
  const loop = `
    const [fifo, record, target] = Deno.args;
    for (let i = 0;; i++) {
      const from = i % 2 ? fifo : record;
      const temporary = target + ".swap";
      try { Deno.removeSync(temporary); } catch {}
      Deno.linkSync(from, temporary);
      Deno.renameSync(temporary, target);
    }`;
  return spawn([DENO, "eval", loop, fifo, record, target], {
    pid1: false,
    what: "swapper",
  });
}

Deno.test("--exit-code-from-file: a FIFO renamed into the record's place in a loop never hangs guillotine (8 trials, each ends within 15 s)", async () => {
  for (let trial = 0; trial < 8; trial++) {
    await using dir = await tempDir();
    const done = `${dir.path}/done`;
    await using g = start([
      "--log-format",
      "json",
      "--watch",
      done,
      "--exit-code-from-file",
      "--exit-code",
      "9",
      "sleep",
      "100",
    ]);
    await g.childPid();
    await using swapper = await startSwapper(dir.path, done);
    const triggered = Date.now();
    const status = await g.status(15_000).catch((error) => {
      throw new Error(`trial ${trial}: ${error.message}`);
    });
    swapper.destroy();
    // The record's code, or --exit-code when a FIFO was read.
    assert.ok(
      [7, 9].includes(status.code),
      `trial ${trial}: exit ${status.code}; ${g.stderr}`,
    );
    console.log(
      `trial ${trial}: exit ${status.code} ${
        Date.now() - triggered
      } ms after the swaps began`,
    );
  }
});
