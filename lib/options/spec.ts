/**
 * What an entry of the option table holds, and the helpers that show values.
 *
 * @module
 */

import type { Settings } from "./config.ts";
import { formatDuration } from "./values/duration.ts";
import type { Separator } from "./lists.ts";

/** One element of a list setting, or the setting itself. */
export type Item<T> = T extends readonly (infer E)[] ? E : T;

/** One option, whose value becomes `Settings[K]`. */
export interface OptionSpec<K extends keyof Settings> {
  key: K;
  flag: `--${string}`;
  /** The environment twin. */
  env: string;
  /** Older names of the variable, read when `env` is not set. */
  envAliases?: readonly string[];
  /** What the value looks like in the usage; null for a switch. */
  placeholder: string | null;
  help: string;
  /** The value when neither the flag nor the variable is given. */
  fallback: Settings[K];
  /** The value as guillotine shows it: in `--help`, the README, the log. */
  show: (value: Settings[K]) => string;
  /** Parses one value (one item of a list); throws RangeError. */
  parse: (text: string) => Item<Settings[K]>;
  /**
   * For a list: the flag repeats, and each value, the flag's or the
   * variable's, holds items split by `separator` (`" "`: white space; null:
   * one item). `item`, the shape of a usual item, helps tell a list in
   * another separator from one odd item (lib/options/lists.ts).
   */
  list?: { separator: Separator; item?: RegExp };
}

/** Any entry of the table. */
export type AnyOption = {
  [K in keyof Settings]: OptionSpec<K>;
}[keyof Settings];

/** A duration as guillotine shows it. */
export const duration = (ms: number): string => formatDuration(ms);
/** A list as guillotine shows it: comma-separated, or "none". */
export const list =
  <T>(show: (item: T) => string) => (items: readonly T[]): string =>
    items.length ? items.map(show).join(",") : "none";
/** A word shown as it is. */
export const word = <T extends string>(value: T): string => value;
/** A switch as guillotine shows it. */
export const switchOf = (on: boolean): string => on ? "on" : "off";
