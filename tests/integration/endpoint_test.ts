// The quit endpoint: POST /quitquitquit fires the trigger; everything else is
// refused; malformed requests leave the supervisor working.
import assert from "node:assert/strict";
import { freePort, pollUntil, start } from "../harness/mod.ts";

async function request(
  port: number,
  method: string,
  path: string,
): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  await response.body?.cancel();
  return response.status;
}

/** Sends raw bytes and reads whatever comes back, bounded in time. */
async function raw(port: number, bytes: Uint8Array): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(bytes).catch(() => {});
    const buffer = new Uint8Array(1024);
    const timer = setTimeout(() => conn.close(), 200);
    await conn.read(buffer).catch(() => null);
    clearTimeout(timer);
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

Deno.test("the quit endpoint refuses what it does not serve and fires on POST /quitquitquit", async () => {
  const port = freePort();
  await using g = start([
    "--listen",
    String(port),
    "sh",
    "-c",
    "echo ready; exec sleep 1000",
  ]);
  await g.waitForStdout(/ready/);
  await g.waitForStderr(/quit endpoint listening address=127.0.0.1:/);
  assert.deepEqual(await request(port, "GET", "/healthz"), 200);
  assert.deepEqual(await request(port, "HEAD", "/healthz"), 200);
  assert.deepEqual(await request(port, "GET", "/quitquitquit"), 405);
  assert.deepEqual(await request(port, "PUT", "/quitquitquit"), 405);
  assert.deepEqual(await request(port, "POST", "/healthz"), 405);
  assert.deepEqual(await request(port, "GET", "/"), 404);
  assert.deepEqual(await request(port, "POST", "/quit"), 404);

  const garbage = [
    "GARBAGE\r\n\r\n",
    "GET /healthz HTTP/9.9\r\n\r\n",
    "POST /quitquitquit HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
    "GET /" + "a".repeat(70_000) + " HTTP/1.1\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: x\r\n" + "X: y\r\n".repeat(2000) + "\r\n",
    "\x00\x01\x02\xff\xfe",
    "POST /quitquitquit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "GET /healthz HTTP/1.1\r\n",
  ];
  for (let i = 0; i < 200; i++) {
    await raw(port, new TextEncoder().encode(garbage[i % garbage.length]));
  }
  assert.deepEqual(await request(port, "GET", "/healthz"), 200);
  assert.deepEqual(
    (await pollUntil(() => g.childPid(), "the child")) > 0,
    true,
  );

  assert.deepEqual(await request(port, "POST", "/quitquitquit"), 200);
  assert.deepEqual((await g.status()).code, 0, g.stderr);
  assert.match(g.stderr, /guillotining the child: POST \/quitquitquit/);
  assert.match(g.stderr, /sent SIGTERM to the child's process group/);
});

Deno.test("a busy --listen port is a 125 error with one line", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  try {
    await using g = start(["--listen", `127.0.0.1:${port}`, "true"]);
    assert.deepEqual((await g.status()).code, 125);
    assert.match(
      g.stderr,
      /guillotine: error: Cannot listen on 127.0.0.1:\d+: .*: choose another --listen/,
    );
  } finally {
    listener.close();
  }
});
