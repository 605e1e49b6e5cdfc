/**
 * A network namespace of a test's own, with its loopback up, as a pod has:
 * whatever listens on 127.0.0.1 there is seen only by what runs there, and
 * nothing of other tests (or of the machine) is seen from it.
 *
 * @module
 */

import { which } from "./command.ts";

let made = 0;

function ip(...args: string[]): void {
  const path = which("ip");
  if (path === null) {
    throw new Error(
      "A network namespace needs ip, which is not installed here: apt-get install iproute2 (scripts/setup.sh)",
    );
  }
  const { success, stderr } = new Deno.Command(path, {
    args,
    stdout: "null",
    stderr: "piped",
  }).outputSync();
  if (!success) {
    throw new Error(
      `ip ${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`,
    );
  }
}

/** A named network namespace; `using` removes it. */
export class NetworkNamespace {
  readonly name: string;

  constructor() {
    this.name = `guillotine-test-${Deno.pid}-${++made}`;
    ip("netns", "add", this.name);
    ip("-n", this.name, "link", "set", "lo", "up");
  }

  /** `argv`, run inside this namespace. */
  argv(argv: string[]): string[] {
    return [which("ip") ?? "ip", "netns", "exec", this.name, ...argv];
  }

  [Symbol.dispose](): void {
    ip("netns", "delete", this.name);
  }
}
