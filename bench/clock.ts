/**
 * The harness's side of the clock, and a signal sent with nothing between the
 * time stamp and the system call: CLOCK_MONOTONIC through libc, the clock that
 * `kid` prints, so the harness's and the child's times subtract exactly.
 *
 * @module
 */

const CLOCK_MONOTONIC = 1;

const libc = Deno.dlopen("libc.so.6", {
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
}).symbols;

const timespec = new BigInt64Array(2);
const timespecBytes = new Uint8Array(timespec.buffer);

/** CLOCK_MONOTONIC now, in nanoseconds. */
export function monotonicNs(): bigint {
  libc.clock_gettime(CLOCK_MONOTONIC, timespecBytes);
  return timespec[0] * 1_000_000_000n + timespec[1];
}

/** Milliseconds from `from` to `to`, both in nanoseconds. */
export function elapsedMs(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}

/**
 * Whether any process, zombies included, is left in process group `pgid`:
 * kill(2) with signal 0 finds a zombie until it is reaped.
 */
export function groupExists(pgid: number): boolean {
  return libc.kill(-pgid, 0) === 0;
}

/**
 * Stamps the time, then sends `signal` to `pid` (a negative pid names a
 * process group), as kill(2).
 *
 * @returns The time stamp, in nanoseconds.
 * @throws {Error} When kill(2) fails.
 */
export function stampAndKill(pid: number, signal: number): bigint {
  const sent = monotonicNs();
  if (libc.kill(pid, signal) !== 0) {
    throw new Error(`Cannot send signal ${signal} to ${pid}`);
  }
  return sent;
}
