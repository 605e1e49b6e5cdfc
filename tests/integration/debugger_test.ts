// Deno 2.9.2+ opens a debugger on 127.0.0.1:9229 when it gets SIGUSR1;
// guillotine forwards the signal and closes that debugger at once, so no
// container of the pod can attach to PID 1.
import { pollUntil, start } from "../harness/mod.ts";

/** Whether a TCP socket listens on `port` in the network namespace of `pid`. */
function listening(pid: number, port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  return Deno.readTextFileSync(`/proc/${pid}/net/tcp`).split("\n").some(
    (line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1]?.endsWith(`:${hex}`) && fields[3] === "0A";
    },
  );
}

/** Seconds since `pid` started. */
function ageOf(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const started = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  const uptime = Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0]);
  return uptime - started / 100;
}

Deno.test("SIGUSR1 reaches the child, and the debugger Deno opens on it is closed at once", async () => {
  // A network namespace of its own: other tests' guillotines get SIGUSR1 too.
  // The child is not Deno, which would open a debugger of its own.
  await using g = start([
    "sh",
    "-c",
    'trap "echo SIGUSR1" USR1; echo ready; while :; do sleep 0.05; done',
  ], { ownNetwork: true });
  await g.waitForStdout(/ready/);
  const pid = await g.pid();
  // Deno arms its SIGUSR1 debugger 500 ms after start.
  await pollUntil(() => ageOf(pid) > 1, "guillotine to be up for 1 s");
  await g.kill("SIGUSR1");
  await g.waitForStdout(/^SIGUSR1$/m);
  // guillotine logs this once it has seen the debugger up, so it was opened.
  // Deno's own "Debugger listening" banner is not waited for: on a busy
  // machine the close can come before Deno's server thread prints it.
  await g.waitForStderr(
    /closed the debugger that Deno opens on SIGUSR1 address=127\.0\.0\.1:9229/,
  );
  await pollUntil(
    () => !listening(pid, 9229),
    "the debugger on 127.0.0.1:9229 to be closed",
    3_000,
  );
});
