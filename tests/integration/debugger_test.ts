// Deno 2.9.2+ opens an unauthenticated debugger on 127.0.0.1:9229 when it
// gets SIGUSR1. guillotine holds that address from its first moment, so an
// attacker in the pod's network namespace never reaches a debugger, in any
// phase of guillotine's life; SIGUSR1 still reaches the child's group.
// Each test has a network namespace of its own (other tests' guillotines
// hold 9229 in the machine's), with its loopback up, as a pod has.
import assert from "node:assert/strict";
import {
  exec,
  FIXTURES,
  type Guillotine,
  NetworkNamespace,
  pollUntil,
  spawn,
  start,
  tempDir,
} from "../harness/mod.ts";

const ATTACKER = `${FIXTURES}inspector_attacker.py`;

interface Attack {
  rounds: number;
  tries: number;
  connected: number;
  answered: number;
  upgraded: number;
  evaluated: number;
}

/**
 * Runs the attacker inside `netns`: `rounds` of SIGUSR1 to `pid` (the host's
 * view of guillotine), each followed by 200 ms of connecting to 9229 and
 * trying the inspector's handshake.
 */
async function attack(
  netns: NetworkNamespace,
  rounds: number,
  pid: number | null,
  flood: string[] = [],
): Promise<Attack> {
  const argv = netns.argv([
    "python3",
    ATTACKER,
    String(rounds),
    "200",
    ...(pid === null ? [] : [String(pid)]),
    ...flood,
  ]);
  const out = await exec(argv[0], argv.slice(1));
  assert.equal(out.code, 0, `the attacker failed: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

/** Nothing behind 9229 ever spoke: no HTTP answer, no websocket, no code. */
function assertNoDebugger(result: Attack, what: string): void {
  assert.ok(result.tries > 0, `${what}: the attacker tried nothing`);
  assert.deepEqual(
    {
      answered: result.answered,
      upgraded: result.upgraded,
      evaluated: result.evaluated,
    },
    { answered: 0, upgraded: 0, evaluated: 0 },
    `${what}: a debugger answered on 127.0.0.1:9229 (${
      JSON.stringify(result)
    })`,
  );
}

/** Whether guillotine's held socket still has connections nobody accepted. */
function heldBacklog(pid: number): number {
  for (
    const line of Deno.readTextFileSync(`/proc/${pid}/net/tcp`).split("\n")
  ) {
    const f = line.trim().split(/\s+/);
    // local 0100007F:240D (127.0.0.1:9229), state 0A (LISTEN), rx = backlog
    if (f[1] === "0100007F:240D" && f[3] === "0A") {
      return parseInt(f[4].split(":")[1], 16);
    }
  }
  throw new Error("nothing listens on 127.0.0.1:9229 in the namespace");
}

/** The open files of `pid` whose link starts with `prefix` (sockets first). */
function sockets(pid: number, prefix = "socket:"): string[] {
  return [...Deno.readDirSync(`/proc/${pid}/fd`)].flatMap((e) => {
    try {
      const target = Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`);
      return target.startsWith(prefix) ? [target] : [];
    } catch {
      return [];
    }
  });
}

const TRAP_USR1 =
  'trap "echo SIGUSR1" USR1; echo ready; while :; do sleep 0.05; done';

async function usr1Count(g: Guillotine, count: number): Promise<void> {
  await pollUntil(
    () => (g.stdout.match(/^SIGUSR1$/gm) ?? []).length >= count,
    () =>
      `the child to receive ${count} SIGUSR1, got ${
        (g.stdout.match(/^SIGUSR1$/gm) ?? []).length
      }`,
    10_000,
  );
}

Deno.test("debugger: 50 SIGUSR1 while the child runs open no debugger, and each reaches the child", async () => {
  using netns = new NetworkNamespace();
  await using g = start(["sh", "-c", TRAP_USR1], { netns });
  await g.waitForStdout(/ready/);
  const pid = await g.pid();
  const child = await g.childPid();
  const result = await attack(netns, 50, pid);
  assertNoDebugger(result, "while the child runs");
  await usr1Count(g, 50);
  // The connections the kernel took were never accepted: no work for PID 1.
  if (result.connected > 0) assert.ok(heldBacklog(pid) > 0);
  // The held socket is guillotine's alone: the child did not inherit it.
  const held = new Set(sockets(pid));
  assert.ok(held.size > 0);
  assert.deepEqual(sockets(child).filter((s) => held.has(s)), []);
});

Deno.test("debugger: none while the main side waits for its lease", async () => {
  using netns = new NetworkNamespace();
  await using dir = await tempDir();
  const done = `${dir.path}/done`;
  // A neighbour holds the lease: the main side retries for about a second
  // before it starts its child.
  await using neighbour = spawn(
    [
      "flock",
      "--exclusive",
      `${done}.lock`,
      "sh",
      "-c",
      "echo locked; exec sleep 60",
    ],
    { pid1: false, what: "flock" },
  );
  await neighbour.waitForStdout(/locked/);
  await using g = start(["--notify", done, "--", "sh", "-c", TRAP_USR1], {
    netns,
  });
  const pid = await g.pid();
  // Once in the lease wait (it holds the lock file open while it retries):
  // a signal while Deno still loads the modules can crash the runtime itself
  // (a Deno bug; see signals_test.ts).
  await pollUntil(
    () => sockets(pid, `${done}.lock`).length > 0,
    "guillotine to wait for its lease",
    10_000,
    1,
  );
  const result = await attack(netns, 8, pid);
  assertNoDebugger(result, "during the lease wait");
  await g.waitForStdout(/ready/);
});

Deno.test("debugger: none after a usage error while quit requests hang", async () => {
  using netns = new NetworkNamespace();
  // A quit URL whose server takes connections and never answers: guillotine
  // spends about 3.3 s on it after its usage error.
  const hang = netns.argv([
    "python3",
    "-c",
    "import socket,time;s=socket.socket();s.bind(('127.0.0.1',8099));s.listen(64);print('ready',flush=True);time.sleep(60)",
  ]);
  await using server = spawn(hang, { pid1: false, what: "hanging server" });
  await server.waitForStdout(/ready/);
  await using g = start([
    "--no-such-option",
    "--quit-url",
    "http://127.0.0.1:8099/quitquitquit",
    "--",
    "true",
  ], { netns });
  const pid = await g.pid();
  const result = await attack(netns, 12, pid);
  // The quit step lasts about 3 s: rounds after the Deno debugger's arming.
  assert.ok(result.rounds >= 5, `only ${result.rounds} rounds before the end`);
  assertNoDebugger(result, "after a usage error");
  assert.equal((await g.status()).code, 125);
});

Deno.test("debugger: none while 8 clients flood --listen, and SIGUSR1 still reaches the child", async () => {
  using netns = new NetworkNamespace();
  await using g = start(
    ["--listen", "127.0.0.1:8098", "--", "sh", "-c", TRAP_USR1],
    { netns },
  );
  await g.waitForStdout(/ready/);
  const pid = await g.pid();
  const result = await attack(netns, 15, pid, ["--flood", "8098", "8"]);
  assertNoDebugger(result, "under a flood at --listen");
  await usr1Count(g, 15);
});

Deno.test("debugger: when another process has the address, guillotine takes it once that one leaves", async () => {
  using netns = new NetworkNamespace();
  // Another user's listener, without SO_REUSEPORT: guillotine cannot share it.
  const squat = netns.argv([
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    "socat",
    "TCP-LISTEN:9229,bind=127.0.0.1",
    "STDOUT",
  ]);
  const squatter = spawn(squat, { pid1: false, what: "squatter" });
  await pollUntil(() => {
    try {
      return heldBacklog(squatter.process.pid) >= 0;
    } catch {
      return false;
    }
  }, "the squatter to listen on 127.0.0.1:9229");
  await using g = start(
    [
      "--log-level",
      "debug",
      "--log-format",
      "json",
      "--",
      "sh",
      "-c",
      TRAP_USR1,
    ],
    { netns },
  );
  await g.waitForStdout(/ready/);
  const pid = await g.pid();
  await g.waitForEvent((e) =>
    e.level === "debug" && e.address === "127.0.0.1:9229" &&
    typeof e.reason === "string" && e.reason.includes("EADDRINUSE")
  );
  await squatter.close();
  // Held again within its 2 s retry.
  await pollUntil(
    () => {
      try {
        return heldBacklog(pid) >= 0;
      } catch {
        return false;
      }
    },
    "guillotine to hold 127.0.0.1:9229 once the squatter left",
    5_000,
  );
  assertNoDebugger(await attack(netns, 10, pid), "after the squatter left");
  await usr1Count(g, 10);
});
