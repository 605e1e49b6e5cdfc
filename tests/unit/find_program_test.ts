// The search of the child's program on PATH, as execvp does it: a directory
// with the program's name is skipped (asked of access(2) with a trailing
// slash, lib/sys/spawn.ts), a file that cannot be executed too.
import assert from "node:assert/strict";
import { findProgram } from "../../lib/sys/spawn.ts";
import { EACCES } from "../../lib/sys/errno.ts";
import { tempDir } from "../harness/mod.ts";

const encoder = new TextEncoder();
const text = (c: Uint8Array) => new TextDecoder().decode(c.subarray(0, -1));

Deno.test("findProgram skips a directory of the program's name on PATH", async () => {
  await using dir = await tempDir();
  const [first, second] = [`${dir.path}/a`, `${dir.path}/b`];
  Deno.mkdirSync(`${first}/prog`, { recursive: true });
  Deno.mkdirSync(second);
  Deno.writeTextFileSync(`${second}/prog`, "#!/bin/sh\n", { mode: 0o755 });
  const env = [encoder.encode(`PATH=${first}:${second}`)];
  const found = findProgram(encoder.encode("prog"), env);
  assert.ok("path" in found, JSON.stringify(found));
  assert.equal(text(found.path), `${second}/prog`);
  // Only a directory there: not executable, as execvp says.
  const only = findProgram(encoder.encode("prog"), [
    encoder.encode(`PATH=${first}`),
  ]);
  assert.deepEqual(only, { errno: EACCES });
});
