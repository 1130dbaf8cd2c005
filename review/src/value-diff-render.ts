// How the value diff (value-diff.ts) is written: in a comment (inline HTML
// code in a list or a summary line, multi-line strings as ```diff blocks) and
// on a terminal. Values are masked before they are diffed, paths too.
import { codeBlock, escapeHtml, escapeText } from "./markdown";
import type { Masker } from "./mask";
import { oneLine, type TextStyle } from "./text";
import { expandChange, unifiedDiffText, type DiffEntry, type DiffOptions, type ValueChange } from "./value-diff";

/** Words shown instead of a value; never quoted or coded. */
const MARKER_WORDS = new Set(["(sensitive)", "(known after apply)"]);

/** Masks a change's path and values, then expands it. */
export function maskedEntries(changes: readonly ValueChange[], mask: Masker, options: DiffOptions = {}): DiffEntry[] {
  return changes.flatMap((change) =>
    expandChange(
      { path: mask(change.path), before: change.before === undefined ? undefined : mask(change.before), after: change.after === undefined ? undefined : mask(change.after), forcesReplacement: change.forcesReplacement },
      options,
    ),
  );
}

/** Where inline HTML goes: a raw HTML block (`<summary>`, `<p>`) takes entities only; markdown text also needs its punctuation escaped. */
export type InlineContext = "html" | "markdown";

const escaperFor = (context: InlineContext) => (context === "html" ? escapeHtml : escapeText);

/** A value as inline code (newlines as ⏎), or a marker word in italics. */
export function codeValue(text: string, context: InlineContext): string {
  if (MARKER_WORDS.has(text)) return `<i>${text}</i>`;
  return `<code>${escaperFor(context)(text.replace(/\r\n|\r|\n/g, "⏎"))}</code>`;
}

export interface EntryStyle {
  /** How an added value is written: `path: + value` (a change) or `path = value` (a new resource's attribute). */
  readonly added?: "plus" | "assign";
}

/** One value or note entry on one line: `path: before → after`, `path: + value`, `path: − value`. */
export function inlineEntry(entry: DiffEntry, context: InlineContext, style: EntryStyle = {}): string {
  const path = codeValue(entry.path, context);
  const forces = entry.forcesReplacement ? " <b>forces replacement</b>" : "";
  if (entry.kind === "note") return `${path}${forces}: ${escaperFor(context)(entry.note)}`;
  if (entry.kind === "lines") return `${path}${forces}: ${linesSummary(entry)}`;
  if (entry.before === undefined) return style.added === "assign" ? `${path} = ${codeValue(entry.after ?? "null", context)}${forces}` : `${path}${forces}: + ${codeValue(entry.after ?? "null", context)}`;
  if (entry.after === undefined) return `${path}${forces}: − ${codeValue(entry.before, context)}`;
  return `${path}${forces}: ${codeValue(entry.before, context)} → ${codeValue(entry.after, context)}`;
}

const linesSummary = (entry: Extract<DiffEntry, { kind: "lines" }>): string =>
  entry.removed === 0 ? `${entry.added} line${entry.added === 1 ? "" : "s"}` : entry.added === 0 ? `${entry.removed} line${entry.removed === 1 ? "" : "s"} removed` : `+${entry.added} −${entry.removed} lines`;

/** The visible length of an entry on one line, to decide whether it fits in a summary. */
export const inlineLength = (entry: DiffEntry): number =>
  entry.kind === "value" ? entry.path.length + (entry.before?.length ?? 0) + (entry.after?.length ?? 0) + 6 : entry.kind === "note" ? entry.path.length + entry.note.length : Number.POSITIVE_INFINITY;

/** At most this many values, none of them multi-line, this many characters in all: shown on the resource's own line. */
const INLINE_ENTRIES = 3;
const INLINE_LENGTH = 100;

/** Whether `entries` are short enough to show on the resource's own line instead of a list. */
export const fitsInline = (entries: readonly DiffEntry[]): boolean =>
  entries.length > 0 && entries.length <= INLINE_ENTRIES && entries.every((entry) => entry.kind !== "lines") && entries.reduce((total, entry) => total + inlineLength(entry), 0) <= INLINE_LENGTH;

/** "1 change", "2 changes". */
export const changeCount = (count: number): string => `${count} change${count === 1 ? "" : "s"}`;

export interface EntryListOptions extends EntryStyle {
  /** Most diff lines shown per multi-line value. */
  readonly maxDiffLines?: number;
  /** Most entries listed; the rest are counted. */
  readonly maxEntries?: number;
}

/** Entries as a markdown list: one item per value, a ```diff block under a multi-line value. */
export function entriesMarkdown(entries: readonly DiffEntry[], options: EntryListOptions = {}): string {
  const maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
  const items = entries.slice(0, maxEntries).map((entry) => {
    const line = `- ${inlineEntry(entry, "markdown", options)}`;
    if (entry.kind !== "lines") return line;
    const block = codeBlock(unifiedDiffText(entry.lines, options.maxDiffLines ?? 80), "diff");
    // Indented under the item, so the block belongs to it.
    return `${line}\n\n${block
      .split("\n")
      .map((text) => `  ${text}`)
      .join("\n")}\n`;
  });
  if (entries.length > maxEntries) items.push(`- <i>… ${entries.length - maxEntries} more changed values</i>`);
  return items.join("\n");
}

/** Entries for a terminal: `~ path: a → b`, `+ path = b`, `- path = a`, and a multi-line value as diff lines under it. */
export function entriesText(entries: readonly DiffEntry[], style: TextStyle, options: { readonly indent?: string; readonly maxDiffLines?: number } = {}): string[] {
  const indent = options.indent ?? "";
  const lines: string[] = [];
  const dimmed = (text: string) => (MARKER_WORDS.has(text) ? style.dim(text) : oneLine(text));
  for (const entry of entries) {
    const path = oneLine(entry.path);
    const forces = entry.forcesReplacement ? `  ${style.red("# forces replacement")}` : "";
    if (entry.kind === "note") lines.push(`${indent}${style.yellow("~")} ${path}: ${style.dim(entry.note)}${forces}`);
    else if (entry.kind === "value") {
      if (entry.before === undefined) lines.push(`${indent}${style.green("+")} ${path} = ${dimmed(entry.after ?? "null")}${forces}`);
      else if (entry.after === undefined) lines.push(`${indent}${style.red("-")} ${path} = ${dimmed(entry.before)}${forces}`);
      else lines.push(`${indent}${style.yellow("~")} ${path}: ${dimmed(entry.before)} → ${dimmed(entry.after)}${forces}`);
    } else {
      lines.push(`${indent}${style.yellow("~")} ${path}: ${linesSummary(entry)}${forces}`);
      const shown = entry.lines.slice(0, options.maxDiffLines ?? Number.POSITIVE_INFINITY);
      for (const line of shown) {
        if (line.op === "…") lines.push(`${indent}    ${style.dim(`@@ ${line.text} unchanged line${line.text === "1" ? "" : "s"} @@`)}`);
        else {
          const colour = line.op === "+" ? style.green : line.op === "-" ? style.red : style.dim;
          lines.push(`${indent}    ${colour(`${line.op}${oneLine(line.text)}`)}`);
        }
      }
      if (entry.lines.length > shown.length) lines.push(`${indent}    ${style.dim(`@@ ${entry.lines.length - shown.length} more diff lines @@`)}`);
    }
  }
  return lines;
}
