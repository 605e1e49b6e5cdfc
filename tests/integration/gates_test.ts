// Each kind of readiness gate passes when ready and times out when not,
// against real files, sockets and servers.
import assert from "node:assert/strict";
import { freePort, start, tempDir } from "../harness/mod.ts";

async function gate(spec: string): Promise<{ code: number; stderr: string }> {
  await using g = start([
    "--wait-for",
    spec,
    "--wait-timeout",
    "800ms",
    "--",
    "true",
  ]);
  const status = await g.status();
  return { code: status.code, stderr: g.stderr };
}

Deno.test("file: passes when the file exists, times out when not", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/ready`, "");
  assert.deepEqual((await gate(`file:${dir.path}/ready`)).code, 0);
  const late = await gate(`file:${dir.path}/missing`);
  assert.deepEqual(late.code, 124);
  assert.match(late.stderr, /not ready after 800ms: file:/);
});

Deno.test("unix: passes when a stream socket accepts, times out when not", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/s.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const accepting = (async () => {
    for await (const conn of listener) conn.close();
  })();
  try {
    assert.deepEqual((await gate(`unix:${path}`)).code, 0);
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
  // The socket file is left behind, but nothing accepts.
  assert.deepEqual((await gate(`unix:${path}`)).code, 124);
});

Deno.test("tcp: passes when a port accepts, times out when not", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const accepting = (async () => {
    for await (const conn of listener) conn.close();
  })();
  try {
    assert.deepEqual((await gate(`tcp:127.0.0.1:${port}`)).code, 0);
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
  assert.deepEqual((await gate(`tcp:127.0.0.1:${freePort()}`)).code, 124);
});

Deno.test("http: passes on 2xx, times out on 503 and on no server", async () => {
  const controller = new AbortController();
  const server = Deno.serve(
    {
      hostname: "127.0.0.1",
      port: 0,
      signal: controller.signal,
      onListen: () => {},
    },
    (request) =>
      new URL(request.url).pathname === "/ready"
        ? new Response("ok")
        : new Response("starting", { status: 503 }),
  );
  const { port } = server.addr;
  try {
    assert.deepEqual((await gate(`http://127.0.0.1:${port}/ready`)).code, 0);
    assert.deepEqual(
      (await gate(`http://127.0.0.1:${port}/not-yet`)).code,
      124,
    );
  } finally {
    controller.abort();
    await server.finished;
  }
  assert.deepEqual(
    (await gate(`http://127.0.0.1:${freePort()}/ready`)).code,
    124,
  );
});

Deno.test("a gate that becomes ready during the wait lets the child start", async () => {
  await using dir = await tempDir();
  await using g = start([
    "--wait-for",
    `file:${dir.path}/later`,
    "--wait-for",
    `file:${dir.path}/sooner`,
    "--",
    "sh",
    "-c",
    "echo started",
  ]);
  await Deno.writeTextFile(`${dir.path}/sooner`, "");
  await g.waitForStderr(/ready: file:\S*sooner/);
  await Deno.writeTextFile(`${dir.path}/later`, "");
  assert.deepEqual((await g.status()).code, 0, g.stderr);
  assert.deepEqual(g.stdout, "started\n");
});
