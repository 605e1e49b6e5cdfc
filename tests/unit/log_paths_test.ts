import { createLogger, formatLine } from "../../lib/log/logger.ts";
import { absolutePath, parentOf } from "../../lib/options/values/path.ts";
import { isSatisfied } from "../../lib/triggers/watch_paths.ts";
import { parseGateSpec } from "../../lib/options/values/gate_spec.ts";
import { parseHostPort } from "../../lib/options/values/host_port.ts";
import assert from "node:assert/strict";

Deno.test("text lines quote values with spaces; json lines are objects", () => {
  const time = new Date(0);
  // A text line reads no clock (the first Date costs 1.3 ms at start-up).
  const noClock = () => assert.fail("the clock was read for a text line");
  assert.equal(
    formatLine("text", "info", "a", {}, noClock),
    "guillotine: info: a",
  );
  assert.deepEqual(
    formatLine(
      "text",
      "warn",
      "grace over",
      { pgid: 7, why: "a b" },
      () => time,
    ),
    'guillotine: warn: grace over pgid=7 why="a b"',
  );
  assert.deepEqual(
    JSON.parse(
      formatLine("json", "info", "child started", { pid: 7 }, () => time),
    ),
    {
      time: "1970-01-01T00:00:00.000Z",
      level: "info",
      msg: "child started",
      pid: 7,
    },
  );
});

Deno.test("the logger drops lines below its level", () => {
  const lines: string[] = [];
  const log = createLogger({
    level: "info",
    format: "text",
    write: (l) => lines.push(l),
  });
  log.debug("no");
  log.info("yes");
  log.error("yes");
  assert.deepEqual(lines, ["guillotine: info: yes", "guillotine: error: yes"]);
});

Deno.test("paths", () => {
  assert.deepEqual(absolutePath("done", "/share"), "/share/done");
  assert.deepEqual(absolutePath("/a//b/./c/../d", "/x"), "/a/b/d");
  assert.deepEqual(absolutePath("../..", "/a"), "/");
  assert.deepEqual(parentOf("/a/b"), "/a");
  assert.deepEqual(parentOf("/a"), "/");
  assert.deepEqual(parentOf("/"), "/");
});

Deno.test("watch modes", () => {
  assert.deepEqual(isSatisfied(0, 1, "all"), false);
  assert.deepEqual(isSatisfied(1, 1, "all"), true);
  assert.deepEqual(isSatisfied(1, 3, "all"), false);
  assert.deepEqual(isSatisfied(3, 3, "all"), true);
  assert.deepEqual(isSatisfied(1, 3, "any"), true);
  assert.deepEqual(isSatisfied(0, 3, "any"), false);
});

Deno.test("gate specs", () => {
  assert.deepEqual(parseGateSpec("file:/share/x"), {
    kind: "file",
    path: "/share/x",
    text: "file:/share/x",
  });
  assert.deepEqual(parseGateSpec("unix:/share/s").kind, "unix");
  assert.deepEqual(parseGateSpec("tcp:[::1]:80"), {
    kind: "tcp",
    hostname: "::1",
    port: 80,
    text: "tcp:[::1]:80",
  });
  assert.deepEqual(parseGateSpec("http://127.0.0.1:8080/ready").kind, "http");
  assert.deepEqual(parseGateSpec("HTTPS://example.test/").kind, "http");
  for (const bad of ["tcp:host", "tcp:host:0", "file:", "x", "udp:a:1"]) {
    assert.throws(() => parseGateSpec(bad), {
      name: "RangeError",
      message: /Cannot parse wait-for/,
    });
  }
  assert.deepEqual(parseHostPort("8080", "127.0.0.1"), {
    hostname: "127.0.0.1",
    port: 8080,
  });
  assert.deepEqual(parseHostPort("8080", null), null);
  assert.deepEqual(parseHostPort("a:b", null), null);
});
