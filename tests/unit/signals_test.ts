import { FORWARDED_SIGNALS } from "../../lib/forwarder.ts";
import {
  parseSignal,
  SIGNAL_NUMBERS,
  signalName,
} from "../../lib/values/signal.ts";
import { assert, assertEquals, assertThrows } from "../assert.ts";

Deno.test("parseSignal reads names, short names and numbers", () => {
  const table: [string, string, number][] = [
    ["SIGTERM", "SIGTERM", 15],
    ["TERM", "SIGTERM", 15],
    ["int", "SIGINT", 2],
    ["9", "SIGKILL", 9],
    ["sigusr1", "SIGUSR1", 10],
    ["28", "SIGWINCH", 28],
  ];
  for (const [text, name, number] of table) {
    assertEquals(parseSignal(text), { name, number }, text);
  }
});

Deno.test("parseSignal refuses unknown signals", () => {
  assertThrows(() => parseSignal("SIGNOPE"), RangeError, /unknown name/);
  assertThrows(() => parseSignal("0"), RangeError, /no signal has number 0/);
  assertThrows(() => parseSignal("99"), RangeError, /no signal has number 99/);
  assertThrows(() => parseSignal(""), RangeError);
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
    assert(!FORWARDED_SIGNALS.includes(left as Deno.Signal), left);
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
    assert(FORWARDED_SIGNALS.includes(kept as Deno.Signal), kept);
  }
  for (const name of FORWARDED_SIGNALS) assert(SIGNAL_NUMBERS[name] > 0, name);
});

Deno.test("signalName names numbers", () => {
  assertEquals(signalName(15), "SIGTERM");
  assertEquals(signalName(40), "signal 40");
});
