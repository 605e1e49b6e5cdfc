/**
 * Deno 2.9.2 and later open the V8 inspector, a debugger without
 * authentication, on 127.0.0.1:9229 on SIGUSR1 (denoland/deno#35738), with no
 * way to turn it off. A pod's containers share one network namespace, so
 * anyone there could run code in PID 1; closing it once open loses the race
 * (measured: code ran in 16 of 20 tries). So guillotine listens there itself,
 * first thing, for its whole life, and never accepts: the runtime's server
 * fails to start and carries on. Through libc for SO_REUSEPORT (Deno.listen
 * has it only behind --unstable-net): both sides of a pod hold the address,
 * each for its whole life. The socket is close-on-exec.
 */

import { EADDRINUSE, EADDRNOTAVAIL, errnoName } from "./errno.ts";
import { errno, holdCalls, libc } from "./libc.ts";

const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEPORT = 15;
/** Connections wait unread in the kernel's backlog, at most this many. */
const BACKLOG = 1;

/**
 * What became of the hold. `taken`: another process listens there, or there
 * is no loopback; the debugger cannot open there either.
 */
export type DebuggerPortHold =
  | { held: true }
  | { held: false; taken: boolean; reason: string };

/** Listens where Deno would open its debugger, never accepts. Never throws. */
export function holdDebuggerPort(): DebuggerPortHold {
  try {
    const calls = holdCalls();
    const fd = calls.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return failed("socket");
    const one = new Uint8Array(new Int32Array([1]).buffer);
    // struct sockaddr_in: family (host order), port and address (network).
    const address = new Uint8Array(16);
    address.set([AF_INET, 0, 9229 >> 8, 9229 & 0xff, 127, 0, 0, 1]);
    if (calls.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, one, 4) !== 0) {
      return failed("setsockopt", fd);
    }
    if (calls.bind(fd, address, address.length) !== 0) {
      return failed("bind", fd);
    }
    if (calls.listen(fd, BACKLOG) !== 0) return failed("listen", fd);
    return { held: true };
  } catch (error) {
    const reason = (error as Error)?.message ?? String(error);
    return { held: false, taken: false, reason };
  }
}

/** The failure of `call`, from errno; closes `fd` (after reading errno). */
function failed(call: string, fd = -1): DebuggerPortHold {
  const code = errno();
  if (fd >= 0) libc().close(fd);
  return {
    held: false,
    taken: code === EADDRINUSE || code === EADDRNOTAVAIL,
    reason: `${call}: ${errnoName(code)}`,
  };
}
