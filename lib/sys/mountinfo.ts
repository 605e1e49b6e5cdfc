/** The mount points of this mount namespace, from /proc/self/mountinfo. */

import { readProcSelf } from "./proc_self.ts";

/**
 * The mount points in a mountinfo text: the fifth field of each line, with
 * the kernel's octal escapes (`\040` for a space) undone.
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

/** The mount points, or null when /proc/self/mountinfo cannot be read. */
export function mountPoints(): string[] | null {
  const bytes = readProcSelf("mountinfo");
  return bytes && parseMountPoints(new TextDecoder().decode(bytes));
}
