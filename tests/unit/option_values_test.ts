// The value parsers of lib/options/values/, one kind of value each (the
// assertions their doc examples held).
import { shellQuote } from "../../lib/options/describe.ts";
import assert from "node:assert/strict";
import {
  parseChoice,
  parseExitCode,
  parseSwitch,
} from "../../lib/options/values/choice.ts";
import { parseDuration } from "../../lib/options/values/duration.ts";
import {
  parseHostPort,
  parseListenAddress,
} from "../../lib/options/values/host_port.ts";
import {
  absolutePath,
  parentOf,
  parseFilePath,
} from "../../lib/options/values/path.ts";
import { parseRestartPolicy } from "../../lib/options/values/restart_policy.ts";
import { parseGateSpec } from "../../lib/options/values/gate_spec.ts";

Deno.test("exit codes, choices and switches", () => {
  assert.equal(parseExitCode(" 143 "), 143);
  assert.throws(() => parseExitCode("256"), {
    name: "RangeError",
    message: 'Cannot parse exit code "256": use a whole number from 0 to 255',
  });
  assert.equal(parseChoice("watch mode", "ANY", ["all", "any"]), "any");
  assert.throws(() => parseChoice("watch mode", "some", ["all", "any"]), {
    name: "RangeError",
    message: 'Cannot parse watch mode "some": use all or any',
  });
  assert.equal(parseSwitch("exit-code-from-file", "Yes"), true);
  assert.equal(parseSwitch("exit-code-from-file", "off"), false);
  assert.equal(parseSwitch("lease", ""), false);
  assert.throws(() => parseSwitch("lease", "maybe"), {
    message: 'Cannot parse lease "maybe": use on or off',
  });
  assert.equal(parseRestartPolicy(" onfailure "), "OnFailure");
  assert.equal(parseRestartPolicy("NEVER"), "Never");
  assert.throws(() => parseRestartPolicy("Always"), {
    name: "RangeError",
    message:
      `Cannot parse restart policy "Always": use Never or OnFailure, the restartPolicy of the pod's spec`,
  });
});

Deno.test("durations: messages", () => {
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("2"), 2000);
  assert.throws(() => parseDuration("x"), {
    message:
      'Cannot parse duration "x": expected a number with an optional unit ms, s, m or h, such as "500ms" or "10s"',
  });
  assert.throws(() => parseDuration("1d"), {
    message: 'Cannot parse duration "1d": unknown unit "d", use ms, s, m or h',
  });
  assert.throws(() => parseDuration("9999999h"), {
    message: 'Cannot parse duration "9999999h": too long',
  });
});

Deno.test("addresses", () => {
  assert.deepEqual(parseHostPort("9090", "127.0.0.1"), {
    hostname: "127.0.0.1",
    port: 9090,
  });
  assert.deepEqual(parseHostPort("[::1]:80", null), {
    hostname: "::1",
    port: 80,
  });
  assert.equal(parseHostPort("9090", null), null);
  assert.equal(parseHostPort("db:70000", null), null);
  assert.equal(parseHostPort("db:0", null), null);
  assert.deepEqual(parseListenAddress(" 9091 "), {
    hostname: "127.0.0.1",
    port: 9091,
  });
  assert.throws(() => parseListenAddress("0"), {
    name: "RangeError",
    message:
      'Cannot parse listen address "0": use PORT, HOST:PORT or [IPV6]:PORT, with a port from 1 to 65535',
  });
  assert.deepEqual(parseGateSpec("tcp:127.0.0.1:5432"), {
    kind: "tcp",
    hostname: "127.0.0.1",
    port: 5432,
    text: "tcp:127.0.0.1:5432",
  });
  assert.throws(() => parseGateSpec("file:"), {
    message:
      'Cannot parse wait-for "file:": empty path; use file:PATH, unix:PATH, tcp:HOST:PORT or an http:// or https:// URL',
  });
});

Deno.test("paths", () => {
  assert.equal(absolutePath("b/../c", "/a"), "/a/c");
  assert.equal(absolutePath("../..", "/a"), "/");
  assert.equal(parentOf("/share/done"), "/share");
  assert.equal(parentOf("/done"), "/");
  assert.equal(
    parseFilePath("record", "/share/done", " /share/done\n"),
    "/share/done",
  );
  assert.throws(() => parseFilePath("record", "/share/done", "/share/"), {
    message:
      'The record path "/share/" names a directory: give the path of a file in it, such as /share/done',
  });
  assert.throws(() => parseFilePath("record", "/share/done", "/a/.."), {
    message: /names a directory/,
  });
  assert.throws(() => parseFilePath("record", "/share/done", " "), {
    message: "The record path is empty: give a path such as /share/done",
  });
});

Deno.test("shellQuote quotes only where a shell would need it", () => {
  assert.equal(shellQuote("/proxy"), "/proxy");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});
