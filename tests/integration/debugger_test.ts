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
  // Deno arms its SIGUSR1 debugger 500 ms after its runtime is up, which on a
  // busy machine is well after the process started, and a SIGUSR1 before that
  // opens nothing. So the signal is sent again, once a second, until
  // guillotine logs the close (it logs it only once it has seen the debugger
  // up). Each one reaches the child.
  const closed =
    /closed the debugger that Deno opens on SIGUSR1 address=127\.0\.0\.1:9229/;
  let sent = 0;
  await pollUntil(
    async () => {
      if (closed.test(g.stderr)) return true;
      await g.kill("SIGUSR1");
      sent++;
      await g.waitForStdout(new RegExp(`^(SIGUSR1\n){${sent}}`, "m"));
      return closed.test(g.stderr);
    },
    () => `guillotine to close the debugger after ${sent} SIGUSR1`,
    20_000,
    1_000,
  );
  // Deno's own "Debugger listening" banner is not waited for: on a busy
  // machine the close can come before Deno's server thread prints it.
  await pollUntil(
    () => !listening(pid, 9229),
    "the debugger on 127.0.0.1:9229 to be closed",
    3_000,
  );
});
