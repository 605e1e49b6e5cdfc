// The watched paths: one file written several ways is one file; a directory,
// or a path that can only be one, is refused with one line and the way out.
import assert from "node:assert/strict";
import { EXIT_USAGE, GuillotineError } from "../../lib/runtime/errors.ts";
import {
  nearestDirectory,
  watchedPaths,
} from "../../lib/triggers/watch_paths.ts";

function refusal(paths: string[], cwd: string, pattern: RegExp): void {
  assert.throws(() => watchedPaths(paths, cwd), (error) => {
    assert.ok(error instanceof GuillotineError, String(error));
    assert.equal(error.exitCode, EXIT_USAGE);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

Deno.test("one file written several ways is watched once", () => {
  const cwd = "/nonexistent-guillotine-test";
  assert.deepEqual(
    watchedPaths(
      ["done", "./done", `${cwd}/done`, `${cwd}//done`, `${cwd}/./done`],
      cwd,
    ),
    [`${cwd}/done`],
  );
  assert.deepEqual(
    watchedPaths(["/x/a/done", "/x/b/done", "/x/a/../b/done"], "/"),
    ["/x/a/done", "/x/b/done"],
  );
  assert.deepEqual(watchedPaths(["two", "one", "./two"], "/s"), [
    "/s/two",
    "/s/one",
  ]);
});

Deno.test("a directory is refused with the option and an example", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/share`);
    Deno.symlinkSync("share", `${dir}/link`);
    const way =
      /--watch \(or GUILLOTINE_WATCHED_FILE\) the path of the file that the main container creates/;
    for (const path of ["share", "share/", `${dir}/share`, "link", "."]) {
      refusal([path], dir, /is a directory/);
      refusal([path], dir, way);
    }
    refusal(["share/"], dir, new RegExp(`such as ${dir}/share/done$`));
    refusal(
      ["."],
      dir,
      new RegExp(`"\\." is a directory: .* such as ${dir}/done$`),
    );
    refusal(["/"], dir, /such as \/done$/);
    // Only the directory is refused, whatever comes with it.
    refusal([`${dir}/done`, "share"], dir, /"share" is a directory/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a path that can only be a directory is refused", () => {
  const cwd = "/nonexistent-guillotine-test";
  refusal(
    ["/share/done/"],
    cwd,
    /"\/share\/done\/" ends with "\/".* such as \/share\/done$/,
  );
  refusal(["done//"], cwd, /ends with "\/"/);
  refusal(["new/."], cwd, /ends with "\."/);
  refusal(["new/.."], cwd, /ends with "\.\."/);
  // Names that only look like dots are files.
  assert.deepEqual(watchedPaths(["a.", "..b", "..."], "/s"), [
    "/s/a.",
    "/s/..b",
    "/s/...",
  ]);
});

Deno.test("special files are files: a FIFO, a socket, a dangling or looping symlink", () => {
  const dir = Deno.makeTempDirSync();
  try {
    new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).outputSync();
    Deno.listen({ transport: "unix", path: `${dir}/socket` }).close();
    Deno.symlinkSync("loop", `${dir}/loop`);
    Deno.symlinkSync("nowhere", `${dir}/dangling`);
    const names = ["fifo", "socket", "loop", "dangling"];
    assert.deepEqual(
      watchedPaths(names, dir),
      names.map((n) => `${dir}/${n}`),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the nearest directory, and why a path cannot appear", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const here = nearestDirectory(`${dir}/a/b/done`);
    assert.equal(here.dir, dir);
    assert.equal(here.problem, null);
    const { dev, ino } = Deno.statSync(dir);
    assert.equal(here.id, `${dev}:${ino}`);
    Deno.writeTextFileSync(`${dir}/a`, "");
    const blocked = nearestDirectory(`${dir}/a/b/done`);
    // The directory that holds the file in the way: its replacement shows there.
    assert.equal(blocked.dir, dir);
    assert.match(blocked.problem ?? "", /"[^"]*\/a" is not a directory/);
    assert.equal(nearestDirectory("/done").dir, "/");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
