// Small rules of lib/sys: C strings and errno names.
import assert from "node:assert/strict";
import { EACCES, ELOOP, errnoName } from "../../lib/sys/errno.ts";
import { cString } from "../../lib/sys/libc.ts";
import { SIGNAL_NUMBERS } from "../../lib/sys/signals.ts";

Deno.test("cString ends UTF-8 with a NUL", () => {
  assert.deepEqual([...cString("ab")], [97, 98, 0]);
  assert.deepEqual([...cString("é")], [0xc3, 0xa9, 0]);
});

Deno.test("errnoName names Linux's numbers, and says the number of others", () => {
  assert.equal(errnoName(13), "EACCES");
  assert.equal(errnoName(1), "EPERM");
  assert.equal(errnoName(40), "ELOOP");
  assert.equal(errnoName(98), "EADDRINUSE");
  assert.equal(errnoName(99), "EADDRNOTAVAIL");
  assert.equal(errnoName(999), "errno 999");
  assert.deepEqual([EACCES, ELOOP], [13, 40]);
});

Deno.test("the signal table numbers Linux's 31 signals", () => {
  assert.equal(Object.keys(SIGNAL_NUMBERS).length, 31);
  assert.equal(SIGNAL_NUMBERS.SIGHUP, 1);
  assert.equal(SIGNAL_NUMBERS.SIGTERM, 15);
  assert.equal(SIGNAL_NUMBERS.SIGSTKFLT, 16);
  assert.equal(SIGNAL_NUMBERS.SIGSYS, 31);
});
