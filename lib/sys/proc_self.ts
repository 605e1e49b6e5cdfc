/**
 * What exec gave guillotine, byte for byte: Deno decodes `Deno.args` and
 * `Deno.env` as UTF-8 (U+FFFD; an invalid variable vanishes) and changes its
 * environment. Through libc: Deno wants --allow-all for /proc/self.
 */

import { cString, libc, O_CLOEXEC, O_RDONLY, readAll } from "./libc.ts";

/** The whole of /proc/self/NAME, or null when it cannot be read (no /proc). */
export function readProcSelf(name: string): Uint8Array<ArrayBuffer> | null {
  const fd = libc().open(cString(`/proc/self/${name}`), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return null;
  const bytes = readAll(fd);
  libc().close(fd);
  return typeof bytes === "number" ? null : bytes;
}

function splitNul(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer>[] {
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

/** The last `count` arguments exec gave (`deno run`'s own come first). */
export function rawArguments(count: number): Uint8Array<ArrayBuffer>[] | null {
  const bytes = readProcSelf("cmdline");
  const all = bytes && splitNul(bytes);
  return all && all.length >= count ? all.slice(all.length - count) : null;
}

let environment: Uint8Array<ArrayBuffer>[] | null | undefined;

/** The environment exec gave, as `NAME=value` byte strings; read once. */
export function rawEnvironment(): Uint8Array<ArrayBuffer>[] | null {
  if (environment !== undefined) return environment;
  const bytes = readProcSelf("environ");
  return environment = bytes && splitNul(bytes).filter((e) => e.length > 0);
}

/** The signals blocked in the main thread (exec passes them on): bit n-1. */
export function blockedSignals(): bigint | null {
  const text = new TextDecoder().decode(readProcSelf("status") ?? undefined);
  const hex = /^SigBlk:\s*([0-9a-f]+)$/m.exec(text)?.[1];
  return hex ? BigInt(`0x${hex}`) : null;
}
