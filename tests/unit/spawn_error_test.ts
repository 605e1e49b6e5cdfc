// The exit code and advice for a command that cannot start (tini's table:
// 127 not found, 126 not executable), swept over every errno exec can give.
import assert from "node:assert/strict";
import { spawnError } from "../../lib/pid1/child.ts";
import * as E from "../../lib/sys/errno.ts";

Deno.test("spawnError: 127 for a command or interpreter that is not there, whatever the reason", () => {
  for (const errno of [E.ENOENT, E.ENOTDIR, E.ELOOP, E.ENAMETOOLONG]) {
    const bare = spawnError("proxy", errno);
    assert.equal(bare.exitCode, 127, E.errnoName(errno));
    assert.equal(
      bare.message,
      'Command "proxy" not found in PATH: check its name, or give its full path',
    );
    const path = spawnError("/bin/proxy", errno);
    assert.equal(path.exitCode, 127, E.errnoName(errno));
    assert.equal(
      path.message,
      'Command "/bin/proxy" not found: check the path, and the interpreter on its #! line',
    );
  }
});

Deno.test("spawnError: 126 otherwise, naming the errno with advice that fits it", () => {
  const table: [number, RegExp][] = [
    [E.EACCES, /\(EACCES\): permission denied: make it executable/],
    [E.ENOEXEC, /\(ENOEXEC\): not a program this machine can run/],
    [E.ETXTBSY, /\(ETXTBSY\): the file is open for writing/],
    [E.E2BIG, /\(E2BIG\): the arguments and environment are too long/],
    [E.EAGAIN, /\(EAGAIN\): the process limit is reached/],
    [E.ENOMEM, /\(ENOMEM\): out of memory/],
    [E.EPERM, /\(EPERM\): not permitted: check the security policy/],
    // EIO: no advice of its own.
    [
      5,
      /\(EIO\): check the file, and the container's limits and security policy$/,
    ],
  ];
  for (const [errno, message] of table) {
    const error = spawnError("/proxy", errno);
    assert.equal(error.exitCode, 126, String(errno));
    assert.match(error.message, /^Command "\/proxy" cannot be executed /);
    assert.match(error.message, message);
  }
});

Deno.test("spawnError: a directory is named as such, whatever the errno", () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (const errno of [E.EACCES, E.EPERM]) {
      const error = spawnError(dir, errno);
      assert.equal(error.exitCode, 126);
      assert.match(
        error.message,
        /cannot be executed \(E[A-Z]+\): it is a directory: give the path of a program in it$/,
      );
    }
  } finally {
    Deno.removeSync(dir);
  }
});
