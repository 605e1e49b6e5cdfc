// A start-up race: the file appears at varied moments during start-up. It is
// never missed and guillotine never hangs.
import assert from "node:assert/strict";
import { sleep, start, tempDir } from "../harness/mod.ts";

const ROUNDS = 200;

Deno.test(`the file appearing during start-up is never missed (${ROUNDS} rounds)`, async () => {
  await using dir = await tempDir();
  for (let round = 0; round < ROUNDS; round++) {
    const file = `${dir.path}/done-${round}`;
    // 0 to 190 ms after the spawn covers the runtime's start, the watch's
    // arming, the first check and the child's start.
    const delayMs = (round * 7) % 200;
    await using g = start([
      "--watch",
      file,
      "--poll-interval",
      "0",
      "sleep",
      "1000",
    ]);
    await sleep(delayMs);
    if (round % 2) {
      await Deno.writeTextFile(`${file}.tmp`, "");
      await Deno.rename(`${file}.tmp`, file);
    } else {
      await Deno.writeTextFile(file, "");
    }
    const status = await g.status(15_000);
    assert.deepEqual(
      status.code,
      0,
      `round ${round}, file after ${delayMs} ms: ${g.stderr}`,
    );
  }
});
