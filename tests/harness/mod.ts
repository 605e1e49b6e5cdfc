/**
 * The one test harness: tests, the benchmark and the demo import it from
 * here. Run guillotine (or any command) as PID 1 of a PID namespace and read
 * its output as it comes (pid1.ts, output.ts); read /proc (proc.ts); poll for
 * conditions (poll.ts); find free ports (net.ts); find, require and run
 * commands (command.ts); temporary directories (temp.ts); paths (paths.ts).
 *
 * @module
 */

export * from "./command.ts";
export * from "./endpoint.ts";
export * from "./events.ts";
export * from "./http.ts";
export * from "./log.ts";
export * from "./net.ts";
export * from "./netns.ts";
export * from "./output.ts";
export * from "./paths.ts";
export * from "./pid1.ts";
export * from "./poll.ts";
export * from "./proc.ts";
export * from "./raw_http.ts";
export * from "./recorder.ts";
export * from "./temp.ts";
