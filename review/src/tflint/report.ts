export type Severity = "error" | "warning" | "notice";

export interface SourceRange {
  readonly filename: string;
  /** 1-based; 0 when tflint could not place the finding (file-level). */
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
}

export interface TflintFinding {
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
  readonly link?: string;
  readonly range?: SourceRange;
  /** Module call chain, outermost call first (tflint `callers[]`). */
  readonly callers: readonly SourceRange[];
  readonly fixable: boolean;
}

/** A problem tflint itself hit (bad config, unparsable file): not a finding about the code. */
export interface TflintToolError {
  readonly summary: string;
  readonly message: string;
  readonly severity: Severity;
  readonly range?: SourceRange;
}

export interface TflintReport {
  readonly issues: readonly TflintFinding[];
  readonly errors: readonly TflintToolError[];
}

export class TflintReportError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = "TflintReportError";
  }
}

type Json = Record<string, unknown>;

const SEVERITIES: Record<string, Severity> = { error: "error", warning: "warning", notice: "notice", info: "notice" };

/**
 * Reads `tflint --format json` output. `source` names the file in error
 * messages; a wrong shape names the field and what was found.
 */
export function parseTflintReport(text: string, source = "tflint JSON"): TflintReport {
  const fail = (path: string, found: unknown, expected: string): never => {
    const shown = typeof found === "string" ? `"${found.slice(0, 40)}"` : found === null ? "null" : Array.isArray(found) ? "an array" : typeof found;
    throw new TflintReportError(source, `${path}: found ${shown}, expected ${expected}`);
  };
  const object = (value: unknown, path: string): Json => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) fail(path, value, "an object");
    return value as Json;
  };
  const array = (value: unknown, path: string): unknown[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) fail(path, value, "an array");
    return value as unknown[];
  };
  const string = (value: unknown, path: string): string => {
    if (typeof value !== "string") fail(path, value, "a string");
    return value as string;
  };
  const severity = (value: unknown, path: string): Severity => {
    const known = typeof value === "string" ? SEVERITIES[value.toLowerCase()] : undefined;
    if (!known) fail(path, value, `one of ${Object.keys(SEVERITIES).join(", ")}`);
    return known!;
  };
  const position = (value: unknown, path: string): { line: number; column: number } => {
    if (value === undefined || value === null) return { line: 0, column: 0 };
    const entry = object(value, path);
    const line = entry.line ?? 0;
    const column = entry.column ?? 0;
    if (typeof line !== "number" || !Number.isInteger(line) || line < 0) fail(`${path}.line`, line, "a non-negative integer");
    if (typeof column !== "number" || !Number.isInteger(column) || column < 0) fail(`${path}.column`, column, "a non-negative integer");
    return { line: line as number, column: column as number };
  };
  const range = (value: unknown, path: string): SourceRange | undefined => {
    if (value === undefined || value === null) return undefined;
    const entry = object(value, path);
    const start = position(entry.start, `${path}.start`);
    const end = position(entry.end, `${path}.end`);
    return { filename: typeof entry.filename === "string" ? entry.filename : "", line: start.line, column: start.column, endLine: Math.max(end.line, start.line) };
  };

  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ");
    throw new TflintReportError(source, `not valid JSON (${detail}); it starts with ${JSON.stringify(text.trimStart().slice(0, 30))}`);
  }
  const root = object(document, "(root)");
  if (!("issues" in root) && !("errors" in root)) fail("(root)", root, "`issues` and `errors` arrays (is this `tflint --format json` output?)");

  const issues = array(root.issues, "issues").map((value, index): TflintFinding => {
    const path = `issues[${index}]`;
    const issue = object(value, path);
    const rule = object(issue.rule, `${path}.rule`);
    const link = rule.link;
    return {
      rule: string(rule.name, `${path}.rule.name`),
      severity: severity(rule.severity, `${path}.rule.severity`),
      message: string(issue.message, `${path}.message`),
      link: typeof link === "string" && link !== "" ? link : undefined,
      range: range(issue.range, `${path}.range`),
      callers: array(issue.callers, `${path}.callers`).map((caller, callerIndex) => range(caller, `${path}.callers[${callerIndex}]`)!),
      fixable: issue.fixable === true,
    };
  });
  const errors = array(root.errors, "errors").map((value, index): TflintToolError => {
    const path = `errors[${index}]`;
    const error = object(value, path);
    return {
      summary: typeof error.summary === "string" ? error.summary : "",
      message: string(error.message, `${path}.message`),
      severity: error.severity === undefined ? "error" : severity(error.severity, `${path}.severity`),
      range: range(error.range, `${path}.range`),
    };
  });
  return { issues, errors };
}
