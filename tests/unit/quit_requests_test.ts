// Sending quit requests: against real HTTP servers on the loopback, with a
// short policy so that a hang costs tenths of a second here.
import assert from "node:assert/strict";
import {
  quitBoundMs,
  type QuitPolicy,
  sendQuitRequests,
} from "../../lib/reports/quit_urls.ts";
import { parseQuitUrl } from "../../lib/options/values/quit_url.ts";
import {
  answering,
  hanging,
  recordingLogger,
  refusedUrl,
} from "../harness/mod.ts";

const POLICY: QuitPolicy = { timeoutMs: 200, attempts: 3, backoffMs: 20 };

Deno.test("the bound is every try's timeout plus the pauses", () => {
  assert.equal(quitBoundMs(POLICY), 3 * 200 + 20 + 40);
  assert.equal(
    quitBoundMs({ timeoutMs: 1000, attempts: 1, backoffMs: 100 }),
    1000,
  );
});

Deno.test("2xx: one try, one info line; 4xx: one try, one warning", async () => {
  await using ok = answering([200]);
  await using missing = answering([404]);
  const { lines, log } = recordingLogger();
  const results = await sendQuitRequests(
    [parseQuitUrl(ok.url), parseQuitUrl(missing.url)],
    log,
    POLICY,
  );
  assert.deepEqual(ok.requests(), ["POST /quitquitquit"]);
  assert.deepEqual(missing.requests(), ["POST /quitquitquit"]);
  assert.deepEqual(results.map((r) => [r.status, r.attempts]), [
    [200, 1],
    [404, 1],
  ]);
  // Both at once: the lines come in the order the answers do.
  assert.deepEqual(lines.toSorted(), [
    `guillotine: info: quit request answered url=${ok.url} method=POST status=200 attempts=1`,
    `guillotine: warn: quit request failed url=${missing.url} method=POST status=404 attempts=1`,
  ]);
});

Deno.test("5xx is tried again, up to the limit; a later 2xx ends the tries", async () => {
  await using failing = answering([503]);
  await using recovering = answering([500, 200]);
  const { lines, log } = recordingLogger();
  const results = await sendQuitRequests(
    [parseQuitUrl(failing.url), parseQuitUrl(recovering.url)],
    log,
    POLICY,
  );
  assert.equal(failing.seen.length, 3);
  assert.equal(recovering.seen.length, 2);
  assert.deepEqual(results.map((r) => [r.status, r.attempts]), [
    [503, 3],
    [200, 2],
  ]);
  assert.equal(lines.length, 2, lines.join("\n"));
});

Deno.test("refused and hanging endpoints: every try made, all at once, within the bound", async () => {
  using hang = hanging();
  using hang2 = hanging();
  await using ok = answering([200]);
  const refused = await refusedUrl();
  const { lines, log } = recordingLogger();
  const started = performance.now();
  const results = await sendQuitRequests(
    [hang.url, refused, ok.url, hang2.url].map(parseQuitUrl),
    log,
    POLICY,
  );
  const took = performance.now() - started;
  assert(took >= 3 * POLICY.timeoutMs, `${took} ms: each try waited`);
  assert(took < quitBoundMs(POLICY) + 300, `${took} ms: in parallel, bounded`);
  assert.equal(hang.conns.length, 3);
  assert.equal(hang2.conns.length, 3);
  assert.deepEqual(ok.requests(), ["POST /quitquitquit"]);
  assert.deepEqual(
    results.map((r) => [r.status, r.error, r.attempts]),
    [
      [null, "no answer within 200ms", 3],
      [null, "tcp connect error: Connection refused (os error 111)", 3],
      [200, null, 1],
      [null, "no answer within 200ms", 3],
    ],
  );
  assert.equal(lines.length, 4, lines.join("\n"));
  assert(lines.some((l) =>
    l ===
      `guillotine: warn: quit request failed url=${refused} method=POST error="tcp connect error: Connection refused (os error 111)" attempts=3`
  ));
});

Deno.test("no targets: nothing sent, nothing logged, no wait", async () => {
  const { lines, log } = recordingLogger();
  const started = performance.now();
  assert.deepEqual(await sendQuitRequests([], log, POLICY), []);
  assert(performance.now() - started < 100);
  assert.deepEqual(lines, []);
});
