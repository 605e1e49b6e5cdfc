// The look at the watched files before the child: which paths count, and
// which are bad input (125) before anything starts.
import assert from "node:assert/strict";
import { triggeredAtStart } from "../../lib/triggers/early.ts";
import { GuillotineError } from "../../lib/runtime/errors.ts";
import { tempDir } from "../harness/mod.ts";

Deno.test("triggeredAtStart: all or any of the watched files", async () => {
  await using dir = await tempDir();
  const cwd = dir.path;
  assert.equal(triggeredAtStart(["done"], "all", cwd), false);
  Deno.writeTextFileSync(`${cwd}/done`, "");
  assert.equal(triggeredAtStart(["done"], "all", cwd), true);
  assert.equal(triggeredAtStart(["done", "other"], "all", cwd), false);
  assert.equal(triggeredAtStart(["done", "other"], "any", cwd), true);
  Deno.mkdirSync(`${cwd}/sub/other`, { recursive: true });
  assert.equal(triggeredAtStart(["sub/other/x"], "any", cwd), false);
  assert.equal(triggeredAtStart([], "all", cwd), false);
});

Deno.test("triggeredAtStart: a path that cannot appear is 125", async () => {
  await using dir = await tempDir();
  Deno.writeTextFileSync(`${dir.path}/file`, "");
  assert.throws(
    () => triggeredAtStart(["file/done"], "all", dir.path),
    (e) => e instanceof GuillotineError && e.exitCode === 125,
  );
  assert.throws(
    () => triggeredAtStart(["."], "all", dir.path),
    (e) => e instanceof GuillotineError && e.exitCode === 125,
  );
});
