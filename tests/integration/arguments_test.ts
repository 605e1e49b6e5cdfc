// Arguments reach the child byte for byte; no shell is involved.
import { assertEquals } from "../assert.ts";
import { MAIN, PERMISSIONS, run } from "../helpers.ts";

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

Deno.test("the child gets the environment guillotine got, byte for byte, without Deno's PATH shim", async () => {
  // Deno puts its node_compat_bin shim in front of PATH when no `node` is on
  // PATH; guillotine must hand its child the environment it was given.
  const unshare = new TextDecoder().decode(
    (await new Deno.Command("sh", {
      args: ["-c", "command -v unshare"],
      stdout: "piped",
    }).output())
      .stdout,
  ).trim();
  const env = {
    PATH: "/nonexistent-bin",
    SPACED: "a b\tc",
    "WITH=EQUALS": "x",
    EMPTY: "",
  };
  const output = await new Deno.Command(unshare, {
    args: [
      "--pid",
      "--fork",
      "--mount-proc",
      Deno.execPath(),
      "run",
      ...PERMISSIONS,
      MAIN,
      "--log-level",
      "error",
      "/usr/bin/env",
      "-0",
    ],
    clearEnv: true,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 0, stderr);
  const seen = new TextDecoder().decode(output.stdout).split("\0").slice(0, -1)
    .sort();
  assertEquals(seen, Object.entries(env).map(([k, v]) => `${k}=${v}`).sort());
});
