// Arguments reach the child byte for byte; no shell is involved.
import { assertEquals } from "../assert.ts";
import { run } from "../helpers.ts";

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
  assertEquals(result.code, 0, result.stderr);
  assertEquals(result.stdout.split("\0").slice(0, -1), args);
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
  assertEquals(result.code, 0, result.stderr);
  assertEquals(result.stdout, "-dir /share -projects my-project\n");
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
  assertEquals(result.code, 0, result.stderr);
  assertEquals(result.stdout, "--log-level");
  assertEquals(result.stderr, "");
});
