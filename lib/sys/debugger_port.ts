/**
 * Deno 2.9.2 and later start the V8 inspector, a debugger with no
 * authentication, on 127.0.0.1:9229 when the process gets SIGUSR1
 * (denoland/deno#35738), and have no option to turn that off (none among
 * `deno run`'s or `deno compile`'s flags in 2.9.6, none in the change
 * itself). Every container of a pod shares one network namespace, so
 * whoever reaches 127.0.0.1:9229 while that debugger listens can run code in
 * PID 1 with every permission guillotine holds. Closing it after it opens
 * loses the race (measured: code ran in 16 of 20 tries, in 0.3 to 1 ms).
 *
 * So guillotine listens on that address itself, first thing, for its whole
 * life, and never accepts: the runtime's attempt to start its server then
 * fails (it logs "Failed to start inspector server" and carries on), and a
 * connection to the held socket waits in the kernel's backlog, where nothing
 * reads it and it costs guillotine no work.
 *
 * Through libc rather than `Deno.listen`, for SO_REUSEPORT, which
 * `Deno.listen` offers only behind `--unstable-net`: guillotine often runs
 * on both sides of a pod (one network namespace), and each must hold the
 * address for its own whole life, also after the other has exited. With
 * SO_REUSEPORT on both, processes of the same user share the hold; the
 * runtime's own bind, without it, fails while any of them is there. The
 * socket is close-on-exec: the child does not inherit it.
 *
 * @module
 */

import { EADDRINUSE, EADDRNOTAVAIL, errnoName } from "./errno.ts";
import { errno, holdCalls, libc } from "./libc.ts";

/** Where Deno opens its debugger on SIGUSR1. */
export const DEBUGGER_ADDRESS = "127.0.0.1:9229";

const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEPORT = 15;
/** Connections wait here unread; the kernel keeps this many at most. */
const BACKLOG = 1;

/** What became of the hold, for the log once there is one. */
export type DebuggerPortHold =
  /** guillotine holds the address. */
  | { held: true }
  /**
   * It could not. `taken`: another process listens there (the debugger
   * cannot open there either, while it does), or the address does not exist
   * in this network namespace (no loopback: nor can the debugger's).
   */
  | { held: false; taken: boolean; reason: string };

/**
 * Listens on the address where Deno would open its debugger, and never
 * accepts. Never throws.
 *
 * @returns Whether the address is held, and why not.
 */
export function holdDebuggerPort(): DebuggerPortHold {
  try {
    const calls = holdCalls();
    const fd = calls.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return failed(errno(), "socket");
    const one = new Uint8Array(new Int32Array([1]).buffer);
    // struct sockaddr_in: family (host order), port and address (network).
    const address = new Uint8Array(16);
    const view = new DataView(address.buffer);
    view.setUint16(0, AF_INET, true);
    view.setUint16(2, 9229, false);
    address.set([127, 0, 0, 1], 4);
    const steps: [string, () => number][] = [
      [
        "setsockopt",
        () => calls.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, one, 4),
      ],
      ["bind", () => calls.bind(fd, address, address.length)],
      ["listen", () => calls.listen(fd, BACKLOG)],
    ];
    for (const [name, step] of steps) {
      if (step() !== 0) {
        const code = errno();
        libc().close(fd);
        return failed(code, name);
      }
    }
    return { held: true };
  } catch (error) {
    return {
      held: false,
      taken: false,
      reason: (error as Error)?.message ?? String(error),
    };
  }
}

function failed(code: number, call: string): DebuggerPortHold {
  return {
    held: false,
    taken: code === EADDRINUSE || code === EADDRNOTAVAIL,
    reason: `${call}: ${errnoName(code)}`,
  };
}
