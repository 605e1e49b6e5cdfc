// The watched paths: the options resolve them once (one file written several
// ways is one file); a directory, or a path that can only be one, is refused
// with one line and the way out.
import assert from "node:assert/strict";
import { EXIT_USAGE, GuillotineError } from "../../lib/runtime/errors.ts";
import { parseOptions } from "../../lib/options/parse.ts";
import {
  nearestDirectory,
  refuseDirectories,
} from "../../lib/triggers/watch_paths.ts";
import { distrustOf } from "../../lib/triggers/watcher.ts";
import { IN_CREATE, IN_IGNORED, IN_Q_OVERFLOW } from "../../lib/sys/inotify.ts";

/** The watched paths as the options give them to the watch. */
function watched(paths: string[], cwd: string): readonly string[] {
  const args = paths.flatMap((p) => ["--watch", p]);
  const request = parseOptions([...args, "--", "true"], {}, undefined, cwd);
  assert(request.kind === "run");
  return request.config.watch;
}

/** What the options, then the look before the child, make of `paths`. */
function refusal(paths: string[], cwd: string, pattern: RegExp): void {
  assert.throws(() => refuseDirectories(watched(paths, cwd)), (error) => {
    assert.ok(error instanceof GuillotineError, String(error));
    assert.equal(error.exitCode, EXIT_USAGE);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

Deno.test("one file written several ways is watched once, as an absolute path", () => {
  const cwd = "/nonexistent-guillotine-test";
  assert.deepEqual(
    watched(
      ["done", "./done", `${cwd}/done`, `${cwd}//done`, `${cwd}/./done`],
      cwd,
    ),
    [`${cwd}/done`],
  );
  assert.deepEqual(
    watched(["/x/a/done", "/x/b/done", "/x/a/../b/done"], "/"),
    ["/x/a/done", "/x/b/done"],
  );
  assert.deepEqual(watched(["two", "one", "./two"], "/s"), [
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
    for (const path of ["share", `${dir}/share`, "link"]) {
      refusal([path], dir, /is a directory/);
      refusal([path], dir, way);
    }
    refusal(["share"], dir, new RegExp(`such as ${dir}/share/done$`));
    // Only the directory is refused, whatever comes with it.
    refusal([`${dir}/done`, "share"], dir, /"[^"]*\/share" is a directory/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a path that can only be a directory is refused by the options", () => {
  const cwd = "/nonexistent-guillotine-test";
  for (
    const path of ["/share/done/", "done//", "new/.", "new/..", ".", "..", "/"]
  ) {
    refusal(
      [path],
      cwd,
      new RegExp(`"${path.replaceAll(".", "\\.")}" names a directory`),
    );
  }
  // Names that only look like dots are files.
  assert.deepEqual(watched(["a.", "..b", "..."], "/s"), [
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
    const paths = ["fifo", "socket", "loop", "dangling"].map((n) =>
      `${dir}/${n}`
    );
    refuseDirectories(paths);
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

Deno.test("the events that say others may be lost", () => {
  const event = (mask: number, dir: string | null) => ({
    wd: 1,
    mask,
    name: "",
    dir,
  });
  assert.equal(distrustOf(event(IN_CREATE, "/d")), null);
  assert.match(distrustOf(event(IN_Q_OVERFLOW, null))!, /lost/);
  // A watch that the file watch removed itself has no directory any more.
  assert.equal(distrustOf(event(IN_IGNORED, null)), null);
  assert.match(distrustOf(event(IN_IGNORED, "/d"))!, /went away/);
});
