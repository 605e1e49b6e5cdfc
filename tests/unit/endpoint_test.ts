// The quit endpoint's pure parts: the router (the proxies' dialect, the code
// parameter) and the Host check (client faults are 4xx).
import assert from "node:assert/strict";
import { hostFault, openEndpoint, route } from "../../lib/triggers/endpoint.ts";
import { recordingLogger } from "../harness/mod.ts";

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

Deno.test("hostFault: a missing or malformed Host is a 400 (issue #9, defect 16)", () => {
  for (const host of ["127.0.0.1:9091", "[::1]:80", "localhost", "x", ""]) {
    assert.equal(hostFault(host), null, host);
  }
  const hosts = ["[", "a b", "[::1", "%", "%zz", "x/y", "u@x", "x:99999", "é"];
  for (const host of hosts) {
    assert.match(hostFault(host) ?? "", /^malformed Host header "/, host);
  }
  // Deno joins several Host headers with ", ".
  assert.match(hostFault("a, b") ?? "", /malformed Host header/);
  assert.match(hostFault(null) ?? "", /missing Host header/);
});

Deno.test("openEndpoint: an error of its own is a 500 without a stack, logged once as a line", async () => {
  const { lines, log } = recordingLogger();
  const endpoint = openEndpoint(
    { hostname: "127.0.0.1", port: 0 },
    () => {
      throw new Error("broken decision");
    },
    log,
  );
  try {
    const port = Number(/:(\d+)/.exec(lines.join("\n"))?.[1]);
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/quitquitquit`, {
        method: "POST",
      });
      assert.equal(response.status, 500);
      assert.equal(await response.text(), "Internal error (logged)\n");
    }
    const errors = lines.filter((line) => /unexpected error/.test(line));
    assert.equal(errors.length, 1, lines.join("\n"));
    assert.match(errors[0], /Error: broken decision/);
    assert.doesNotMatch(lines.join("\n"), /\n\s+at /);
  } finally {
    await endpoint.close();
  }
});
