/** The pod's `restartPolicy`, as `--restart-policy` takes it. */
import { parseChoice } from "./choice.ts";

export type RestartPolicy = "Never" | "OnFailure";

export const parseRestartPolicy = (text: string): RestartPolicy =>
  parseChoice(
    "restart policy",
    text,
    ["Never", "OnFailure"],
    ", the restartPolicy of the pod's spec",
  );
