// --quit-url and the termination message, with guillotine as PID 1: every
// kind of end calls every URL exactly once (three times for a 5xx, as for an
// endpoint that refuses or hangs), after the completion record and the
// termination message, and guillotine still exits within the bound.
import assert from "node:assert/strict";
import {
  answering,
  closedPort,
  eventsLike,
  findEvent,
  type Guillotine,
  hanging,
  refusedUrl,
  start,
  tempDir,
} from "../harness/mod.ts";

/** 3 tries of 1 s each, with pauses of 100 and 200 ms (lib/reports/quit_urls.ts). */
const BOUND_MS = 3300;
/** Room for a loaded 2-core machine between the last try and the exit. */
const SLACK_MS = 1500;

/** One kind of end. */
interface Kind {
  name: string;
  /** guillotine's arguments after the common ones (quit URLs, files). */
  args: (dir: string) => string[];
  /** Arguments before the common ones. */
  before?: string[];
  code: number;
  /** Whether --notify is given and its record must exist before the quit. */
  record: boolean;
  /** The termination message, whole. */
  message: RegExp;
  /** Puts the run to its end, when it does not end by itself. */
  drive?: (g: Guillotine) => Promise<void>;
}

/** A gate that is never ready. */
const GATE = await closedPort();

const KINDS: Kind[] = [
  {
    name: "the child exits 0",
    args: () => ["sh", "-c", "exit 0"],
    code: 0,
    record: true,
    message: /^child exited with 0; exit 0$/,
  },
  {
    name: "the child exits 3",
    args: () => ["sh", "-c", "exit 3"],
    code: 3,
    record: true,
    message: /^child exited with 3; exit 3$/,
  },
  {
    name: "the child is killed by a signal",
    args: () => ["sh", "-c", "kill -KILL $$"],
    code: 137,
    record: true,
    message: /^child killed by SIGKILL; exit 137$/,
  },
  {
    name: "a trigger stops the child",
    args: (dir) => [
      "--watch",
      `${dir}/done`,
      "sh",
      "-c",
      `touch ${dir}/done; exec sleep 1000`,
    ],
    code: 0,
    record: true,
    message:
      /^guillotined: watched file \S+\/done exists; child stopped by SIGTERM after \d+(ms|\.\ds); exit 0$/,
  },
  {
    name: "the main container's record ends the sidecar",
    args: (dir) => [
      "--watch",
      `${dir}/main-done`,
      "--exit-code-from-file",
      "sh",
      "-c",
      `echo '{"guillotine":1,"exitCode":3}' > ${dir}/tmp && mv ${dir}/tmp ${dir}/main-done && exec sleep 1000`,
    ],
    code: 3,
    record: false,
    message:
      /^main container ended with 3 \(record \S+\/main-done\); child stopped by SIGTERM after \d+(ms|\.\ds); exit 3$/,
  },
  {
    name: "a gate times out",
    args: () => [
      "--wait-for",
      `tcp:127.0.0.1:${GATE}`,
      "--wait-timeout",
      "300ms",
      "sh",
      "-c",
      "exit 0",
    ],
    code: 124,
    record: true,
    message: /^gates not ready after 300ms: tcp:127\.0\.0\.1:\d+; exit 124$/,
  },
  {
    name: "a signal comes before the child starts",
    args: () => ["--wait-for", `tcp:127.0.0.1:${GATE}`, "sh", "-c", "exit 0"],
    code: 143,
    record: true,
    message: /^SIGTERM before the child started; exit 143$/,
    drive: async (g) => {
      await g.waitForEvent({ msg: "waiting for gates" });
      await g.kill("SIGTERM");
    },
  },
  {
    name: "the command is not found",
    args: () => ["/no/such/command"],
    code: 127,
    record: true,
    message:
      /^guillotine error: Command "\/no\/such\/command" not found: .*; exit 127$/,
  },
  {
    name: "another option does not parse",
    // First, so that the quit URLs and the termination log are read past it.
    before: ["--bogus"],
    args: () => ["sh", "-c", "exit 0"],
    code: 125,
    record: false,
    message: /^guillotine error: Unknown option "--bogus": .*; exit 125$/,
  },
];

/** Runs one kind of end against the four endpoints. */
async function endOf(kind: Kind): Promise<void> {
  await using dir = await tempDir();
  const record = `${dir.path}/record`;
  const terminationLog = `${dir.path}/termination-log`;
  await Deno.writeTextFile(terminationLog, "");
  await using ok = answering([200], () => [record, terminationLog]);
  await using failing = answering([503]);
  using hang = hanging();
  const refused = await refusedUrl();
  await using g = start([
    ...kind.before ?? [],
    "--log-format",
    "json",
    ...[ok.url, failing.url, refused, hang.url].flatMap((url) => [
      "--quit-url",
      url,
    ]),
    ...(kind.record ? ["--notify", record] : []),
    "--termination-log",
    terminationLog,
    ...kind.args(dir.path),
  ]);
  await kind.drive?.(g);
  const status = await g.status();
  const exitedAt = performance.now();
  const what = `${kind.name}; stderr: ${g.stderr}`;

  assert.equal(status.code, kind.code, what);
  assert.deepEqual(ok.seen.map((s) => s.request), ["POST /quitquitquit"], what);
  assert.deepEqual(
    ok.seen[0].existing,
    kind.record ? [record, terminationLog] : [terminationLog],
    `after the record and the termination message: ${what}`,
  );
  assert.equal(failing.seen.length, 3, what);
  assert.equal(hang.conns.length, 3, what);
  const results: [string, string, Record<string, unknown>][] = [
    [ok.url, "answered", { status: 200, attempts: 1 }],
    [failing.url, "failed", { status: 503, attempts: 3 }],
    [refused, "failed", {
      error: "tcp connect error: Connection refused (os error 111)",
      attempts: 3,
    }],
    [hang.url, "failed", { error: "no answer within 1s", attempts: 3 }],
  ];
  for (const [url, how, result] of results) {
    const events = eventsLike(g.events, { url });
    assert.equal(events.length, 1, `one event for ${url}: ${what}`);
    const { time: _, ...event } = events[0];
    assert.deepEqual(event, {
      level: how === "answered" ? "info" : "warn",
      msg: `quit request ${how}`,
      url,
      method: "POST",
      ...result,
    }, what);
  }

  const text = await Deno.readTextFile(terminationLog);
  assert(text.endsWith("\n") && text.split("\n").length === 2, what);
  assert.match(text.trimEnd(), kind.message, what);

  const tookMs = exitedAt - hang.firstAt();
  assert(tookMs >= 3000, `${tookMs} ms: every try waited its second: ${what}`);
  assert(tookMs <= BOUND_MS + SLACK_MS, `${tookMs} ms: ${what}`);
}

Deno.test("every kind of end calls every quit URL once, after the record and the termination message, within the bound", async () => {
  await Promise.all(KINDS.map(endOf));
});

Deno.test("a --quit-url that does not parse: 125, and nothing is sent", async () => {
  await using dir = await tempDir();
  const terminationLog = `${dir.path}/termination-log`;
  await Deno.writeTextFile(terminationLog, "");
  await using ok = answering([200]);
  await using g = start([
    "--quit-url",
    ok.url,
    "--quit-url",
    "ftp://127.0.0.1/quit",
    "--termination-log",
    terminationLog,
    "sh",
    "-c",
    "exit 0",
  ]);
  assert.equal((await g.status()).code, 125, g.stderr);
  assert.deepEqual(ok.seen, []);
  assert.match(
    await Deno.readTextFile(terminationLog),
    /^guillotine error: Quit URL "ftp:\/\/127\.0\.0\.1\/quit" is not http or https: .* \(from --quit-url\); exit 125\n$/,
  );
});

Deno.test("presets reach each proxy's path by its method; the variable holds several", async () => {
  await using sql = answering([200]);
  await using linkerd = answering([200]);
  await using istio = answering([200]);
  await using envoy = answering([200]);
  await using g = start(["--log-format", "json", "sh", "-c", "exit 0"], {
    env: {
      GUILLOTINE_QUIT_URL:
        `cloud-sql-proxy:${sql.port}\nlinkerd:${linkerd.port} istio:${istio.port}\tenvoy:${envoy.port}`,
    },
  });
  assert.equal((await g.status()).code, 0, g.stderr);
  assert.deepEqual(sql.seen.map((s) => s.request), ["POST /quitquitquit"]);
  assert.deepEqual(linkerd.seen.map((s) => s.request), ["POST /shutdown"]);
  assert.deepEqual(istio.seen.map((s) => s.request), ["POST /quitquitquit"]);
  assert.deepEqual(envoy.seen.map((s) => s.request), ["POST /quitquitquit"]);
  findEvent(g.events, {
    msg: "quit request answered",
    url: `http://127.0.0.1:${sql.port}/quitquitquit`,
    method: "POST",
    status: 200,
    attempts: 1,
  }, g.stderr);
});

Deno.test("--help and --version end nothing: no quit request", async () => {
  await using ok = answering([200]);
  for (const action of ["--help", "--version"]) {
    await using g = start(["--quit-url", ok.url, action]);
    assert.equal((await g.status()).code, 0, g.stderr);
  }
  assert.deepEqual(ok.seen, []);
});
