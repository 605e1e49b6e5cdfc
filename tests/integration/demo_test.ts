// The README's first command, `deno task demo`: the article's Job played
// here, both containers under guillotine. It must complete, insert one row,
// pass the main's code on, and say nothing is wrong (no warning: its shared
// directory is a volume of its own, as an emptyDir is).
import assert from "node:assert/strict";
import { DENO, exec, ROOT } from "../harness/mod.ts";

for (const fail of [false, true]) {
  Deno.test(`demo${fail ? " --fail" : ""}: the pod completes, one row, no warning`, async () => {
    const out = await exec(DENO, [
      "run",
      "-A",
      `${ROOT}demo/demo.ts`,
      ...(fail ? ["--fail"] : []),
    ]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const code = fail ? 3 : 0;
    assert.match(
      out.stdout,
      new RegExp(
        `^main container exited ${code}; sidecar exited ${code}$`,
        "m",
      ),
    );
    assert.match(out.stdout, /^rows in the table: 1$/m);
    assert.doesNotMatch(out.stdout, /: (warn|error): /);
  });
}
