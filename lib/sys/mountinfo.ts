/** The mount points of this mount namespace, from /proc/self/mountinfo. */

import { readProcSelf } from "./proc_self.ts";

/** The mount points in a mountinfo text, the kernel's `\040`s undone. */
export function parseMountPoints(text: string): string[] {
  const octal = (_: string, digits: string) =>
    String.fromCharCode(parseInt(digits, 8));
  return text.split("\n").map((line) => line.split(" ")[4])
    .filter((field): field is string => Boolean(field))
    .map((field) => field.replace(/\\([0-7]{3})/g, octal));
}

/** The mount points, or null without /proc. */
export function mountPoints(): string[] | null {
  const bytes = readProcSelf("mountinfo");
  return bytes && parseMountPoints(new TextDecoder().decode(bytes));
}
