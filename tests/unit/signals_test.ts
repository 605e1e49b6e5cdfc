import { FORWARDED_SIGNALS } from "../../lib/runtime/signal_inbox.ts";
import {
  parseSignal,
  SIGNAL_NUMBERS,
  signalName,
} from "../../lib/options/values/signal.ts";
import assert from "node:assert/strict";

Deno.test("parseSignal reads names, short names and numbers", () => {
  const table: [string, string, number][] = [
    ["SIGTERM", "SIGTERM", 15],
    ["TERM", "SIGTERM", 15],
    ["int", "SIGINT", 2],
    ["9", "SIGKILL", 9],
    ["sigusr1", "SIGUSR1", 10],
    ["28", "SIGWINCH", 28],
    [" 15 ", "SIGTERM", 15],
  ];
  for (const [text, name, number] of table) {
    assert.deepEqual(parseSignal(text), { name, number }, text);
  }
});

Deno.test("parseSignal refuses unknown signals", () => {
  assert.throws(() => parseSignal("SIGNOPE"), {
    name: "RangeError",
    message:
      'Cannot parse signal "SIGNOPE": unknown name, use a name such as SIGTERM, SIGINT or SIGQUIT, or a number',
  });
  assert.throws(() => parseSignal("0"), {
    name: "RangeError",
    message: /no signal has number 0/,
  });
  assert.throws(() => parseSignal("99"), {
    name: "RangeError",
    message:
      'Cannot parse signal "99": no signal has number 99, use 1 to 31 or a name such as SIGTERM',
  });
  assert.throws(() => parseSignal(""), RangeError);
});

Deno.test("the forwarded set leaves out what must not be caught or forwarded", () => {
  for (
    const left of [
      "SIGKILL",
      "SIGSTOP",
      "SIGCHLD",
      "SIGSEGV",
      "SIGTTIN",
      "SIGTTOU",
    ]
  ) {
    assert.ok(!FORWARDED_SIGNALS.includes(left as Deno.Signal), left);
  }
  for (
    const kept of [
      "SIGTERM",
      "SIGINT",
      "SIGHUP",
      "SIGQUIT",
      "SIGUSR1",
      "SIGUSR2",
      "SIGWINCH",
    ]
  ) {
    assert.ok(FORWARDED_SIGNALS.includes(kept as Deno.Signal), kept);
  }
  for (const name of FORWARDED_SIGNALS) {
    assert.ok(SIGNAL_NUMBERS[name] > 0, name);
  }
});

Deno.test("signalName names numbers", () => {
  assert.deepEqual(signalName(15), "SIGTERM");
  assert.deepEqual(signalName(9), "SIGKILL");
  assert.deepEqual(signalName(40), "signal 40");
});
