// The lint review: run tflint (or read its JSON), place every finding on its
// resource, construct and TypeScript line, annotate, render, publish. The
// lint action and `npm run preview` both run it.
import { isAbsolute, join, relative } from "node:path";
import type { ReviewDependencies, ReviewFs } from "../dependencies";
import { InputError } from "../input-error";
import { COMMENT_LIMIT, STEP_SUMMARY_LIMIT, measureBytes } from "../markdown";
import type { Publisher, Report } from "../notify/publisher";
import { locateFindings, type LocatedFinding, type LocatedToolError } from "./locate-findings";
import { annotations, countBySeverity, failsOn, renderLintComment, renderLintError, type FailOn } from "./markdown";
import { TflintReportError, parseTflintReport, type TflintReport } from "./report";
import { DEFAULT_CONFIG, TflintToolFailure, runTflint } from "./run-tflint";
import { renderLintErrorText, renderLintText } from "./text";

const MARKER_RESERVE = 512;
export const FAIL_ON: readonly FailOn[] = ["error", "warning", "notice", "none"];

/** The stack folder `npm run synth` writes for an environment. */
export const stackDirectoryOf = (environment: string): string => `cdktf.out/stacks/trading-platform-${environment}`;

export interface LintReviewRequest {
  readonly environment: string;
  /** Lowest severity that fails the check: error, warning, notice or none (checked here). */
  readonly failOn: string;
  /** The stack folder tflint runs in; relative to `cwd` (the repository root) or absolute. */
  readonly workingDirectory: string;
  /** An existing `tflint --format json` output, relative to `cwd`; tflint is then not run. */
  readonly tflintJson?: string;
  /** The tflint configuration asked for; without it, .tflint.hcl at the repository root when it exists. */
  readonly config?: string;
  /** The tflint binary. */
  readonly tflint: string;
}

export type LintReviewResult =
  | { readonly ok: boolean; readonly outcome: "passed" | "findings-fail" | "tool-errors"; readonly findings: readonly LocatedFinding[]; readonly errors: readonly LocatedToolError[] }
  | { readonly ok: false; readonly outcome: "not-run"; readonly reason: string };

export interface LintOutcome {
  readonly findings: LocatedFinding[];
  readonly errors: LocatedToolError[];
}

/** Locates findings against files under `repoRoot`; `workingDirectory` is repository-relative. */
export function locate(report: TflintReport, fs: Pick<ReviewFs, "existsSync" | "readFileSync">, repoRoot: string, workingDirectory: string, publisher: Pick<Publisher, "annotate">): LintOutcome {
  return locateFindings(report, {
    workingDirectory,
    repoRoot,
    readFile: (path) => {
      const absolute = join(repoRoot, path);
      return fs.existsSync(absolute) ? fs.readFileSync(absolute, "utf8") : undefined;
    },
    warn: (message) => publisher.annotate({ level: "warning", message }),
  });
}

export async function reviewLint(request: LintReviewRequest, dependencies: ReviewDependencies, publisher: Publisher): Promise<LintReviewResult> {
  const { fs, cwd: repoRoot } = dependencies;
  const { environment } = request;
  try {
    const failOn = request.failOn.toLowerCase() as FailOn;
    if (!FAIL_ON.includes(failOn)) throw new InputError(`Input "fail-on": found "${failOn}", expected one of ${FAIL_ON.join(", ")}.`);
    const resolvePath = (path: string) => (isAbsolute(path) ? path : join(repoRoot, path));
    const workingDirectory = isAbsolute(request.workingDirectory) ? relative(repoRoot, request.workingDirectory) || "." : request.workingDirectory;

    let report: TflintReport;
    let toolFailed = false;
    if (request.tflintJson) {
      const path = resolvePath(request.tflintJson);
      if (!fs.existsSync(path)) throw new InputError(`tflint-json: ${request.tflintJson} does not exist.`);
      report = parseTflintReport(fs.readFileSync(path, "utf8"), request.tflintJson);
    } else {
      const config = resolvePath(request.config || DEFAULT_CONFIG);
      if (!fs.existsSync(config)) {
        if (request.config) throw new InputError(`config: ${request.config} does not exist.`);
        publisher.log(`No ${DEFAULT_CONFIG} at the repository root: tflint runs with its defaults.`);
      }
      const directory = resolvePath(workingDirectory);
      if (!fs.existsSync(directory)) throw new InputError(`working-directory: ${workingDirectory} does not exist (run synth first).`);
      try {
        ({ report, toolFailed } = await runTflint({ exec: dependencies.exec, env: dependencies.env, binary: request.tflint, directory, config: fs.existsSync(config) ? config : undefined }));
      } catch (error) {
        if (!(error instanceof TflintToolFailure)) throw error;
        const markdown = renderLintError(environment, error.message, error.output);
        const toolError = error;
        await publisher.publish(lintReport(environment, { comment: markdown, summary: markdown }, (style) => renderLintErrorText(environment, toolError.message, toolError.output, style)));
        publisher.annotate({ level: "error", message: `${error.message}\n${error.output.slice(-4_000)}`, title: "tflint" });
        return { ok: false, outcome: "not-run", reason: error.message };
      }
    }

    const { findings, errors } = locate(report, fs, repoRoot, workingDirectory, publisher);
    for (const annotation of annotations(findings, errors)) publisher.annotate({ ...annotation, shownInReport: true });
    const render = (limit: number, measure?: (text: string) => number) =>
      renderLintComment(findings, errors, { environment, failOn, limit, measure, blobUrl: publisher.links.blob, runUrl: publisher.links.run });
    await publisher.publish(
      lintReport(environment, { comment: render(COMMENT_LIMIT - MARKER_RESERVE), summary: render(STEP_SUMMARY_LIMIT / 2, measureBytes) }, (style) => renderLintText(findings, errors, { environment, failOn, style })),
    );

    const counts = countBySeverity(findings);
    publisher.output("errors", String(counts.errors));
    publisher.output("warnings", String(counts.warnings));
    publisher.output("notices", String(counts.notices));
    if (toolFailed || errors.length > 0) {
      publisher.annotate({ level: "error", message: `tflint reported ${errors.length || "an"} error${errors.length === 1 ? "" : "s"} of its own: the code was not fully linted.`, title: "tflint" });
      return { ok: false, outcome: "tool-errors", findings, errors };
    }
    if (failsOn(failOn, findings)) {
      publisher.annotate({ level: "error", message: `tflint: ${counts.errors} errors, ${counts.warnings} warnings, ${counts.notices} notices (fail-on: ${failOn}).`, title: "tflint" });
      return { ok: false, outcome: "findings-fail", findings, errors };
    }
    return { ok: true, outcome: "passed", findings, errors };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    publisher.annotate({ level: "error", message, title: error instanceof TflintReportError ? "tflint output unreadable" : "lint" });
    return { ok: false, outcome: "not-run", reason: message };
  }
}

const lintReport = (environment: string, rendering: { comment: string; summary: string }, text: Report["text"]): Report => ({ kind: "lint", environment, markdown: () => rendering, text });
