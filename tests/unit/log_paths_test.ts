import { createLogger, formatLine } from "../../lib/log/logger.ts";
import { absolutePath, parentOf } from "../../lib/values/path.ts";
import { isSatisfied } from "../../lib/watcher.ts";
import { parseGateSpec } from "../../lib/values/gate_spec.ts";
import { parseHostPort } from "../../lib/values/host_port.ts";
import { assertEquals, assertThrows } from "../assert.ts";

Deno.test("text lines quote values with spaces; json lines are objects", () => {
  const time = new Date(0);
  assertEquals(
    formatLine("text", "warn", "grace over", { pgid: 7, why: "a b" }, time),
    'guillotine: warn: grace over pgid=7 why="a b"',
  );
  assertEquals(
    JSON.parse(formatLine("json", "info", "child started", { pid: 7 }, time)),
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
  assertEquals(lines, ["guillotine: info: yes", "guillotine: error: yes"]);
});

Deno.test("paths", () => {
  assertEquals(absolutePath("done", "/share"), "/share/done");
  assertEquals(absolutePath("/a//b/./c/../d", "/x"), "/a/b/d");
  assertEquals(absolutePath("../..", "/a"), "/");
  assertEquals(parentOf("/a/b"), "/a");
  assertEquals(parentOf("/a"), "/");
  assertEquals(parentOf("/"), "/");
});

Deno.test("watch modes", () => {
  assertEquals(isSatisfied(0, 1, "all"), false);
  assertEquals(isSatisfied(1, 1, "all"), true);
  assertEquals(isSatisfied(1, 3, "all"), false);
  assertEquals(isSatisfied(3, 3, "all"), true);
  assertEquals(isSatisfied(1, 3, "any"), true);
  assertEquals(isSatisfied(0, 3, "any"), false);
});

Deno.test("gate specs", () => {
  assertEquals(parseGateSpec("file:/share/x"), {
    kind: "file",
    path: "/share/x",
    text: "file:/share/x",
  });
  assertEquals(parseGateSpec("unix:/share/s").kind, "unix");
  assertEquals(parseGateSpec("tcp:[::1]:80"), {
    kind: "tcp",
    hostname: "::1",
    port: 80,
    text: "tcp:[::1]:80",
  });
  assertEquals(parseGateSpec("http://127.0.0.1:8080/ready").kind, "http");
  assertEquals(parseGateSpec("HTTPS://example.test/").kind, "http");
  for (const bad of ["tcp:host", "tcp:host:0", "file:", "x", "udp:a:1"]) {
    assertThrows(() => parseGateSpec(bad), RangeError, /Cannot parse wait-for/);
  }
  assertEquals(parseHostPort("8080", "127.0.0.1"), {
    hostname: "127.0.0.1",
    port: 8080,
  });
  assertEquals(parseHostPort("8080", null), null);
  assertEquals(parseHostPort("a:b", null), null);
});
