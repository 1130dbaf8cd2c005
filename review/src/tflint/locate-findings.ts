import { posix } from "node:path";
import {
  blockNamedInMessage,
  indexStackJson,
  sourceChainFromStackTrace,
  type SourceLocation,
  type StackJsonIndex,
} from "../construct-sources";
import type { SourceRange, TflintFinding, TflintReport, TflintToolError } from "./report";

/** Where a finding is, in every form a reviewer might use. */
export interface FindingLocation {
  /** Repository-relative path of the linted file and the line tflint gave (0 = file-level). */
  readonly lintedFile?: string;
  readonly lintedLine: number;
  /** Terraform address of the block around the line (or named in the message when the line is 0). */
  readonly address?: string;
  readonly constructPath?: string;
  /**
   * The TypeScript line to change: the innermost frame of the creation trace
   * that no other resource's trace passes through (the caller that passed this
   * resource its values), else the line that created it.
   */
  readonly source?: SourceLocation;
  /** The creation trace's `stacks/` frames, innermost (the helper) first, without the frames every resource shares (the app's entry). */
  readonly chain?: readonly SourceLocation[];
}

export interface LocatedFinding extends FindingLocation {
  readonly finding: TflintFinding;
}

export interface LocatedToolError extends FindingLocation {
  readonly error: TflintToolError;
}

export interface LocateOptions {
  /** The folder tflint ran in, relative to the repository root (`cdktf.out/stacks/trading-platform-dev`). */
  readonly workingDirectory: string;
  /** Reads a repository-relative file; undefined when it does not exist. */
  readonly readFile: (repoRelativePath: string) => string | undefined;
  /** Absolute repository root, to relativize absolute stack-trace frames. */
  readonly repoRoot?: string;
  /** Reports a JSON file that could not be indexed (the finding keeps its raw file:line). */
  readonly warn?: (message: string) => void;
}

/** Maps tflint's ranges in the generated JSON to addresses, construct paths and TypeScript lines. */
export function locateFindings(report: TflintReport, options: LocateOptions): { findings: LocatedFinding[]; errors: LocatedToolError[] } {
  const indexes = new Map<string, StackJsonIndex | undefined>();
  const indexFor = (file: string): StackJsonIndex | undefined => {
    if (!file.endsWith(".json")) return undefined;
    if (!indexes.has(file)) {
      const text = options.readFile(file);
      let index: StackJsonIndex | undefined;
      if (text !== undefined) {
        try {
          index = indexStackJson(text, file);
        } catch (error) {
          options.warn?.(`${file}: cannot map findings to resources (${error instanceof Error ? error.message : String(error)})`);
        }
      }
      indexes.set(file, index);
    }
    return indexes.get(file);
  };

  const locate = (range: SourceRange | undefined, message: string): FindingLocation => {
    if (!range || range.filename === "") return { lintedLine: 0 };
    const filename = range.filename.replace(/\\/g, "/");
    const root = options.repoRoot?.replace(/\\/g, "/").replace(/\/+$/, "");
    const lintedFile =
      posix.isAbsolute(filename) && root && filename.startsWith(`${root}/`)
        ? filename.slice(root.length + 1)
        : posix.normalize(posix.join(options.workingDirectory.replace(/\\/g, "/"), filename));
    const index = indexFor(lintedFile);
    const block = index ? (range.line > 0 ? index.blockAtLine(range.line) : blockNamedInMessage(index, message)) : undefined;
    const { chain, source } = index && block ? traceOf(index, block.address, block.stackTrace) : { chain: [], source: undefined };
    return {
      lintedFile,
      lintedLine: range.line,
      address: block?.address,
      constructPath: block?.constructPath,
      source,
      ...(chain.length > 0 ? { chain } : {}),
    };
  };

  // How many blocks each `file:line` of a creation trace is on, overall and among blocks of the same resource type.
  const uses = new Map<StackJsonIndex, { all: Map<string, number>; byType: Map<string, number>; traced: number }>();
  const usesOf = (index: StackJsonIndex) => {
    let entry = uses.get(index);
    if (!entry) {
      entry = { all: new Map(), byType: new Map(), traced: 0 };
      for (const candidate of index.blocks) {
        const keys = new Set(sourceChainFromStackTrace(candidate.stackTrace, options.repoRoot).map(frameKey));
        if (keys.size > 0) entry.traced += 1;
        for (const key of keys) {
          entry.all.set(key, (entry.all.get(key) ?? 0) + 1);
          const typed = `${typeOf(candidate.address)} ${key}`;
          entry.byType.set(typed, (entry.byType.get(typed) ?? 0) + 1);
        }
      }
      uses.set(index, entry);
    }
    return entry;
  };
  const traceOf = (index: StackJsonIndex, address: string, stackTrace: readonly string[] | undefined): { chain: SourceLocation[]; source: SourceLocation | undefined } => {
    const full = sourceChainFromStackTrace(stackTrace, options.repoRoot);
    if (full.length === 0) return { chain: [], source: undefined };
    const { all, byType, traced } = usesOf(index);
    // Frames every traced resource passes through (the app's entry, the synth) say nothing about this one.
    const chain = traced > 1 ? full.filter((frame, position) => position === 0 || (all.get(frameKey(frame)) ?? 0) < traced) : full;
    // A helper that creates every alarm (or bucket) is shared by all resources of the type; the first frame that
    // only this one of its type passes through is where its own values were given.
    const source = chain.find((frame) => byType.get(`${typeOf(address)} ${frameKey(frame)}`) === 1) ?? chain[0];
    return { chain, source };
  };

  return {
    findings: report.issues.map((finding) => ({ finding, ...locate(finding.range, finding.message) })),
    errors: report.errors.map((error) => ({ error, ...locate(error.range, `${error.summary} ${error.message}`) })),
  };
}

/** `aws_s3_bucket.logs` → `aws_s3_bucket`; `data.aws_iam_policy_document.x` → `data.aws_iam_policy_document`. */
const typeOf = (address: string): string => address.replace(/\.[^.]*$/, "");
const frameKey = (frame: SourceLocation): string => `${frame.file}:${frame.line}`;
