import {
  formatDuration,
  parseDuration,
} from "../../lib/options/values/duration.ts";
import assert from "node:assert/strict";

Deno.test("parseDuration reads units and bare seconds", () => {
  const table: [string, number][] = [
    ["500ms", 500],
    ["10s", 10_000],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["30", 30_000],
    ["0", 0],
    ["1.5s", 1500],
    ["0.25", 250],
    [" 5S ", 5000],
  ];
  for (const [text, ms] of table) {
    assert.deepEqual(parseDuration(text), ms, text);
  }
});

Deno.test("parseDuration refuses what is not a duration", () => {
  assert.throws(() => parseDuration("10x"), {
    name: "RangeError",
    message: /unknown unit "x"/,
  });
  for (const text of ["", "-1s", "s", "1 2", "abc", "1e3"]) {
    assert.throws(() => parseDuration(text), {
      name: "RangeError",
      message: /Cannot parse duration/,
    });
  }
  assert.throws(() => parseDuration("100000000h"), {
    name: "RangeError",
    message: /too long/,
  });
});

Deno.test("formatDuration gives the shortest exact form", () => {
  const table: [number, string][] = [
    [0, "0s"],
    [500, "500ms"],
    [1500, "1.5s"],
    [30_000, "30s"],
    [120_000, "2m"],
    [7_200_000, "2h"],
  ];
  for (const [ms, text] of table) assert.deepEqual(formatDuration(ms), text);
});
