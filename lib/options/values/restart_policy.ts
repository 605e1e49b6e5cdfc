/** The pod's `restartPolicy`, as `--restart-policy` takes it. */
import { parseChoice } from "./choice.ts";

/** A Job's pod restarts its containers never, or on failure. */
export type RestartPolicy = "Never" | "OnFailure";

export const parseRestartPolicy = (text: string): RestartPolicy =>
  parseChoice(
    "restart policy",
    text,
    ["Never", "OnFailure"] as const,
    ", the restartPolicy of the pod's spec",
  );
