// The quit endpoint's pure parts: the router (the proxies' dialect, the code
// parameter) and the strict request-head parser (client faults are 4xx).
import assert from "node:assert/strict";
import { route } from "../../lib/triggers/endpoint.ts";
import {
  findHeadEnd,
  formatResponse,
  HttpFault,
  leadingBlankBytes,
  parseRequestHead,
} from "../../lib/triggers/http/head.ts";

Deno.test("route: the proxies' quit requests fire, with their exit code", () => {
  const table: [string, string, number | null][] = [
    ["POST", "/quitquitquit", null], // Istio's pilot-agent, Envoy's admin
    ["GET", "/quitquitquit", null], // Cloud SQL Auth Proxy >= 2.7.0
    ["POST", "/shutdown", null], // Linkerd's proxy
    ["GET", "/quitquitquit?code=3", 3],
    ["POST", "/quitquitquit?code=0", 0],
    ["POST", "/quitquitquit?code=255", 255],
    ["POST", "/shutdown?code=007", 7],
    ["POST", "/quitquitquit?", null],
    ["POST", "http://localhost:9091/quitquitquit?code=4", 4],
    ["GET", "HTTP://127.0.0.1/quitquitquit", null],
  ];
  for (const [method, target, code] of table) {
    const answer = route(method, target, true);
    const path = target.replace(/^https?:\/\/[^/]*/i, "").replace(/\?.*/, "");
    assert.equal(answer.status, 200, `${method} ${target}`);
    assert.deepEqual(
      answer.quit,
      { method, path, code },
      `${method} ${target}`,
    );
    assert.match(answer.body, /^guillotining/);
  }
});

Deno.test("route: other methods get 405 with Allow, and never fire", () => {
  const table: [string, string, string][] = [
    ["PUT", "/quitquitquit", "GET, POST"],
    ["DELETE", "/quitquitquit", "GET, POST"],
    // HEAD must stay safe: `curl -I` does not quit.
    ["HEAD", "/quitquitquit", "GET, POST"],
    ["OPTIONS", "/quitquitquit", "GET, POST"],
    ["GET", "/shutdown", "POST"],
    ["HEAD", "/shutdown", "POST"],
    ["POST", "/healthz", "GET, HEAD"],
    // The method is checked before the code.
    ["PUT", "/quitquitquit?code=abc", "GET, POST"],
  ];
  for (const [method, target, allow] of table) {
    const answer = route(method, target, true);
    assert.equal(answer.status, 405, `${method} ${target}`);
    assert.equal(answer.allow, allow, `${method} ${target}`);
    assert.equal(answer.quit, undefined, `${method} ${target}`);
  }
});

Deno.test("route: a bad code is a 400 that names the problem", () => {
  const table: [string, RegExp][] = [
    ["code=256", /Cannot use code "256": expected an integer from 0 to 255/],
    ["code=-1", /Cannot use code "-1"/],
    ["code=abc", /Cannot use code "abc"/],
    ["code=", /Cannot use code ""/],
    ["code", /Cannot use code ""/],
    ["code=3.0", /Cannot use code "3.0"/],
    ["code=1e2", /Cannot use code "1e2"/],
    ["code=%203", /Cannot use code " 3"/],
    ["code=1000", /Cannot use code "1000"/],
    ["code=3&code=4", /given more than once/],
    ["cod=3", /Unknown parameter "cod": the only one is code/],
    ["code=3&x=1", /Unknown parameter "x"/],
  ];
  for (const [query, message] of table) {
    for (const path of ["/quitquitquit", "/shutdown"]) {
      const answer = route("POST", `${path}?${query}`, true);
      assert.equal(answer.status, 400, `${path}?${query}`);
      assert.match(answer.body, message, `${path}?${query}`);
      assert.equal(answer.quit, undefined);
    }
  }
});

Deno.test("route: /healthz, unknown paths and odd targets", () => {
  assert.equal(route("GET", "/healthz", true).status, 200);
  assert.equal(route("HEAD", "/healthz", true).status, 200);
  assert.equal(route("GET", "/healthz", false).status, 503);
  // /healthz takes any query: probes add their own.
  assert.equal(route("GET", "/healthz?x=1", true).status, 200);
  for (const target of ["/", "/quit", "/quitquitquit/", "/QUITQUITQUIT"]) {
    assert.equal(route("POST", target, true).status, 404, target);
  }
  for (const target of ["*", "quitquitquit", "/quitquitquit#x", "?code=3"]) {
    assert.equal(route("POST", target, true).status, 400, target);
    assert.equal(route("POST", target, true).quit, undefined, target);
  }
});

const head = (text: string) => parseRequestHead(text);
const fault = (status: number) => (error: unknown) =>
  error instanceof HttpFault && error.status === status;

Deno.test("parseRequestHead reads the request line and Host", () => {
  assert.deepEqual(
    head("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:9091\r\nX: y\r\n\r\n"),
    { method: "GET", target: "/healthz", host: "127.0.0.1:9091" },
  );
  // Bare LFs, a HTTP/1.0 request without Host, an IPv6 Host, an empty Host.
  assert.equal(head("GET / HTTP/1.0\n\n").host, null);
  assert.equal(head("GET / HTTP/1.1\nHost: [::1]:80\n\n").host, "[::1]:80");
  assert.equal(head("GET / HTTP/1.1\r\nHost:\r\n\r\n").host, "");
  assert.equal(head("GET / HTTP/1.1\r\nhOsT:  x  \r\n\r\n").host, "x");
  // A later minor version is still HTTP/1.
  assert.equal(head("GET / HTTP/1.9\r\nHost: x\r\n\r\n").method, "GET");
});

Deno.test("parseRequestHead: a malformed Host is a 400 (issue #9, defect 16)", () => {
  const hosts = ["[", "a b", "[::1", "%", "%zz", "x/y", "u@x", "x:99999", "é"];
  for (const host of hosts) {
    assert.throws(
      () => head(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`),
      fault(400),
      host,
    );
  }
  assert.throws(() => head("GET / HTTP/1.1\r\n\r\n"), /missing Host/);
  assert.throws(
    () => head("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
    /more than one Host/,
  );
});

Deno.test("parseRequestHead: other client faults are 400", () => {
  const bad = [
    "GARBAGE\r\n\r\n",
    "GET /healthz\r\n\r\n",
    "GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n",
    "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET / HTTP/1\r\nHost: x\r\n\r\n",
    "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    "\x00\x01\x02\xff\xfe\r\n\r\n",
  ];
  for (const text of bad) {
    assert.throws(() => head(text), fault(400), JSON.stringify(text));
  }
  assert.throws(() => head("GET / HTTP/2.0\r\n\r\n"), fault(400));
  assert.throws(() => head("GET / HTTP/9.9\r\nHost: x\r\n\r\n"), fault(400));
  // Agreeing lengths are fine, and the body is never looked at.
  assert.equal(
    head("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\n").method,
    "POST",
  );
});

Deno.test("findHeadEnd finds the empty line across reads, CRLF or bare LF", () => {
  const bytes = new TextEncoder().encode(
    "GET / HTTP/1.1\r\nHost: x\r\n\r\nrest",
  );
  const end = bytes.length - 4;
  for (let split = 0; split < end; split++) {
    const first = findHeadEnd(bytes, 0, split);
    assert.equal(first, -1, `split ${split}`);
    assert.equal(findHeadEnd(bytes, Math.max(0, split - 3), bytes.length), end);
  }
  const lf = new TextEncoder().encode("GET / HTTP/1.0\n\n");
  assert.equal(findHeadEnd(lf, 0, lf.length), lf.length);
  const blank = new TextEncoder().encode("\r\n\r\nGET");
  assert.equal(leadingBlankBytes(blank, blank.length), 4);
});

Deno.test("formatResponse always closes, and HEAD gets no body", () => {
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const get = decode(formatResponse({ status: 200, body: "ok\n" }, false));
  assert.match(get, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(get, /\r\nContent-Length: 3\r\n/);
  assert.match(get, /\r\nConnection: close\r\n\r\nok\n$/);
  const headOnly = decode(formatResponse({ status: 200, body: "ok\n" }, true));
  assert.match(headOnly, /\r\nContent-Length: 3\r\n/);
  assert.match(headOnly, /\r\n\r\n$/);
  const many = decode(formatResponse({ status: 431, body: "x" }, false));
  assert.match(many, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
});
