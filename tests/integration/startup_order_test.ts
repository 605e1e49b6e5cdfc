// The child starts first (issue #19 item 2): before it, guillotine only looks
// at the watched files once; the file watch, the lease watch and the quit
// endpoint are armed right after the spawn, and a file made in between still
// fires. Read from the JSON log events, as PID 1 in a PID namespace.
import assert from "node:assert/strict";
import { start, tempDir } from "../harness/mod.ts";

interface LogEvent {
  msg: string;
  [key: string]: unknown;
}

function eventsOf(stderr: string): LogEvent[] {
  return stderr.split("\n").filter((l) => l.startsWith("{")).map((l) =>
    JSON.parse(l)
  );
}

function indexOf(events: LogEvent[], pattern: RegExp): number {
  return events.findIndex((e) => pattern.test(e.msg));
}

Deno.test("a watched file that the child makes first thing still fires, with no poll to save it", async () => {
  await using dir = await tempDir();
  const done = `${dir.path}/done`;
  await using g = start([
    "--log-format",
    "json",
    "--watch",
    done,
    "--poll-interval",
    "0",
    "--",
    "sh",
    "-c",
    `: > ${done}; exec sleep 1000`,
  ]);
  const status = await g.status(15_000);
  assert.equal(status.code, 0, g.stderr);
  const events = eventsOf(g.stderr);
  const started = indexOf(events, /^child started$/);
  const fired = indexOf(events, /^guillotining the child: watched file/);
  assert.ok(started >= 0, g.stderr);
  assert.ok(fired > started, g.stderr);
});

Deno.test("--watch-mode all: one file there at start, the other made by the child first thing: fires", async () => {
  await using dir = await tempDir();
  const [one, two] = [`${dir.path}/one`, `${dir.path}/two`];
  await Deno.writeTextFile(one, "");
  await using g = start([
    "--log-format",
    "json",
    "--watch",
    one,
    "--watch",
    two,
    "--poll-interval",
    "0",
    "--",
    "sh",
    "-c",
    `: > ${two}; exec sleep 1000`,
  ]);
  assert.equal((await g.status(15_000)).code, 0, g.stderr);
  const events = eventsOf(g.stderr);
  const started = indexOf(events, /^child started$/);
  assert.ok(started >= 0, g.stderr);
  assert.ok(
    indexOf(events, /^guillotining the child: watched file/) > started,
    g.stderr,
  );
});

Deno.test("the child starts before the file watch is armed", async () => {
  await using dir = await tempDir();
  const done = `${dir.path}/done`;
  await using g = start([
    "--log-format",
    "json",
    "--log-level",
    "debug",
    "--watch",
    done,
    "--",
    "sh",
    "-c",
    "exec sleep 1000",
  ]);
  await g.waitForStderr(/"msg":"watching for file events"/);
  await Deno.writeTextFile(done, "");
  assert.equal((await g.status(15_000)).code, 0, g.stderr);
  const events = eventsOf(g.stderr);
  const started = indexOf(events, /^child started$/);
  assert.ok(started >= 0, g.stderr);
  assert.ok(indexOf(events, /^watching for file events$/) > started, g.stderr);
});

Deno.test("a busy --listen port found after the spawn stops the child gracefully, then 125", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await using g = start([
      "--log-format",
      "json",
      "--listen",
      `127.0.0.1:${listener.addr.port}`,
      "--",
      "sleep",
      "1000",
    ]);
    assert.equal((await g.status(15_000)).code, 125, g.stderr);
    assert.match(
      g.stderr,
      /guillotine: error: Cannot listen on 127.0.0.1:\d+: .*: choose another --listen/,
    );
    // Stopped as guillotined children are, not left to the namespace's
    // end (SIGKILL).
    const events = eventsOf(g.stderr);
    assert.ok(indexOf(events, /^child started$/) >= 0, g.stderr);
    assert.ok(indexOf(events, /after SIGTERM$/) >= 0, g.stderr);
  } finally {
    listener.close();
  }
});
