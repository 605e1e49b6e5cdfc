/** `--help` and the README's options table, both made from the option table, so neither drifts from the parser. */
import { ACTIONS, type AnyOption, OPTIONS, showValue } from "./table.ts";

const usageOf = (o: AnyOption) =>
  o.placeholder ? `${o.flag} ${o.placeholder}` : o.flag;
const defaultOf = (o: AnyOption) => showValue(o, o.fallback);
const variablesOf = (o: AnyOption) => [o.env, ...(o.envAliases ?? [])];

/** The usage text of `--help`. */
export function helpText(): string {
  const rows = [
    ...OPTIONS.map((o) => [
      usageOf(o),
      `${o.help} (default ${defaultOf(o)})`,
      variablesOf(o).join(", "),
    ]),
    ...ACTIONS.map((a) => [`${a.short}, ${a.flag}`, a.help, ""]),
  ];
  const width = Math.max(...rows.map(([left]) => left.length));
  const lines = rows.map(([left, help, env]) =>
    `  ${left.padEnd(width)}  ${help}${
      env ? `\n  ${"".padEnd(width)}  [${env}]` : ""
    }`
  );
  return [
    "Usage: guillotine [OPTIONS] [--] COMMAND [ARG...]",
    "",
    "Runs COMMAND as its child, as an init (PID 1) would: forwards signals, reaps",
    "zombies. When the watched file appears, stops COMMAND gracefully and exits, so",
    "that a sidecar ends when the main work of its pod is done.",
    "",
    "Options end at -- or at the first argument that is not an option. A flag beats",
    "its environment variable (in brackets). Durations: 500ms, 10s, 2m, 1h; a bare",
    "number is seconds.",
    "",
    ...lines,
    "",
    "Exit codes: the child's code; 128+n if it died of signal n; the --exit-code",
    "after a trigger (or the recorded one, or ?code=N); the --lost-main-exit-code",
    "when a main container was lost; 124 a --wait-for gate timed out; 125",
    "guillotine's own error; 126 COMMAND not executable; 127 COMMAND not found.",
  ].join("\n");
}

/** The README's options table in Markdown, before `deno fmt` aligns it (tests/docs/readme_test.ts). */
export function optionsTable(): string {
  const code = (text: string) => `\`${text.replaceAll("|", "\\|")}\``;
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    row(["Option", "Variable", "Default", "Meaning"]),
    row(["---", "---", "---", "---"]),
    ...OPTIONS.map((o) =>
      row([
        `${code(usageOf(o))}${o.list ? " (repeatable)" : ""}`,
        variablesOf(o).map(code).join(", "),
        code(defaultOf(o)),
        o.help.replaceAll("|", "\\|"),
      ])
    ),
    ...ACTIONS.map((a) =>
      row([`${code(a.short)}, ${code(a.flag)}`, "", "", a.help])
    ),
  ].join("\n");
}
