// Issue #17: a misconfigured pod says so. Each test runs guillotine as PID 1
// and reads its JSON log events, its exit code and its record.
import assert from "node:assert/strict";
import {
  closedPort,
  eventsOf,
  findEvent,
  guillotineArgv,
  pollUntil,
  run,
  spawn,
  start,
  tempDir,
} from "../harness/mod.ts";
import { parseMountPoints } from "../../lib/sys/mountinfo.ts";
import { mountPointOf } from "../../lib/triggers/arm.ts";

/** An HTTP server on the loopback answering `status`, counting requests. */
function server(status: number, hang = false) {
  const requests: string[] = [];
  const stop = new AbortController();
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, signal: stop.signal },
    async (request) => {
      requests.push(`${request.method} ${new URL(request.url).pathname}`);
      if (hang) await new Promise(() => {});
      return new Response(null, { status });
    },
  );
  return {
    requests,
    url: `http://127.0.0.1:${http.addr.port}`,
    // An abort closes every connection at once, a hanging one included.
    close: () => (stop.abort(), http.finished),
  };
}

Deno.test("#17 item 3: an unknown GUILLOTINE_ variable is a usage error naming the nearest one, and the record is still written", async () => {
  await using dir = await tempDir();
  const record = `${dir.path}/done`;
  const result = await run(["--notify", record, "true"], {
    env: { GUILLOTINE_WATCHED_FIEL: "/share/done" },
  });
  assert.equal(result.code, 125, result.stderr);
  const lines = result.stderr.trim().split("\n").filter((l) =>
    l.startsWith("guillotine: error:")
  );
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /"GUILLOTINE_WATCHED_FIEL".*GUILLOTINE_WATCHED_FILE/);
  const written = JSON.parse(await Deno.readTextFile(record));
  assert.equal(written.exitCode, 125);
  assert.equal(written.reason, "error");
});

Deno.test("#17 item 4: a --quit-url value holding several URLs, as CSQL_PROXY_QUIT_URLS does, quits each", async () => {
  const [a, b] = [server(200), server(200)];
  try {
    const urls = `${a.url}/quitquitquit ${b.url}/quitquitquit`;
    const result = await run(["--quit-url", urls, "true"]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(a.requests, ["POST /quitquitquit"]);
    assert.deepEqual(b.requests, ["POST /quitquitquit"]);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("#17 item 4: a list in another separator is a usage error that names the list's own", async () => {
  for (
    const [args, env] of [
      [[], { GUILLOTINE_QUIT_URL: "istio,envoy" }],
      [["--success-exit-code", "143 2"], {}],
    ] as [string[], Record<string, string>][]
  ) {
    const result = await run([...args, "true"], { env });
    assert.equal(result.code, 125, result.stderr);
    assert.match(result.stderr, /(space|comma)-separated: write "/);
  }
});

Deno.test("#17 item 5: --lease maybe names on|off", async () => {
  const result = await run(["--lease", "maybe", "true"]);
  assert.equal(result.code, 125);
  assert.match(result.stderr, /Cannot parse lease "maybe": use on or off/);
});

Deno.test("#17 item 5: a gate that times out says why at its last try", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/plain`, "");
  const unavailable = server(503);
  const hanging = server(200, true);
  const port = await closedPort();
  try {
    const gates = [
      `file:${dir.path}/missing`,
      `unix:${dir.path}/plain`,
      `tcp:127.0.0.1:${port}`,
      `${unavailable.url}/ready`,
      `${hanging.url}/ready`,
    ];
    const result = await run([
      "--log-format",
      "json",
      "--wait-timeout",
      "1s",
      ...gates.flatMap((g) => ["--wait-for", g]),
      "true",
    ]);
    assert.equal(result.code, 124, result.stderr);
    const end = findEvent(eventsOf(result.stderr), {
      level: "error",
      msg: `not ready after 1s: ${gates.join(", ")}; not starting the child`,
    }, result.stderr);
    assert.equal(
      end.last_try,
      [
        `${gates[0]}: missing`,
        `${gates[1]}: not a socket`,
        `${gates[2]}: refused`,
        `${gates[3]}: HTTP status 503`,
        `${gates[4]}: timeout`,
      ].join("; "),
    );
  } finally {
    await unavailable.close();
    await hanging.close();
  }
});

/** The warnings of one kind among the events. */
function problems(stderr: string, problem: string): Record<string, unknown>[] {
  return eventsOf(stderr).filter((e) =>
    e.level === "warn" && e.problem === problem
  );
}

Deno.test("#17 item 1: a watched file whose directory does not exist is one warning naming it, and the watch goes on", async () => {
  await using dir = await tempDir();
  const share = `${dir.path}/shrae`;
  await using g = start([
    "--log-format",
    "json",
    "--watch",
    `${share}/completed`,
    "sleep",
    "100",
  ]);
  await g.childPid();
  await pollUntil(
    () => problems(g.stderr, "missing-directory").length === 1,
    () => `the warning; stderr: ${g.stderr}`,
  );
  assert.equal(problems(g.stderr, "missing-directory")[0].dir, share);
  // It may still appear.
  await Deno.mkdir(share);
  await Deno.writeTextFile(`${share}/completed`, "");
  assert.equal((await g.status()).code, 0, g.stderr);
  assert.equal(problems(g.stderr, "missing-directory").length, 1, g.stderr);
});

/**
 * guillotine as PID 1 of a mount namespace in which `volume` is a tmpfs of
 * its own (the shared volume), while the rest of /tmp is the machine's root
 * file system (checked below), as a container's image is.
 */
function startWithVolume(volume: string, args: string[], pid1 = true) {
  const argv = guillotineArgv(["--log-format", "json", ...args]);
  return pid1
    ? spawn([
      "sh",
      "-c",
      'mount -t tmpfs volume "$0" && exec "$@"',
      volume,
      ...argv,
    ], { what: "guillotine" })
    : spawn(argv, { pid1: false, what: "guillotine" });
}

Deno.test("#17 item 2: as PID 1, a watched file or a record on the root file system is one warning each; one on a mounted volume is none", async () => {
  const tmpMount = mountPointOf(
    Deno.realPathSync(Deno.makeTempDirSync({ prefix: "guillotine-probe-" })),
    parseMountPoints(Deno.readTextFileSync("/proc/self/mountinfo")),
  );
  assert.equal(tmpMount, "/", "this test needs /tmp on the root file system");
  await using dir = await tempDir();
  const volume = `${dir.path}/volume`;
  await Deno.mkdir(volume);
  const image = `${dir.path}/image`;
  await Deno.mkdir(image);
  const args = [
    "--watch",
    `${image}/done`,
    "--watch",
    `${volume}/done`,
    "--notify",
    `${image}/records/main`,
    "--",
    "true",
  ];
  await using g = startWithVolume(volume, args);
  assert.equal((await g.status()).code, 0, g.stderr);
  const warned = problems(g.stderr, "not-on-volume").map((e) => e.file);
  assert.deepEqual(warned, [`${image}/done`, `${image}/records/main`]);
  // The record is still written, where it was asked for.
  assert.equal(
    JSON.parse(await Deno.readTextFile(`${image}/records/main`)).exitCode,
    0,
  );
  // Not PID 1 (a local run): no such warning.
  await Deno.remove(`${image}/records`, { recursive: true });
  await using local = startWithVolume(volume, args, false);
  assert.equal((await local.status()).code, 0, local.stderr);
  assert.deepEqual(problems(local.stderr, "not-on-volume"), []);
});
