/** What an entry of the option table holds, and how a value is shown. */
import type { Settings } from "./config.ts";
import type { Separator } from "./lists.ts";

/** One element of a list setting, or the setting itself. */
type Item<T> = T extends readonly (infer E)[] ? E : T;

/** One option, whose value becomes `Settings[K]`. */
export interface OptionSpec<K extends keyof Settings> {
  key: K;
  flag: `--${string}`;
  env: string;
  /** Older names of the variable, read when `env` is not set. */
  envAliases?: readonly string[];
  /** What the value looks like in the usage; null for a switch. */
  placeholder: string | null;
  help: string;
  /** The value when neither the flag nor the variable is given. */
  fallback: Settings[K];
  /** A value (an item of a list) as `--help`, the README and the log show it; String by default. */
  show?: (value: Item<Settings[K]>) => string;
  /** Parses one value (one item of a list); throws RangeError. */
  parse: (text: string) => Item<Settings[K]>;
  /**
   * For a list: the flag repeats, and each value holds items split by
   * `separator`; `item`, the shape of a usual item, tells a list in another
   * separator from one odd item (lib/options/lists.ts).
   */
  list?: { separator: Separator; item?: RegExp };
}

export type AnyOption = {
  [K in keyof Settings]: OptionSpec<K>;
}[keyof Settings];

/** A setting's value as guillotine shows it; a list comma-separated, or "none". */
export function showValue(option: AnyOption, value: unknown): string {
  const show = (option.show ?? String) as (item: unknown) => string;
  if (!option.list) return show(value);
  const items = value as unknown[];
  return items.length ? items.map(show).join(",") : "none";
}
