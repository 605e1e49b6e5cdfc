// The quit endpoint as its clients use it, against guillotine as PID 1: the
// proxies' own quit requests (with the command lines their manifests use),
// the exit code a request asks for, refusals, and client faults that stay
// 4xx (issue #9 defect 16, issue #10 item 3).
import assert from "node:assert/strict";
import {
  exchange,
  findEvent,
  freePort,
  guillotining,
  noEvent,
  pollUntil,
  requireCommand,
  serving,
  start,
  statusOf,
  tempDir,
} from "../harness/mod.ts";

async function request(
  port: number,
  method: string,
  path: string,
): Promise<{ status: number; allow: string | null; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  const body = await response.text();
  return {
    status: response.status,
    allow: response.headers.get("allow"),
    body,
  };
}

Deno.test("GET and POST /quitquitquit and POST /shutdown fire the trigger; ?code is the exit code", async () => {
  await using dir = await tempDir();
  const table: {
    method: string;
    path: string;
    options: string[];
    code: number;
  }[] = [
    { method: "POST", path: "/quitquitquit", options: [], code: 0 },
    { method: "GET", path: "/quitquitquit", options: [], code: 0 },
    { method: "POST", path: "/shutdown", options: [], code: 0 },
    { method: "GET", path: "/quitquitquit?code=3", options: [], code: 3 },
    { method: "POST", path: "/shutdown?code=255", options: [], code: 255 },
    // The code asked for wins over --exit-code; without one, --exit-code.
    {
      method: "POST",
      path: "/quitquitquit?code=7",
      options: ["--exit-code", "9"],
      code: 7,
    },
    {
      method: "POST",
      path: "/quitquitquit",
      options: ["--exit-code", "9"],
      code: 9,
    },
  ];
  for (const { method, path, options, code } of table) {
    const record = `${dir.path}/record-${code}`;
    const { g, port } = await serving([...options, "--notify", record]);
    await using _ = g;
    const answer = await request(port, method, path);
    assert.equal(answer.status, 200, `${method} ${path}: ${answer.body}`);
    assert.match(answer.body, /^guillotining/);
    const status = await g.status();
    assert.equal(status.code, code, `${method} ${path}: ${g.stderr}`);
    const bare = path.replace(/\?.*/, "");
    const asked = /code=(\d+)/.exec(path)?.[1];
    findEvent(
      g.events,
      (e) =>
        e.msg === "quit requested" && e.method === method &&
        e.path === bare && e.code === (asked && Number(asked)),
      g.stderr,
    );
    findEvent(g.events, {
      msg: `guillotining the child: ${method} ${path}`,
      pid: findEvent(g.events, { msg: "child started" }).pid,
    }, g.stderr);
    assert.equal(JSON.parse(await Deno.readTextFile(record)).exitCode, code);
  }
});

Deno.test("the proxies' own quit command lines work unchanged against --listen", async () => {
  requireCommand("curl", "apt-get install curl (scripts/setup.sh installs it)");
  requireCommand("busybox", "apt-get install busybox-static");
  const commands = [
    // Istio's pilot-agent, as its users' Jobs call it (istio/istio#6324).
    "curl -fsI -X POST http://localhost:PORT/quitquitquit",
    // Envoy's admin.
    "curl -sf -XPOST http://127.0.0.1:PORT/quitquitquit",
    // Cloud SQL Auth Proxy's Job example: a plain GET.
    "curl http://localhost:PORT/quitquitquit",
    // Linkerd's proxy (linkerd/website#1093).
    "curl -X POST http://localhost:PORT/shutdown",
    // A busybox image has no curl.
    "busybox wget -q -O- --post-data= http://127.0.0.1:PORT/quitquitquit",
    "busybox wget -q -O- http://127.0.0.1:PORT/quitquitquit?code=4",
  ];
  for (const command of commands) {
    const { g, port } = await serving();
    await using _ = g;
    const line = command.replace("PORT", String(port));
    const client = await new Deno.Command("sh", {
      args: ["-c", line],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(client.stderr);
    assert.equal(client.code, 0, `${line}: ${said}`);
    const status = await g.status();
    assert.equal(
      status.code,
      line.includes("code=4") ? 4 : 0,
      `${line}: ${g.stderr}`,
    );
    const path = line.match(/\/(quitquitquit|shutdown)/)?.[0];
    findEvent(
      g.events,
      (e) =>
        e.msg === "quit requested" && e.path === path &&
        (e.method === "GET" || e.method === "POST"),
      `${line}: ${g.stderr}`,
    );
  }
});

Deno.test("other methods get 405 with Allow, a bad code 400, and neither fires", async () => {
  const { g, port } = await serving();
  await using _ = g;
  const refusals: [string, string, number, string | null][] = [
    ["PUT", "/quitquitquit", 405, "GET, POST"],
    ["DELETE", "/quitquitquit", 405, "GET, POST"],
    ["HEAD", "/quitquitquit", 405, "GET, POST"],
    ["GET", "/shutdown", 405, "POST"],
    ["PUT", "/shutdown", 405, "POST"],
    ["POST", "/healthz", 405, "GET, HEAD"],
    ["GET", "/", 404, null],
    ["POST", "/quit", 404, null],
    ["POST", "/quitquitquit?code=256", 400, null],
    ["GET", "/quitquitquit?code=-1", 400, null],
    ["GET", "/quitquitquit?code=abc", 400, null],
    ["POST", "/shutdown?code=", 400, null],
    ["POST", "/quitquitquit?code=1&code=2", 400, null],
    ["POST", "/quitquitquit?cod=3", 400, null],
  ];
  for (const [method, path, status, allow] of refusals) {
    const answer = await request(port, method, path);
    assert.equal(answer.status, status, `${method} ${path}`);
    assert.equal(answer.allow, allow, `${method} ${path}`);
  }
  const bad = await request(port, "POST", "/quitquitquit?code=256");
  assert.equal(
    bad.body,
    'Cannot use code "256": expected an integer from 0 to 255\n',
  );
  assert.equal((await request(port, "GET", "/healthz")).status, 200);
  assert.equal((await request(port, "HEAD", "/healthz")).status, 200);
  noEvent(g.events, { msg: "quit requested" }, g.stderr);
  noEvent(g.events, guillotining, g.stderr);
  assert.ok(await pollUntil(() => g.childPid(), "the child still running"));
});

Deno.test("a malformed Host or any other client fault gets a 4xx, never a 5xx (issue #9, defect 16)", async () => {
  const { g, port } = await serving();
  await using _ = g;
  const hosts = ["[", "a b", "[::1", "%", "x:99999", "u@x", "x/y"];
  for (const host of hosts) {
    const text = await exchange(
      port,
      `GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    );
    assert.equal(statusOf(text), 400, `Host: ${host}: ${text}`);
    assert.match(text, /malformed Host header/, host);
  }
  const garbage = [
    "GARBAGE\r\n\r\n",
    "GET /healthz HTTP/9.9\r\n\r\n",
    "GET /healthz HTTP/1.1\r\n\r\n",
    "POST /quitquitquit HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    "GET /" + "a".repeat(70_000) + " HTTP/1.1\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: x\r\n" + "X: y\r\n".repeat(2000) + "\r\n",
    "\x00\x01\x02\xff\xfe\r\n\r\n",
    "POST /quitquitquit HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "GET http://x/healthz#frag HTTP/1.1\r\nHost: x\r\n\r\n",
  ];
  for (let i = 0; i < 100; i++) {
    const text = await exchange(port, garbage[i % garbage.length]);
    const status = statusOf(text);
    assert.ok(
      status !== null && status >= 400 && status < 500,
      `${JSON.stringify(garbage[i % garbage.length].slice(0, 80))}: ${
        text.slice(0, 200)
      }`,
    );
  }
  assert.equal((await request(port, "GET", "/healthz")).status, 200);
  noEvent(g.events, { level: "error" }, g.stderr);
  assert.ok(!g.stderr.includes("guillotine: error: "), g.stderr);
  noEvent(g.events, { msg: "quit requested" }, g.stderr);
});

Deno.test("a busy --listen port is a 125 error with one line", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  try {
    await using g = start(["--listen", `127.0.0.1:${port}`, "true"]);
    assert.equal((await g.status()).code, 125);
    assert.match(
      g.stderr,
      /guillotine: error: Cannot listen on 127.0.0.1:\d+: .*: choose another --listen/,
    );
  } finally {
    listener.close();
  }
});

Deno.test("a second quit request is told the first one decided, and does not change the exit code", async () => {
  // SIGWINCH leaves the child running, so the endpoint is still there
  // during the grace period.
  const { g, port } = await serving([
    "--signal",
    "WINCH",
    "--grace-period",
    "3s",
  ]);
  await using _ = g;
  const first = await request(port, "POST", "/quitquitquit?code=3");
  assert.equal(first.status, 200);
  await g.waitForEvent({ msg: "sent SIGWINCH to the child's process group" });
  const second = await request(port, "POST", "/quitquitquit?code=9");
  assert.equal(second.status, 200);
  assert.equal(
    second.body,
    "Already guillotining (POST /quitquitquit?code=3), exit code 3\n",
  );
  assert.equal((await g.status()).code, 3, g.stderr);
});

Deno.test("Deno.serve's own words stay out: stdout is the child's, every stderr line a JSON event", async () => {
  const port = freePort();
  await using g = start([
    "--log-format",
    "json",
    "--listen",
    String(port),
    "sh",
    "-c",
    "echo ready; exec sleep 1000",
  ]);
  await g.waitForStdout(/ready/);
  await g.waitForEvent({
    msg: "quit endpoint listening",
    address: `127.0.0.1:${port}`,
  });
  const answer = await request(port, "POST", "/quitquitquit");
  assert.equal(answer.status, 200);
  assert.equal((await g.status()).code, 0, g.stderr);
  assert.equal(g.stdout, "ready\n");
  const events = g.stderr.trimEnd().split("\n").map((line) => {
    try {
      return JSON.parse(line);
    } catch {
      assert.fail(`not a JSON event on stderr: ${line}`);
    }
  });
  assert.ok(events.some((e) => e.msg === "quit requested"), g.stderr);
});

Deno.test("a quit request after another trigger is told the code that will be used, and changes nothing (issue #16 item 7)", async () => {
  await using dir = await tempDir();
  const done = `${dir.path}/done`;
  const port = freePort();
  // The child takes a second to stop, so the endpoint is still open.
  await using g = start([
    "--log-format",
    "json",
    "--listen",
    String(port),
    "--watch",
    done,
    "sh",
    "-c",
    "trap 'sleep 1; exit 0' TERM; echo ready; while :; do sleep 0.1; done",
  ]);
  await g.waitForStdout(/ready/);
  // The file is made once the endpoint listens, so that the late quit is
  // answered by it. (This run once hung when a mount change starved
  // guillotine's event loop: mount_change_test.ts guards that.)
  await g.waitForEvent({ msg: "quit endpoint listening" });
  await Deno.writeTextFile(done, "");
  await g.waitForEvent({
    msg: `guillotining the child: watched file ${done} exists`,
  });
  const late = await request(port, "POST", "/quitquitquit?code=9");
  assert.equal(late.status, 200);
  assert.match(late.body, /^Already guillotining \(.*done.*\), exit code 0\n$/);
  assert.equal((await g.status()).code, 0, g.stderr);
  // The child's shell says "Terminated" on the same stderr.
  const events = g.events;
  const heard = events.find((e) =>
    e.msg === "quit request after the end was decided"
  );
  assert.equal(heard?.exit_code, 0, g.stderr);
  assert.equal(heard?.code, 9, g.stderr);
  assert.ok(!events.some((e) => e.msg === "quit requested"), g.stderr);
});

Deno.test("a quit request after the child exited on its own is told the child's code, and changes nothing", async () => {
  const port = freePort();
  // What the child leaves behind ignores SIGTERM for a while, so the
  // endpoint is still open after the child's exit.
  await using g = start([
    "--log-format",
    "json",
    "--listen",
    String(port),
    "--grace-period",
    "5s",
    "sh",
    "-c",
    "sh -c \"trap '' TERM; exec sleep 1.5\" & echo ready; sleep 0.2; exit 3",
  ]);
  await g.waitForStdout(/ready/);
  await g.waitForEvent({ msg: "child exit code 3" });
  const late = await request(port, "POST", "/quitquitquit?code=9");
  assert.equal(late.status, 200);
  assert.equal(
    late.body,
    "Already ending (child exit code 3), exit code 3\n",
  );
  assert.equal((await g.status()).code, 3, g.stderr);
  noEvent(g.events, { msg: "quit requested" }, g.stderr);
  noEvent(g.events, guillotining, g.stderr);
});
