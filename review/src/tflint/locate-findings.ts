import { posix } from "node:path";
import {
  blockNamedInMessage,
  indexStackJson,
  sourceLocationFromStackTrace,
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
  /** The TypeScript line that created the resource. */
  readonly source?: SourceLocation;
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
    return {
      lintedFile,
      lintedLine: range.line,
      address: block?.address,
      constructPath: block?.constructPath,
      source: sourceLocationFromStackTrace(block?.stackTrace, options.repoRoot),
    };
  };

  return {
    findings: report.issues.map((finding) => ({ finding, ...locate(finding.range, finding.message) })),
    errors: report.errors.map((error) => ({ error, ...locate(error.range, `${error.summary} ${error.message}`) })),
  };
}
