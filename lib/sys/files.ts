/**
 * Files as the kernel sees them, without Deno's exceptions on the hot path.
 *
 * @module
 */

import { cString, libc } from "./libc.ts";

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

/** A path checked often (a poll): its C strings are made once. */
export interface PathProbe {
  /** Whether it exists, following symlinks. */
  exists(): boolean;
  /** Whether it is a directory now: the path with a `/` exists only then. */
  isDirectory(): boolean;
}

/**
 * A probe of `path`, through access(2), which opens nothing and, unlike
 * stat, throws nothing for the usual answer of a poll: nothing there.
 */
export function pathProbe(path: string): PathProbe {
  const file = cString(path);
  const dir = cString(`${path}/`);
  return {
    exists: () => pathExists(file),
    isDirectory: () => pathExists(dir),
  };
}

/** Whether `path` is a directory now, following symlinks. */
export function isDirectory(path: string): boolean {
  return pathExists(cString(`${path}/`));
}
