/**
 * Temporary files for tests.
 *
 * @module
 */

/**
 * A fresh temporary directory, removed with everything in it on disposal:
 * `await using dir = await tempDir();`.
 */
export async function tempDir(): Promise<
  { path: string; [Symbol.asyncDispose](): Promise<void> }
> {
  const path = await Deno.makeTempDir({ prefix: "guillotine-test-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}
