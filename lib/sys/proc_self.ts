/**
 * What exec gave guillotine, byte for byte: the arguments and the environment
 * as /proc/self shows them. Deno decodes `Deno.args` and `Deno.env` as UTF-8
 * (an invalid byte becomes U+FFFD, an invalid variable vanishes) and changes
 * its own environment at start-up, so the child's command and environment come
 * from here. Read through libc because Deno wants --allow-all for /proc/self.
 *
 * @module
 */

import { cString, libc, O_CLOEXEC, O_RDONLY } from "./libc.ts";

/** The whole of /proc/self/NAME, or null when it cannot be read (no /proc). */
export function readProcSelf(name: string): Uint8Array<ArrayBuffer> | null {
  const c = libc();
  const fd = c.open(cString(`/proc/self/${name}`), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return null;
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const chunk = new Uint8Array(65536);
      const n = Number(c.read(fd, chunk, BigInt(chunk.length)));
      if (n < 0) return null;
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
    }
  } finally {
    c.close(fd);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/**
 * Splits NUL-terminated strings (the format of cmdline and environ).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitNul } from "./proc_self.ts";
 * const parts = splitNul(new Uint8Array([97, 0, 0, 98, 0]));
 * assert.deepEqual(parts.map((p) => [...p]), [[97], [], [98]]);
 * ```
 */
export function splitNul(
  bytes: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer>[] {
  // indexOf, not a loop over every byte: at start-up the loop runs cold, in
  // the interpreter (2 ms for a 1.5 kB environment here, measured).
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let start = 0;
  for (let end; (end = bytes.indexOf(0, start)) >= 0; start = end + 1) {
    parts.push(bytes.subarray(start, end));
  }
  if (start < bytes.length) parts.push(bytes.subarray(start));
  return parts;
}

/**
 * The last `count` arguments exec gave this process: the ones `Deno.args`
 * holds, before decoding (under `deno run`, what comes before them is Deno's
 * own command line).
 *
 * @returns null when /proc/self/cmdline cannot be read or is shorter.
 */
export function rawArguments(count: number): Uint8Array<ArrayBuffer>[] | null {
  const bytes = readProcSelf("cmdline");
  if (bytes === null) return null;
  const all = splitNul(bytes);
  return all.length >= count ? all.slice(all.length - count) : null;
}

/**
 * The environment exec gave this process, as `NAME=value` byte strings.
 *
 * @returns null when /proc/self/environ cannot be read.
 */
export function rawEnvironment(): Uint8Array<ArrayBuffer>[] | null {
  // Read once: exec's environment does not change.
  if (environment === undefined) {
    const bytes = readProcSelf("environ");
    environment = bytes === null
      ? null
      : splitNul(bytes).filter((e) => e.length > 0);
  }
  return environment;
}

let environment: Uint8Array<ArrayBuffer>[] | null | undefined;

/**
 * The signals blocked in guillotine's main thread (the thread that runs
 * JavaScript), bit n-1 for signal n, as /proc/self/status shows them. A
 * blocked mask is inherited through exec.
 *
 * @returns null when /proc/self/status cannot be read.
 */
export function blockedSignals(): bigint | null {
  const bytes = readProcSelf("status");
  const hex = bytes && /^SigBlk:\s*([0-9a-f]+)$/m.exec(
    new TextDecoder().decode(bytes),
  )?.[1];
  return hex ? BigInt(`0x${hex}`) : null;
}
