// The endpoint's small HTTP server, in process, over real loopback sockets:
// one request a connection, faults as 4xx, an unexpected error as one 500
// and one log line, and close() cutting every connection at once.
import assert from "node:assert/strict";
import { closeQuietly, exchange, latin1, statusOf } from "../harness/mod.ts";
import { type Handler, serveHttp } from "../../lib/triggers/http/server.ts";
import type { Logger } from "../../lib/log/logger.ts";

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string, fields = {}) =>
    lines.push(`${level}: ${message} ${JSON.stringify(fields)}`);
  return {
    lines,
    error: at("error"),
    warn: at("warn"),
    info: at("info"),
    debug: at("debug"),
  };
}

async function withServer(
  handle: Handler,
  body: (
    port: number,
    log: ReturnType<typeof recordingLog>,
    close: () => void,
  ) => Promise<void>,
): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const log = recordingLog();
  const server = serveHttp(listener, handle, log);
  try {
    await body(listener.addr.port, log, () => server.close());
  } finally {
    server.close();
  }
}

const ok: Handler = () => ({ reply: { status: 200, body: "ok\n" } });

Deno.test("serveHttp answers once, closes, and calls sent after the answer", async () => {
  let sent = 0;
  await withServer(
    () => ({ reply: { status: 200, body: "ok\n" }, sent: () => sent++ }),
    async (port) => {
      const text = await exchange(
        port,
        "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
      );
      // One answer for two pipelined requests: the connection then closes.
      assert.equal(text.match(/HTTP\/1\.1 200 OK/g)?.length, 1);
      assert.match(text, /\r\nConnection: close\r\n/);
      assert.equal(sent, 1);
      const head = await exchange(
        port,
        "\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
      );
      assert.match(head, /Content-Length: 3\r\n/);
      assert.match(head, /\r\n\r\n$/);
    },
  );
});

Deno.test("serveHttp: client faults are 4xx and only debug lines", async () => {
  await withServer(ok, async (port, log) => {
    assert.equal(statusOf(await exchange(port, "BAD\r\n\r\n")), 400);
    const big = "GET / HTTP/1.1\r\n" + "X: y\r\n".repeat(3000) + "\r\n";
    assert.equal(statusOf(await exchange(port, big)), 431);
    // Cut short: the client closes its side before the head's end.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(latin1("GET / HTTP/1.1\r\nHost"));
    await conn.closeWrite();
    const buffer = new Uint8Array(200);
    const n = await conn.read(buffer);
    closeQuietly(conn);
    assert.equal(
      statusOf(new TextDecoder().decode(buffer.subarray(0, n ?? 0))),
      400,
    );
    assert.deepEqual(log.lines.filter((l) => !l.startsWith("debug")), []);
  });
});

Deno.test("serveHttp: an unexpected error is a 500 and is logged once", async () => {
  await withServer(() => {
    throw new TypeError("a bug");
  }, async (port, log) => {
    for (let i = 0; i < 3; i++) {
      const text = await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal(statusOf(text), 500);
    }
    const errors = log.lines.filter((l) => l.startsWith("error"));
    assert.equal(errors.length, 1, log.lines.join("\n"));
    assert.match(errors[0], /TypeError: a bug/);
  });
});

Deno.test("serveHttp: close() cuts stalled connections at once", async () => {
  await withServer(ok, async (port, _log, close) => {
    const stalled = [
      "",
      "GET / HTTP/1.1\r\nHost:",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc",
    ];
    const conns = await Promise.all(stalled.map(async (text) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      if (text) await conn.write(latin1(text));
      return conn;
    }));
    try {
      // The last one was answered and now lingers; read its answer.
      const buffer = new Uint8Array(4096);
      assert.equal(
        statusOf(
          new TextDecoder().decode(
            buffer.subarray(0, (await conns[2].read(buffer)) ?? 0),
          ),
        ),
        200,
      );
      const closedAt = performance.now();
      close();
      for (const conn of conns) {
        // Each sees its end (EOF or a reset) at once, not after a timeout.
        while (await conn.read(buffer).catch(() => null) !== null);
      }
      const elapsed = performance.now() - closedAt;
      assert.ok(
        elapsed < 500,
        `connections ended ${elapsed.toFixed(0)} ms after close()`,
      );
      await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port }));
    } finally {
      for (const conn of conns) closeQuietly(conn);
    }
  });
});
