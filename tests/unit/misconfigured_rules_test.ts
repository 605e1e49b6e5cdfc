// The pure rules of issue #17, table by table.
import assert from "node:assert/strict";
import { editDistance, nearestVariable } from "../../lib/options/variables.ts";
import { parseMountPoints } from "../../lib/sys/mountinfo.ts";
import { mountPointOf } from "../../lib/triggers/arm.ts";
import { endsTheSidecar } from "../../lib/triggers/decision.ts";

Deno.test("edit distance and the nearest variable", () => {
  for (
    const [a, b, d] of [
      ["", "", 0],
      ["FILE", "FIEL", 1],
      ["FILE", "FILES", 1],
      ["GRACE", "GRAVE", 1],
      ["abc", "xyz", 3],
    ] as const
  ) assert.equal(editDistance(a, b), d, `${a} ${b}`);
  for (
    const [typo, known] of [
      ["GUILLOTINE_WATCHED_FIEL", "GUILLOTINE_WATCHED_FILE"],
      ["GUILLOTINE_WATCH_FILE", "GUILLOTINE_WATCHED_FILE"],
      ["GUILLOTINE_NOTIFY", "GUILLOTINE_NOTIFY_FILE"],
      ["GUILLOTINE_QUIT_URLS", "GUILLOTINE_QUIT_URL"],
      ["GUILLOTINE_RESTARTPOLICY", "GUILLOTINE_RESTART_POLICY"],
    ]
  ) assert.equal(nearestVariable(typo), known);
});

Deno.test("the mount point of a path", () => {
  const mounts = parseMountPoints(
    [
      "26 1 254:0 / / rw - ext4 /dev/vda rw",
      "90 26 0:52 / /share rw - tmpfs tmpfs rw",
      "91 26 0:53 / /cloud\\040sql rw - tmpfs tmpfs rw",
      "92 26 254:0 /etc/hosts /etc/hosts rw - ext4 /dev/vda rw",
    ].join("\n"),
  );
  for (
    const [path, mount] of [
      ["/share/done", "/share"],
      ["/share", "/share"],
      ["/shared/done", "/"],
      ["/shrae/done", "/"],
      ["/cloud sql/done", "/cloud sql"],
      ["/etc", "/"],
      ["/", "/"],
    ]
  ) assert.equal(mountPointOf(path, mounts), mount, path);
});

Deno.test("which ends end the sidecar, by policy", () => {
  const cases = [
    ["Never", { kind: "record", exitCode: 3 }, true],
    ["Never", { kind: "lost-main" }, true],
    ["OnFailure", { kind: "record", exitCode: 0 }, true],
    ["OnFailure", { kind: "record", exitCode: 143 }, true],
    ["OnFailure", { kind: "record", exitCode: 3 }, false],
    ["OnFailure", { kind: "record", exitCode: null }, true],
    ["OnFailure", { kind: "lost-main" }, false],
  ] as const;
  for (const [policy, end, ends] of cases) {
    assert.equal(endsTheSidecar(policy, end, [143]), ends, JSON.stringify(end));
  }
});
