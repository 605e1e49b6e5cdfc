/**
 * Deno 2.9.2+ opens an unauthenticated debugger on 127.0.0.1:9229 on SIGUSR1
 * (denoland/deno#35738): closing it once open loses the race (16 of 20 tries),
 * so PID 1 holds the port for life, never accepting; SO_REUSEPORT (Deno.listen
 * wants --unstable-net for it) as both sides of a pod hold it.
 */

import { EADDRINUSE, EADDRNOTAVAIL, errnoName } from "./errno.ts";
import { errno, holdCalls, libc } from "./libc.ts";

const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEPORT = 15;
const BACKLOG = 1; // connections wait there unread

/** `taken`: another listens there, or no loopback: no debugger there either. */
export type DebuggerPortHold =
  | { held: true }
  | { held: false; taken: boolean; reason: string };

/** Listens where Deno would open its debugger, never accepts. Never throws. */
export function holdDebuggerPort(): DebuggerPortHold {
  try {
    const calls = holdCalls();
    const fd = calls.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return failed("socket");
    const one = new Uint8Array([1, 0, 0, 0]); // int 1, little-endian
    // struct sockaddr_in: family (host order), port and address (network).
    const address = new Uint8Array(16);
    address.set([AF_INET, 0, 9229 >> 8, 9229 & 0xff, 127, 0, 0, 1]);
    if (calls.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, one, 4) !== 0) {
      return failed("setsockopt", fd);
    }
    if (calls.bind(fd, address, 16) !== 0) return failed("bind", fd);
    if (calls.listen(fd, BACKLOG) !== 0) return failed("listen", fd);
    return { held: true };
  } catch (error) {
    const reason = (error as Error)?.message ?? String(error);
    return { held: false, taken: false, reason };
  }
}

function failed(call: string, fd = -1): DebuggerPortHold {
  const code = errno();
  if (fd >= 0) libc().close(fd);
  const taken = code === EADDRINUSE || code === EADDRNOTAVAIL;
  return { held: false, taken, reason: `${call}: ${errnoName(code)}` };
}
