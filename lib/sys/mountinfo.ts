/**
 * The mount points of this process's mount namespace, from
 * /proc/self/mountinfo (proc(5)).
 *
 * @module
 */

import { readProcSelf } from "./proc_self.ts";

/**
 * The mount points in a mountinfo text: the fifth field of each line, with
 * the kernel's octal escapes (`\040` for a space) undone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMountPoints } from "./mountinfo.ts";
 * const text = "26 1 254:0 / / rw - ext4 /dev/vda rw\n" +
 *   "90 26 0:52 / /my\\040share rw - tmpfs tmpfs rw\n";
 * assert.deepEqual(parseMountPoints(text), ["/", "/my share"]);
 * ```
 */
export function parseMountPoints(text: string): string[] {
  return text.split("\n").map((line) => line.split(" ")[4])
    .filter((field): field is string => field !== undefined && field !== "")
    .map((field) =>
      field.replace(
        /\\([0-7]{3})/g,
        (_, octal) => String.fromCharCode(parseInt(octal, 8)),
      )
    );
}

/**
 * The mount points of this mount namespace.
 *
 * @returns Them, or null when /proc/self/mountinfo cannot be read.
 */
export function mountPoints(): string[] | null {
  // Through libc: Deno wants --allow-all for /proc/self (lib/sys/proc_self.ts).
  const bytes = readProcSelf("mountinfo");
  return bytes && parseMountPoints(new TextDecoder().decode(bytes));
}
