/**
 * Files as the kernel sees them, without Deno's exceptions on the hot path.
 *
 * @module
 */

import { libc } from "./libc.ts";

/**
 * Whether a path exists, following symlinks, as access(2) with F_OK sees it.
 * Unlike Deno.statSync it throws nothing for a missing file, so a poll that
 * finds nothing makes no garbage.
 *
 * @param path A C string from {@linkcode cString}.
 */
export function pathExists(path: Uint8Array<ArrayBuffer>): boolean {
  return libc().access(path, 0) === 0;
}
