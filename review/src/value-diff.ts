// The value-level diff every comment uses (plan, drift, synth diff; markdown
// and terminal alike). A changed attribute arrives as its display values
// (JSON text of a known value, or a marker word such as "(sensitive)") and
// leaves as what a reviewer needs to see:
// - a string that parses as JSON (IAM, key, bucket, topic policies are JSON
//   strings in a plan) diffed as JSON, one entry per changed path
//   (`policy › Statement[1].NotAction[3]: + "kms:*"`);
// - a multi-line string (heredocs, user data, scripts) as a unified diff of its lines;
// - a long scalar cut around its first difference, never blindly at the start.
// Callers mask the display values first, so a secret split across lines or
// nested in JSON is already gone when this runs.

/** One changed attribute as a producer reports it: display values, undefined where absent. */
export interface ValueChange {
  readonly path: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
  readonly forcesReplacement?: boolean;
}

export interface DiffLine {
  /** " " context, "-" removed, "+" added, "…" lines skipped (`text` says how many). */
  readonly op: " " | "-" | "+" | "…";
  readonly text: string;
}

export type DiffEntry =
  /** A value that changed, appeared (`before` undefined) or went away (`after` undefined); long values cut around the difference. */
  | { readonly kind: "value"; readonly path: string; readonly before?: string; readonly after?: string; readonly forcesReplacement: boolean }
  /** A multi-line string (or a JSON document appearing whole) as lines. */
  | { readonly kind: "lines"; readonly path: string; readonly lines: readonly DiffLine[]; readonly added: number; readonly removed: number; readonly forcesReplacement: boolean }
  /** Something to say instead of values (a JSON string reformatted with the same content). */
  | { readonly kind: "note"; readonly path: string; readonly note: string; readonly forcesReplacement: boolean };

export interface DiffOptions {
  /** Longest value shown in full; longer ones are cut around the first difference. */
  readonly maxValueLength?: number;
  /** Context lines around each change of a multi-line string. */
  readonly context?: number;
}

/** Separates an attribute's path from a path inside the JSON its string holds. */
export const INTO_STRING = " › ";

const DEFAULT_MAX_VALUE = 120;
const DEFAULT_CONTEXT = 2;
/** Above this many cells, lists and lines are compared by position instead of by longest common subsequence. */
const MAX_LCS_CELLS = 250_000;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `base.key`, `base["odd key"]`, `base[3]`; a base ending in ` › ` takes the key bare. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base === "" || base.endsWith(INTO_STRING) ? `${base}${key}` : `${base}.${key}`;
}

const parseDisplay = (text: string | undefined): { known: boolean; value: unknown } => {
  if (text === undefined) return { known: true, value: undefined };
  try {
    return { known: true, value: JSON.parse(text) as unknown };
  } catch {
    return { known: false, value: text }; // a marker word, or text a mask made invalid JSON
  }
};

const isContainer = (value: unknown): value is Record<string, unknown> | unknown[] => value !== null && typeof value === "object";

/** The JSON document a string holds, when it holds an object or an array. */
function jsonInString(value: unknown): Record<string, unknown> | unknown[] | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (!(trimmed.startsWith("{") && trimmed.endsWith("}")) && !(trimmed.startsWith("[") && trimmed.endsWith("]"))) return undefined;
  try {
    const parsed = JSON.parse(trimmed) as unknown;
    return isContainer(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Expands one changed attribute into what a reviewer reads. */
export function expandChange(change: ValueChange, options: DiffOptions = {}): DiffEntry[] {
  const maxValue = options.maxValueLength ?? DEFAULT_MAX_VALUE;
  const forcesReplacement = change.forcesReplacement ?? false;
  const before = parseDisplay(change.before);
  const after = parseDisplay(change.after);
  const plain = (): DiffEntry[] => [valueEntry(change.path, change.before, change.after, forcesReplacement, maxValue)];
  if (!before.known || !after.known) return plain();

  const beforeJson = jsonInString(before.value);
  const afterJson = jsonInString(after.value);
  const base = `${change.path}${INTO_STRING}`;
  if (beforeJson && afterJson) {
    const entries: DiffEntry[] = [];
    diffJson(beforeJson, afterJson, base, entries, forcesReplacement, maxValue);
    return entries.length > 0 ? entries : [{ kind: "note", path: change.path, note: "same JSON document, formatted differently", forcesReplacement }];
  }
  const absent = (value: unknown) => value === undefined || value === null;
  if ((beforeJson && absent(after.value)) || (afterJson && absent(before.value))) {
    const document = beforeJson ?? afterJson;
    const text = JSON.stringify(document, null, 2).split("\n");
    return [linesEntry(change.path, beforeJson ? text : [], afterJson ? text : [], forcesReplacement, options.context ?? DEFAULT_CONTEXT)];
  }
  const multiLine = (value: unknown) => typeof value === "string" && value.includes("\n");
  if ((multiLine(before.value) || multiLine(after.value)) && (typeof before.value === "string" || absent(before.value)) && (typeof after.value === "string" || absent(after.value))) {
    const lines = (value: unknown) => (typeof value === "string" ? value.replace(/\r\n/g, "\n").replace(/\n$/, "").split("\n") : []);
    return [linesEntry(change.path, lines(before.value), lines(after.value), forcesReplacement, options.context ?? DEFAULT_CONTEXT)];
  }
  if (isContainer(before.value) && isContainer(after.value)) {
    const entries: DiffEntry[] = [];
    diffJson(before.value, after.value, change.path, entries, forcesReplacement, maxValue);
    return entries.length > 0 ? entries : plain();
  }
  return plain();
}

/** Every entry of every change. */
export const expandChanges = (changes: readonly ValueChange[], options: DiffOptions = {}): DiffEntry[] => changes.flatMap((change) => expandChange(change, options));

function valueEntry(path: string, before: string | undefined, after: string | undefined, forcesReplacement: boolean, maxValue: number): DiffEntry {
  const [shownBefore, shownAfter] = windowPair(before, after, maxValue);
  return { kind: "value", path, before: shownBefore, after: shownAfter, forcesReplacement };
}

/**
 * Both values cut to about `max` characters around their first difference,
 * with `…` where something was left out; values that fit are left whole.
 */
export function windowPair(before: string | undefined, after: string | undefined, max: number): [string | undefined, string | undefined] {
  const fits = (text: string | undefined) => text === undefined || text.length <= max;
  if (fits(before) && fits(after)) return [before, after];
  if (before === undefined || after === undefined) return [cut(before, 0, max), cut(after, 0, max)];
  let prefix = 0;
  const shorter = Math.min(before.length, after.length);
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix += 1;
  const lead = Math.min(prefix, Math.max(8, Math.floor(max / 4)));
  return [cut(before, prefix - lead, max), cut(after, prefix - lead, max)];
}

function cut(text: string | undefined, start: number, max: number): string | undefined {
  if (text === undefined || text.length <= max) return text;
  let from = Math.max(0, Math.min(start, text.length - max));
  // Never split a surrogate pair.
  if (from > 0 && isLowSurrogate(text.charCodeAt(from))) from -= 1;
  let to = Math.min(text.length, from + max);
  if (to < text.length && isLowSurrogate(text.charCodeAt(to))) to -= 1;
  const more = text.length - (to - from);
  return `${from > 0 ? "…" : ""}${text.slice(from, to)}${to < text.length ? "…" : ""} (${more} more characters)`;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, item: unknown) => {
    if (!isContainer(item) || Array.isArray(item)) return item;
    return Object.fromEntries(Object.keys(item).sort().map((key) => [key, (item as Record<string, unknown>)[key]]));
  }) ?? "undefined";

/** Structural diff of two JSON values: one value entry per changed, added or removed path. */
function diffJson(before: unknown, after: unknown, path: string, into: DiffEntry[], forcesReplacement: boolean, maxValue: number): void {
  if (isContainer(before) && isContainer(after) && !Array.isArray(before) && !Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const key of keys) {
      if (!(key in after)) into.push(valueEntry(joinPath(path, key), JSON.stringify(before[key]), undefined, forcesReplacement, maxValue));
      else if (!(key in before)) into.push(valueEntry(joinPath(path, key), undefined, JSON.stringify(after[key]), forcesReplacement, maxValue));
      else diffJson(before[key], after[key], joinPath(path, key), into, forcesReplacement, maxValue);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    diffArrays(before, after, path, into, forcesReplacement, maxValue);
    return;
  }
  if (canonical(before) === canonical(after)) return;
  into.push(valueEntry(path === "" ? "(whole value)" : path, JSON.stringify(before), JSON.stringify(after), forcesReplacement, maxValue));
}

type Step = { readonly op: "=" | "-" | "+"; readonly beforeIndex: number; readonly afterIndex: number };

/** An edit script from `before` to `after` by longest common subsequence of `keys` (positions when too large). */
function editScript(before: readonly string[], after: readonly string[]): Step[] {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start += 1;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore -= 1;
    endAfter -= 1;
  }
  const steps: Step[] = [];
  for (let index = 0; index < start; index += 1) steps.push({ op: "=", beforeIndex: index, afterIndex: index });
  const rows = endBefore - start;
  const columns = endAfter - start;
  if (rows * columns > MAX_LCS_CELLS) {
    for (let index = start; index < endBefore; index += 1) steps.push({ op: "-", beforeIndex: index, afterIndex: -1 });
    for (let index = start; index < endAfter; index += 1) steps.push({ op: "+", beforeIndex: -1, afterIndex: index });
  } else {
    // lengths[i][j]: LCS of before[start+i..] and after[start+j..]
    const width = columns + 1;
    const lengths = new Uint32Array((rows + 1) * width);
    for (let i = rows - 1; i >= 0; i -= 1) {
      for (let j = columns - 1; j >= 0; j -= 1) {
        lengths[i * width + j] = before[start + i] === after[start + j] ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < rows || j < columns) {
      if (i < rows && j < columns && before[start + i] === after[start + j]) {
        steps.push({ op: "=", beforeIndex: start + i, afterIndex: start + j });
        i += 1;
        j += 1;
      } else if (i < rows && (j === columns || lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!)) {
        steps.push({ op: "-", beforeIndex: start + i, afterIndex: -1 });
        i += 1;
      } else {
        steps.push({ op: "+", beforeIndex: -1, afterIndex: start + j });
        j += 1;
      }
    }
  }
  for (let offset = 0; offset < before.length - endBefore; offset += 1) steps.push({ op: "=", beforeIndex: endBefore + offset, afterIndex: endAfter + offset });
  return steps;
}

/**
 * Lists: elements kept in order are matched (an element inserted in the middle
 * is one addition, not a shifted tail); between matches, removed and added
 * elements are paired by position as changes, the rest are removals and additions.
 */
function diffArrays(before: readonly unknown[], after: readonly unknown[], path: string, into: DiffEntry[], forcesReplacement: boolean, maxValue: number): void {
  const steps = editScript(before.map(canonical), after.map(canonical));
  let index = 0;
  while (index < steps.length) {
    if (steps[index]!.op === "=") {
      index += 1;
      continue;
    }
    const removed: number[] = [];
    const added: number[] = [];
    for (; index < steps.length && steps[index]!.op !== "="; index += 1) {
      const step = steps[index]!;
      if (step.op === "-") removed.push(step.beforeIndex);
      else added.push(step.afterIndex);
    }
    const paired = Math.min(removed.length, added.length);
    for (let pair = 0; pair < paired; pair += 1) diffJson(before[removed[pair]!], after[added[pair]!], joinPath(path, added[pair]!), into, forcesReplacement, maxValue);
    for (const position of removed.slice(paired)) into.push(valueEntry(joinPath(path, position), JSON.stringify(before[position]), undefined, forcesReplacement, maxValue));
    for (const position of added.slice(paired)) into.push(valueEntry(joinPath(path, position), undefined, JSON.stringify(after[position]), forcesReplacement, maxValue));
  }
}

/** A unified diff of two lists of lines, `context` unchanged lines around each change. */
export function diffLines(before: readonly string[], after: readonly string[], context = DEFAULT_CONTEXT): DiffLine[] {
  const steps = editScript(before, after);
  const changed = steps.map((step) => step.op !== "=");
  const keep = steps.map((_, index) => {
    for (let offset = -context; offset <= context; offset += 1) if (changed[index + offset]) return true;
    return false;
  });
  const lines: DiffLine[] = [];
  let skipped = 0;
  steps.forEach((step, index) => {
    if (!keep[index]) {
      skipped += 1;
      return;
    }
    if (skipped > 0) lines.push({ op: "…", text: String(skipped) });
    skipped = 0;
    if (step.op === "=") lines.push({ op: " ", text: before[step.beforeIndex]! });
    else if (step.op === "-") lines.push({ op: "-", text: before[step.beforeIndex]! });
    else lines.push({ op: "+", text: after[step.afterIndex]! });
  });
  if (skipped > 0) lines.push({ op: "…", text: String(skipped) });
  return lines;
}

function linesEntry(path: string, before: readonly string[], after: readonly string[], forcesReplacement: boolean, context: number): DiffEntry {
  const lines = diffLines(before, after, context);
  return {
    kind: "lines",
    path,
    lines,
    added: lines.filter((line) => line.op === "+").length,
    removed: lines.filter((line) => line.op === "-").length,
    forcesReplacement,
  };
}

/** The lines of a `lines` entry as the body of a ```diff block (at most `maxLines`, saying how many more). */
export function unifiedDiffText(lines: readonly DiffLine[], maxLines = Number.POSITIVE_INFINITY): string {
  const shown = lines.slice(0, maxLines).map((line) => (line.op === "…" ? `@@ ${line.text} unchanged line${line.text === "1" ? "" : "s"} @@` : `${line.op}${line.text}`));
  if (lines.length > maxLines) shown.push(`@@ ${lines.length - maxLines} more diff lines not shown @@`);
  return shown.join("\n");
}
