// Arguments reach the child byte for byte; no shell is involved.
import assert from "node:assert/strict";
import { run } from "../harness/mod.ts";

Deno.test("arguments with spaces, quotes, empty strings and UTF-8 arrive verbatim", async () => {
  const args = [
    "a b",
    "",
    "'single'",
    '"double"',
    "日本語 ✓",
    "$HOME",
    "*",
    "back\\slash",
    "new\nline",
    "-dir",
    "--",
    "--watch",
  ];
  const result = await run(["printf", "%s\\0", ...args]);
  assert.deepEqual(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout.split("\0").slice(0, -1), args);
});

Deno.test("the original form: options after the command belong to the command", async () => {
  const result = await run([
    "echo",
    "-dir",
    "/share",
    "-projects",
    "my-project",
  ], {
    env: { GUILLOTINE_WATCHED_FILE: "/tmp/guillotine-never-made" },
  });
  assert.deepEqual(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout, "-dir /share -projects my-project\n");
});

Deno.test("-- ends the options before a command that starts with -", async () => {
  const result = await run([
    "--log-level",
    "error",
    "--",
    "printf",
    "%s",
    "--log-level",
  ]);
  assert.deepEqual(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout, "--log-level");
  assert.deepEqual(result.stderr, "");
});

Deno.test("the child gets the environment guillotine got, byte for byte, without Deno's PATH shim", async () => {
  // Deno puts its node_compat_bin shim in front of PATH when no `node` is on
  // PATH; guillotine must hand its child the environment it was given.
  const env = {
    PATH: "/nonexistent-bin",
    SPACED: "a b\tc",
    "WITH=EQUALS": "x",
    EMPTY: "",
  };
  const result = await run(["--log-level", "error", "/usr/bin/env", "-0"], {
    env,
    exactEnv: true,
  });
  assert.deepEqual(result.code, 0, result.stderr);
  const seen = result.stdout.split("\0").slice(0, -1).sort();
  assert.deepEqual(
    seen,
    Object.entries(env).map(([k, v]) => `${k}=${v}`).sort(),
  );
});
