// Bounded exit: whatever the endpoint's clients do, once the child is gone
// guillotine exits within 2 s (issue #9, defect 3 and "bounded exit").
import assert from "node:assert/strict";
import {
  closeQuietly,
  type Guillotine,
  latin1,
  noEvent,
  serving,
  statusOf,
  tempDir,
} from "../harness/mod.ts";

const BOUND_MS = 2000;

async function connect(port: number, text = ""): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  if (text) await conn.write(latin1(text));
  return conn;
}

/** Reads the start of the answer on a connection, bounded in time. */
async function readAnswer(conn: Deno.Conn, timeoutMs = 3000): Promise<string> {
  const buffer = new Uint8Array(1024);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const read = await Promise.race([
    conn.read(buffer).catch(() => null),
    new Promise<null>((resolve) =>
      timer = setTimeout(() => resolve(null), timeoutMs)
    ),
  ]);
  clearTimeout(timer);
  return read === null
    ? ""
    : new TextDecoder().decode(buffer.subarray(0, read));
}

/** Waits for guillotine's exit; returns how long it took from `since`. */
async function exitTime(g: Guillotine, since: number): Promise<number> {
  // Far above the bound, so that a hang fails on the assertion below, not
  // on the harness's timeout.
  const status = await g.status(BOUND_MS + 5000);
  assert.equal(status.code, 0, g.stderr);
  return performance.now() - since;
}

Deno.test("an unfinished POST /quitquitquit held open does not keep guillotine alive (issue #9, defect 3)", async () => {
  const { g, port } = await serving();
  await using _ = g;
  // The repro: Content-Length 1000, 3 bytes of body, socket held.
  const sent = performance.now();
  const held = await connect(
    port,
    "POST /quitquitquit HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc",
  );
  try {
    const elapsed = await exitTime(g, sent);
    console.log(`exit ${elapsed.toFixed(0)} ms after the unfinished request`);
    assert.ok(elapsed < BOUND_MS, `exited after ${elapsed.toFixed(0)} ms`);
    // The request in flight was answered before guillotine went.
    assert.equal(statusOf(await readAnswer(held)), 200);
  } finally {
    closeQuietly(held);
  }
});

/** One way of stalling a connection; each returns the open connection. */
const STALLS: Record<string, (port: number) => Promise<Deno.Conn>> = {
  silent: (port) => connect(port),
  "partial request line": (port) => connect(port, "GET /heal"),
  "partial headers": (port) =>
    connect(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: sl"),
  "partial body": (port) =>
    connect(
      port,
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc",
    ),
  "idle keep-alive": async (port) => {
    const conn = await connect(
      port,
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
    );
    await readAnswer(conn);
    return conn;
  },
  "slow reader": (port) =>
    connect(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
  "head too large, held": (port) =>
    connect(port, "GET / HTTP/1.1\r\n" + "X-Filler: abcdefgh\r\n".repeat(500)),
  "chunked body never ending": (port) =>
    connect(
      port,
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ),
};

/** Sends a request head one byte at a time, until stopped. */
function trickle(conn: Deno.Conn): () => void {
  const text = latin1(
    "GET /healthz HTTP/1.1\r\nHost: x\r\nX: " + "y".repeat(10_000),
  );
  let i = 0;
  const timer = setInterval(() => {
    conn.write(text.subarray(i, i + 1)).catch(() => clearInterval(timer));
    i = (i + 1) % text.length;
  }, 20);
  return () => clearInterval(timer);
}

for (const trigger of ["a POST on a fresh connection", "the watched file"]) {
  Deno.test(`200 stalled connections, then ${trigger}: guillotine exits within 2 s`, async () => {
    await using dir = await tempDir();
    const done = `${dir.path}/done`;
    const { g, port } = await serving(["--watch", done]);
    await using _ = g;
    const conns: Deno.Conn[] = [];
    const stops: (() => void)[] = [];
    const kinds = Object.keys(STALLS);
    try {
      for (let i = 0; i < 200; i++) {
        if (i % (kinds.length + 1) === kinds.length) {
          const conn = await connect(port);
          stops.push(trickle(conn));
          conns.push(conn);
        } else {
          conns.push(await STALLS[kinds[i % (kinds.length + 1)]](port));
        }
      }
      // Nobody is locked out meanwhile.
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();

      const fired = performance.now();
      if (trigger === "the watched file") {
        await Deno.writeTextFile(done, "");
      } else {
        const quit = await fetch(`http://127.0.0.1:${port}/quitquitquit`, {
          method: "POST",
        });
        assert.equal(quit.status, 200);
        await quit.body?.cancel();
      }
      const elapsed = await exitTime(g, fired);
      console.log(
        `200 stalled connections, ${trigger}: exit after ${
          elapsed.toFixed(0)
        } ms`,
      );
      assert.ok(elapsed < BOUND_MS, `exited after ${elapsed.toFixed(0)} ms`);
      noEvent(g.events, { level: "error" }, g.stderr);
      assert.ok(!g.stderr.includes("guillotine: error: "), g.stderr);
    } finally {
      for (const stop of stops) stop();
      for (const conn of conns) closeQuietly(conn);
    }
  });
}

Deno.test("8 clients flooding the endpoint are paced, and a quit request among them is answered at once", async () => {
  const { g, port } = await serving();
  await using _ = g;
  const stop = new AbortController();
  let answered = 0;
  const clients = Array.from({ length: 8 }, async () => {
    using client = Deno.createHttpClient({ poolMaxIdlePerHost: 1 });
    while (!stop.signal.aborted) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
          client,
          signal: stop.signal,
        });
        await response.body?.cancel();
        answered++;
      } catch {
        // Aborted, or guillotine is gone.
      }
    }
  });
  try {
    const floodMs = 1000;
    await new Promise((resolve) => setTimeout(resolve, floodMs));
    // Unpaced, this machine answered 5,000 to 10,000 a second; paced, about
    // 20 free ones a tenth of a second and 20 a second for each client.
    const rate = answered / (floodMs / 1000);
    console.log(`${rate.toFixed(0)} answers a second under the flood`);
    assert.ok(rate < 1000, `${rate.toFixed(0)} answers a second`);
    const asked = performance.now();
    const quit = await fetch(`http://127.0.0.1:${port}/quitquitquit`, {
      method: "POST",
    });
    const waited = performance.now() - asked;
    assert.equal(quit.status, 200);
    await quit.body?.cancel();
    assert.ok(waited < 1000, `the quit request waited ${waited.toFixed(0)} ms`);
    await exitTime(g, asked);
  } finally {
    stop.abort();
    await Promise.all(clients);
  }
});
