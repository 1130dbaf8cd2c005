/**
 * Whether two synth outputs (cdktf.out folders) describe the same
 * infrastructure, for refactorings that must not change it: every file byte
 * for byte, except the creation traces (`//.metadata.stackTrace`), which name
 * the TypeScript lines that created each construct and so move with the code.
 *
 * A trace may differ only as moved code makes it differ: each frame of the
 * old trace must point at the same source text in the new code (found again
 * in order), and the new trace may hold extra frames (a constructor now
 * calling a method that creates the construct). Frames past the trace's
 * frame limit (synth/construct-stack-traces.ts) may fall off its bottom.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** The text of a repository file (`stacks/constructs/network.ts`) on one side, or undefined when it has none. */
export type SourceReader = (file: string) => string | undefined;

export interface TraceDifference {
  readonly file: string;
  /** Where in the JSON, e.g. `resource.aws_vpc.network_vpc_4E8F0223`. */
  readonly at: string;
  readonly before: readonly string[];
  readonly after: readonly string[];
}

export interface SynthComparison {
  /** Files present on one side only. */
  readonly onlyBefore: readonly string[];
  readonly onlyAfter: readonly string[];
  /** Files whose bytes are equal. */
  readonly identicalFiles: number;
  /** Files that differ in anything but creation traces (with the first differing JSON path for JSON files). */
  readonly differentFiles: readonly { readonly file: string; readonly firstDifference: string }[];
  /** Every creation trace compared, and how it differs. */
  readonly traces: {
    readonly compared: number;
    readonly identical: number;
    /** Same frames (same source text, same function), other line or column numbers. */
    readonly movedOnly: number;
    /** Old frames all found again, with frames added (extracted methods) or cut at the frame limit. */
    readonly withAddedFrames: number;
    /** The frames added, as `function (file): the call it makes`, e.g. `new Network (…/network.ts): this.createVpc();`, with how many traces gained each. */
    readonly addedFrames: Readonly<Record<string, number>>;
    /** Traces where an old frame's source text is not found again: the construct was created by other code. */
    readonly mismatched: readonly TraceDifference[];
  };
}

/** True when the outputs describe the same infrastructure (the traces' moves aside). */
export const isEquivalent = (comparison: SynthComparison): boolean =>
  comparison.onlyBefore.length === 0 && comparison.onlyAfter.length === 0 && comparison.differentFiles.length === 0 && comparison.traces.mismatched.length === 0;

function filesUnder(root: string): string[] {
  const files: string[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(relative(root, path));
    }
  };
  walk(root);
  return files.sort();
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: Json | undefined): value is { [key: string]: Json } => typeof value === "object" && value !== null && !Array.isArray(value);

/** `value` without its creation traces (each `//.metadata.stackTrace`), key order kept. */
function withoutTraces(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutTraces);
  if (!isObject(value)) return value;
  const copy: { [key: string]: Json } = {};
  for (const [key, member] of Object.entries(value)) {
    if (key === "//" && isObject(member) && isObject(member.metadata) && "stackTrace" in member.metadata) {
      const { stackTrace: _trace, ...metadata } = member.metadata;
      copy[key] = withoutTraces({ ...member, metadata });
    } else copy[key] = withoutTraces(member);
  }
  return copy;
}

/** The first JSON path at which two values differ (for the report). */
function firstDifference(before: Json | undefined, after: Json | undefined, at: string): string | undefined {
  if (JSON.stringify(before) === JSON.stringify(after)) return undefined;
  if (isObject(before) && isObject(after)) {
    const beforeKeys = Object.keys(before);
    const afterKeys = Object.keys(after);
    if (beforeKeys.join("\0") !== afterKeys.join("\0")) return `${at} (keys differ)`;
    for (const key of beforeKeys) {
      const found = firstDifference(before[key], after[key], at === "" ? key : `${at}.${key}`);
      if (found) return found;
    }
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    for (let index = 0; index < before.length; index++) {
      const found = firstDifference(before[index], after[index], `${at}[${index}]`);
      if (found) return found;
    }
  }
  return at === "" ? "(whole file)" : at;
}

/** Every creation trace in a JSON document, by where it is. */
function tracesIn(value: Json, at: string, into: Map<string, string[]>): Map<string, string[]> {
  if (Array.isArray(value)) value.forEach((item, index) => tracesIn(item, `${at}[${index}]`, into));
  else if (isObject(value)) {
    for (const [key, member] of Object.entries(value)) {
      const metadata = key === "//" && isObject(member) && isObject(member.metadata) ? member.metadata : undefined;
      if (metadata && Array.isArray(metadata.stackTrace)) into.set(at, metadata.stackTrace.map(String));
      else tracesIn(member, at === "" ? key : `${at}.${key}`, into);
    }
  }
  return into;
}

interface Frame {
  readonly name: string;
  readonly file: string;
  /** The source text the frame points at, from its column to the end of the line; undefined when unreadable. */
  readonly text: string | undefined;
}

const FRAME = /^(?:(.*) \()?([^()]+):(\d+):(\d+)\)?$/;

function frameOf(frame: string, source: SourceReader, lines: Map<string, string[] | undefined>): Frame {
  const match = FRAME.exec(frame);
  if (!match) return { name: frame, file: "", text: undefined };
  const [, name = "<anonymous>", file, line, column] = match;
  if (!lines.has(file)) lines.set(file, source(file)?.split("\n"));
  const text = lines.get(file)?.[Number(line) - 1]?.slice(Number(column) - 1).trim();
  return { name, file, text };
}

/** The key two frames share when they point at the same code; a frame whose file cannot be read matches only an equal frame. */
const frameKey = (frame: Frame, raw: string): string => (frame.text === undefined ? `raw:${raw}` : `${frame.file}\0${frame.text}`);

/** Index pairs of the longest common subsequence of two key lists. */
function commonSubsequence(before: readonly string[], after: readonly string[]): [number, number][] {
  const lengths = Array.from({ length: before.length + 1 }, () => new Array<number>(after.length + 1).fill(0));
  for (let i = before.length - 1; i >= 0; i--) {
    for (let j = after.length - 1; j >= 0; j--) {
      lengths[i][j] = before[i] === after[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < before.length && j < after.length; ) {
    if (before[i] === after[j]) pairs.push([i++, j++]);
    else if (lengths[i + 1][j] >= lengths[i][j + 1]) i++;
    else j++;
  }
  return pairs;
}

export interface CompareOptions {
  /** Repository files as the `before` output was synthesized from them (e.g. `git show <ref>:<file>`). */
  readonly beforeSource: SourceReader;
  /** Repository files as the `after` output was synthesized from them. */
  readonly afterSource: SourceReader;
  /** The most frames a trace keeps (MAX_FRAMES in synth/construct-stack-traces.ts): old frames past it may be cut. */
  readonly maxFrames: number;
}

/** Compares two synth output folders; see the module comment for what counts as the same. */
export function compareSynthOutputs(beforeDir: string, afterDir: string, options: CompareOptions): SynthComparison {
  const beforeFiles = filesUnder(beforeDir);
  const afterFiles = filesUnder(afterDir);
  const afterSet = new Set(afterFiles);
  const beforeSet = new Set(beforeFiles);
  const differentFiles: { file: string; firstDifference: string }[] = [];
  const mismatched: TraceDifference[] = [];
  const addedFrames: Record<string, number> = {};
  const lines = { before: new Map<string, string[] | undefined>(), after: new Map<string, string[] | undefined>() };
  let identicalFiles = 0;
  let compared = 0;
  let identical = 0;
  let movedOnly = 0;
  let withAddedFrames = 0;

  for (const file of beforeFiles.filter((candidate) => afterSet.has(candidate))) {
    const beforeBytes = readFileSync(join(beforeDir, file));
    const afterBytes = readFileSync(join(afterDir, file));
    const sameBytes = beforeBytes.equals(afterBytes);
    if (sameBytes) identicalFiles++;
    if (!file.endsWith(".json")) {
      if (!sameBytes) differentFiles.push({ file, firstDifference: "(bytes)" });
      continue;
    }
    const before = JSON.parse(beforeBytes.toString("utf8")) as Json;
    const after = JSON.parse(afterBytes.toString("utf8")) as Json;
    const difference = firstDifference(withoutTraces(before), withoutTraces(after), "");
    if (difference !== undefined) {
      differentFiles.push({ file, firstDifference: difference });
      continue;
    }
    // Same JSON without traces, so both hold traces at the same places.
    const afterTraces = tracesIn(after, "", new Map());
    for (const [at, beforeTrace] of tracesIn(before, "", new Map())) {
      const afterTrace = afterTraces.get(at) ?? [];
      compared++;
      if (beforeTrace.join("\n") === afterTrace.join("\n")) {
        identical++;
        continue;
      }
      const beforeFrames = beforeTrace.map((frame) => frameOf(frame, options.beforeSource, lines.before));
      const afterFrames = afterTrace.map((frame) => frameOf(frame, options.afterSource, lines.after));
      const pairs = commonSubsequence(
        beforeFrames.map((frame, index) => frameKey(frame, beforeTrace[index])),
        afterFrames.map((frame, index) => frameKey(frame, afterTrace[index])),
      );
      const matchedBefore = new Set(pairs.map(([index]) => index));
      const matchedAfter = new Set(pairs.map(([, index]) => index));
      // Old frames past the limit may fall off the bottom when frames were added above them.
      const firstUnmatched = beforeFrames.findIndex((_, index) => !matchedBefore.has(index));
      const onlyCutAtTheBottom =
        firstUnmatched === -1 || (afterTrace.length === options.maxFrames && beforeFrames.every((_, index) => index < firstUnmatched || !matchedBefore.has(index)));
      if (!onlyCutAtTheBottom) {
        mismatched.push({ file, at, before: beforeTrace, after: afterTrace });
        continue;
      }
      if (matchedBefore.size === beforeFrames.length && afterFrames.length === beforeFrames.length && pairs.every(([i, j]) => beforeFrames[i].name === afterFrames[j].name)) {
        movedOnly++;
        continue;
      }
      withAddedFrames++;
      afterFrames.forEach((frame, index) => {
        const key = `${frame.name} (${frame.file}): ${frame.text ?? "?"}`;
        if (!matchedAfter.has(index)) addedFrames[key] = (addedFrames[key] ?? 0) + 1;
      });
    }
  }
  return {
    onlyBefore: beforeFiles.filter((file) => !afterSet.has(file)),
    onlyAfter: afterFiles.filter((file) => !beforeSet.has(file)),
    identicalFiles,
    differentFiles,
    traces: { compared, identical, movedOnly, withAddedFrames, addedFrames, mismatched },
  };
}

/** The comparison as lines of text for a terminal. */
export function describeComparison(comparison: SynthComparison): string[] {
  const { traces } = comparison;
  const lines = [
    isEquivalent(comparison) ? "EQUIVALENT: same files, same JSON apart from creation traces, every old trace frame found again" : "DIFFERENT",
    `files byte-identical: ${comparison.identicalFiles}`,
    ...comparison.onlyBefore.map((file) => `only before: ${file}`),
    ...comparison.onlyAfter.map((file) => `only after: ${file}`),
    ...comparison.differentFiles.map(({ file, firstDifference }) => `differs beyond traces: ${file} at ${firstDifference}`),
    `creation traces: ${traces.compared} compared, ${traces.identical} identical, ${traces.movedOnly} moved only (line/column), ${traces.withAddedFrames} with frames added, ${traces.mismatched.length} mismatched`,
    ...Object.entries(traces.addedFrames)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => `  frame added: ${name} (${count} traces)`),
  ];
  for (const difference of traces.mismatched.slice(0, 20)) {
    lines.push(`mismatched trace: ${difference.file} ${difference.at}`, ...difference.before.map((frame) => `  - ${frame}`), ...difference.after.map((frame) => `  + ${frame}`));
  }
  return lines;
}
