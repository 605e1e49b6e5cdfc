// The look at the watched files before the child: which paths count, and
// which are bad input (125) before anything starts.
import assert from "node:assert/strict";
import { triggeredAtStart } from "../../lib/triggers/watch_paths.ts";
import { GuillotineError } from "../../lib/runtime/errors.ts";
import { tempDir } from "../harness/mod.ts";

Deno.test("triggeredAtStart: all or any of the watched files", async () => {
  await using dir = await tempDir();
  const at = (...names: string[]) => names.map((n) => `${dir.path}/${n}`);
  assert.equal(triggeredAtStart(at("done"), "all"), false);
  Deno.writeTextFileSync(`${dir.path}/done`, "");
  assert.equal(triggeredAtStart(at("done"), "all"), true);
  assert.equal(triggeredAtStart(at("done", "other"), "all"), false);
  assert.equal(triggeredAtStart(at("done", "other"), "any"), true);
  Deno.mkdirSync(`${dir.path}/sub/other`, { recursive: true });
  assert.equal(triggeredAtStart(at("sub/other/x"), "any"), false);
  assert.equal(triggeredAtStart(at(), "all"), false);
});

Deno.test("triggeredAtStart: a path that cannot appear is 125", async () => {
  await using dir = await tempDir();
  Deno.writeTextFileSync(`${dir.path}/file`, "");
  assert.throws(
    () => triggeredAtStart([`${dir.path}/file/done`], "all"),
    (e) => e instanceof GuillotineError && e.exitCode === 125,
  );
  assert.throws(
    () => triggeredAtStart([dir.path], "all"),
    (e) => e instanceof GuillotineError && e.exitCode === 125,
  );
});
