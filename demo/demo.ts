// The article's scenario, acted out on this machine: a Job pod whose main
// container inserts a row through a database proxy sidecar that serves a Unix
// socket on a shared emptyDir. Both containers run under guillotine:
//
//   main:    guillotine --wait-for unix:SHARE/db.sock --notify SHARE/done -- job
//   sidecar: guillotine --watch SHARE/done -- proxy
//
// The main waits for the proxy's socket, inserts, and writes the completion
// record; the sidecar sees it, stops the proxy with SIGTERM and exits, so the
// "pod" completes. As root with unshare, each guillotine is PID 1 of its own
// PID namespace, as in a pod; otherwise they run as plain processes.
//
// Usage: deno task demo [--fail]   (--fail: the main's work exits 3)

import {
  canUsePidNamespaces,
  DENO,
  ROOT,
  start,
} from "../tests/harness/mod.ts";

const fail = Deno.args.includes("--fail");
const pid1 = canUsePidNamespaces();
const share = await Deno.makeTempDir({ prefix: "guillotine-demo-share-" });
const encoder = new TextEncoder();

/** Runs a command quietly; whether it succeeded. */
function quietly(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

// As in a pod, the shared directory is a volume of its own (an emptyDir is
// a mount): both containers see it, and guillotine as PID 1 finds a mount
// point there rather than warning that it lies on the container's own file
// system. As plain processes (no root) no mount is needed, nor warned about.
const mounted = pid1 &&
  quietly("mount", ["-t", "tmpfs", "-o", "size=16m", "emptydir", share]);

function say(text: string) {
  Deno.stdout.writeSync(encoder.encode(`${text}\n`));
}

/** Runs one "container": guillotine over a command, its lines prefixed. */
async function container(name: string, args: string[]) {
  await using guillotine = start(args, {
    pid1,
    what: name,
    onLine: (line) => say(`[${name.padEnd(7)}] ${line}`),
  });
  return await guillotine.status(60_000);
}

say(`shared volume (the emptyDir): ${share}`);
say(
  pid1
    ? "each container's guillotine is PID 1 of its own PID namespace\n"
    : "unshare is not available (run as root for PID namespaces); running as plain processes\n",
);

const deno = [
  DENO,
  "run",
  "--allow-read",
  "--allow-write",
  "--allow-net",
];
const sidecar = container("sidecar", [
  "--watch",
  `${share}/done`,
  "--exit-code-from-file",
  "--grace-period",
  "10s",
  "--",
  ...deno,
  `${ROOT}demo/proxy.ts`,
  `${share}/db.sock`,
  `${share}/table`,
]);
const main = container("main", [
  "--wait-timeout",
  "20s",
  "--wait-for",
  `unix:${share}/db.sock`,
  "--notify",
  `${share}/done`,
  "--",
  ...deno,
  `${ROOT}demo/job.ts`,
  `${share}/db.sock`,
  "row inserted by the job",
  fail ? "3" : "0",
]);

const [mainStatus, sidecarStatus] = await Promise.all([main, sidecar]);
const table = await Deno.readTextFile(`${share}/table`).catch(() => "");
const record = await Deno.readTextFile(`${share}/done`).catch(() => "(none)");
say("");
say(
  `main container exited ${mainStatus.code}; sidecar exited ${sidecarStatus.code}`,
);
say(`completion record: ${record.trim()}`);
say(`rows in the table: ${table.split("\n").filter(Boolean).length}`);
say(
  mainStatus.code === (fail ? 3 : 0) && sidecarStatus.code === mainStatus.code
    ? "the pod completed: both containers ended, the sidecar with the main's code"
    : "unexpected: see the lines above",
);
if (mounted) quietly("umount", [share]);
await Deno.remove(share, { recursive: true });
Deno.exit(
  sidecarStatus.code === mainStatus.code && mainStatus.code === (fail ? 3 : 0)
    ? 0
    : 1,
);
