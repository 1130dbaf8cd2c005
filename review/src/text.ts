// Plain-text helpers for the terminal renderers: colour only where the reader
// has a colour terminal, and nothing from a plan or a tool that could drive
// the terminal (escape sequences, bidirectional overrides) printed as is.
import type { Env } from "./dependencies";

export interface TextStyle {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly cyan: (text: string) => string;
  readonly magenta: (text: string) => string;
}

const same = (text: string): string => text;

export const PLAIN: TextStyle = { bold: same, dim: same, red: same, green: same, yellow: same, cyan: same, magenta: same };

const sgr =
  (open: number, close: number) =>
  (text: string): string =>
    text === "" ? text : `\u001b[${open}m${text}\u001b[${close}m`;

export const ANSI: TextStyle = { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39), magenta: sgr(35, 39) };

/**
 * ANSI colour when the output is a terminal and NO_COLOR is not set to a
 * non-empty value (https://no-color.org: "when present and not an empty
 * string (regardless of its value), prevents the addition of ANSI color").
 */
export function styleFor(output: { readonly isTTY?: boolean }, env: Env): TextStyle {
  return output.isTTY === true && !env.NO_COLOR ? ANSI : PLAIN;
}

/**
 * Untrusted text made safe to print: C0/C1 control characters (escape
 * sequences among them, but not newline or tab), DEL and the bidirectional
 * controls ("Trojan Source") become visible `\u{…}` escapes.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, (character) => `\\u{${character.codePointAt(0)!.toString(16)}}`);
}

/** Untrusted text on one line: printable, line breaks shown as `⏎`. */
export const oneLine = (text: string): string => printable(text.replace(/\r\n|\r|\n/g, "⏎"));

/** A value cut to `limit` characters, saying how many more there were. */
export function shorten(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}

/** Rows of cells as aligned columns (`align` "right" for amounts), two spaces apart, each row indented. */
export function columns(rows: readonly (readonly string[])[], options: { readonly align?: readonly ("left" | "right")[]; readonly indent?: string } = {}): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, visibleLength(cell))));
  return rows.map(
    (row) =>
      (options.indent ?? "") +
      row
        .map((cell, index) => {
          const pad = " ".repeat(widths[index]! - visibleLength(cell));
          if (index === row.length - 1 && options.align?.[index] !== "right") return cell;
          return options.align?.[index] === "right" ? pad + cell : cell + pad;
        })
        .join("  "),
  );
}

// eslint-disable-next-line no-control-regex -- our own colour codes take no room on screen
const visibleLength = (text: string): number => [...text.replace(/\u001b\[[0-9;]*m/g, "")].length;

/** The last `lines` lines of a long tool output. */
export const lastLines = (text: string, lines = 80): string => text.trimEnd().split("\n").slice(-lines).join("\n");
