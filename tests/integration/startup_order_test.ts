// The child starts first (issue #19 item 2): before it, guillotine only looks
// at the watched files once; the file watch, the lease watch and the quit
// endpoint are armed right after the spawn, and a file made in between still
// fires. Read from the JSON log events, as PID 1 in a PID namespace.
import assert from "node:assert/strict";
import {
  type EventMatch,
  type LogEvent,
  matches,
  start,
  tempDir,
} from "../harness/mod.ts";

function indexOf(events: LogEvent[], match: EventMatch): number {
  return events.findIndex((e) => matches(e, match));
}

/** The index of "child started", and the child's pid. */
function childStarted(events: LogEvent[]): { index: number; pid: unknown } {
  const index = indexOf(events, { msg: "child started" });
  return { index, pid: events[index]?.pid };
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
  const events = g.events;
  const { index: started, pid } = childStarted(events);
  const fired = indexOf(events, {
    msg: `guillotining the child: watched file ${done} exists`,
    pid,
  });
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
  const events = g.events;
  const { index: started, pid } = childStarted(events);
  assert.ok(started >= 0, g.stderr);
  // two is the file that completes the set, whenever the watch saw one.
  assert.ok(
    indexOf(events, {
      msg: `guillotining the child: watched file ${two} exists (all of 2)`,
      pid,
    }) > started,
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
  const armed = { msg: "watching for file events", dirs: dir.path };
  await g.waitForEvent(armed);
  await Deno.writeTextFile(done, "");
  assert.equal((await g.status(15_000)).code, 0, g.stderr);
  const events = g.events;
  const { index: started } = childStarted(events);
  assert.ok(started >= 0, g.stderr);
  assert.ok(indexOf(events, armed) > started, g.stderr);
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
    const events = g.events;
    const { index: started, pid } = childStarted(events);
    assert.ok(started >= 0, g.stderr);
    assert.ok(
      indexOf(events, { msg: "child killed by SIGTERM after SIGTERM", pid }) >
        started,
      g.stderr,
    );
  } finally {
    listener.close();
  }
});
