import { isAbsolute, join, relative } from "node:path";
import { publishComment } from "../../../../review/src/notify/github/comments";
import type { Exec } from "../../../../review/src/exec";
import type { ActionDependencies, ActionResult } from "../../../../review/src/notify/github/entry";
import { COMMENT_LIMIT, STEP_SUMMARY_LIMIT, codeBlock, codeSpan, measureBytes } from "../../../../review/src/markdown";
import { getInput, InputError, type LogSink, readRunnerContext, type RunnerEnv, type RunnerFs, setOutput, toolEnvironment, workflowCommand } from "../../../../review/src/notify/github/runner";
import { locateFindings, type LocatedFinding, type LocatedToolError } from "../../../../review/src/tflint/locate-findings";
import { annotations, countBySeverity, failsOn, renderLintComment, type FailOn } from "../../../../review/src/tflint/markdown";
import { TflintReportError, parseTflintReport, type TflintReport } from "../../../../review/src/tflint/report";

const MARKER_RESERVE = 512;
export const DEFAULT_CONFIG = ".tflint.hcl";
const FAIL_ON: readonly FailOn[] = ["error", "warning", "notice", "none"];

/** The stack folder `npm run synth` writes for an environment. */
export const stackDirectoryOf = (environment: string): string => `cdktf.out/stacks/trading-platform-${environment}`;

export class TflintToolFailure extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = "TflintToolFailure";
  }
}

/**
 * Runs tflint in `directory` (absolute). Exit 0 = clean, 2 = issues found,
 * 1 = tflint failed; with 1 the JSON (if any) still carries `errors[]`.
 * Also used by `npm run preview`.
 */
export async function runTflint(options: {
  readonly exec: Exec;
  readonly env: RunnerEnv;
  readonly binary: string;
  readonly directory: string;
  /** Absolute config path, or undefined to use tflint's defaults. */
  readonly config?: string;
}): Promise<{ report: TflintReport; toolFailed: boolean }> {
  const configArgs = options.config ? ["--config", options.config] : [];
  const init = await options.exec(options.binary, ["--init", ...configArgs], { cwd: options.directory, env: toolEnvironment(options.env) });
  if (init.exitCode === 127) throw new TflintToolFailure(`${options.binary} was not found. Install it (terraform-linters/setup-tflint) or pass tflint-json.`, init.stderr);
  if (init.exitCode !== 0) throw new TflintToolFailure(`tflint --init failed (exit code ${init.exitCode}).`, `${init.stderr}\n${init.stdout}`.trim());
  const result = await options.exec(options.binary, ["--format", "json", ...configArgs], { cwd: options.directory, env: toolEnvironment(options.env) });
  if (result.exitCode !== 0 && result.exitCode !== 1 && result.exitCode !== 2) {
    throw new TflintToolFailure(`tflint failed (exit code ${result.exitCode}).`, `${result.stderr}\n${result.stdout}`.trim());
  }
  let report: TflintReport;
  try {
    report = parseTflintReport(result.stdout, "tflint output");
  } catch (error) {
    if (result.exitCode === 1) throw new TflintToolFailure("tflint failed (exit code 1).", `${result.stderr}\n${result.stdout}`.trim());
    throw error;
  }
  return { report, toolFailed: result.exitCode === 1 };
}

export interface LintOutcome {
  readonly findings: LocatedFinding[];
  readonly errors: LocatedToolError[];
}

/** Locates findings against files under `repoRoot`; `workingDirectory` is repository-relative. */
export function locate(report: TflintReport, fs: Pick<RunnerFs, "existsSync" | "readFileSync">, repoRoot: string, workingDirectory: string, log: LogSink): LintOutcome {
  return locateFindings(report, {
    workingDirectory,
    repoRoot,
    readFile: (path) => {
      const absolute = join(repoRoot, path);
      return fs.existsSync(absolute) ? fs.readFileSync(absolute, "utf8") : undefined;
    },
    warn: (message) => log(workflowCommand("warning", message)),
  });
}

export async function run(deps: ActionDependencies): Promise<ActionResult> {
  const { env, fs, log } = deps;
  try {
    const context = readRunnerContext(env, fs);
    const environment = getInput(env, "environment", { required: true });
    const failOn = getInput(env, "fail-on", { default: "error" }).toLowerCase() as FailOn;
    if (!FAIL_ON.includes(failOn)) throw new InputError(`Input "fail-on": found "${failOn}", expected one of ${FAIL_ON.join(", ")}.`);
    const repoRoot = deps.cwd;
    const resolvePath = (path: string) => (isAbsolute(path) ? path : join(repoRoot, path));
    const workingInput = getInput(env, "working-directory", { default: stackDirectoryOf(environment) });
    const workingDirectory = isAbsolute(workingInput) ? relative(repoRoot, workingInput) || "." : workingInput;
    const token = getInput(env, "github-token");
    const client = token ? deps.createClient({ baseUrl: context.apiUrl, token, log }) : undefined;
    const publish = (content: string, summary?: string) =>
      publishComment({ client, context, fs, log, kind: "lint", environment, content, summary, sleep: deps.sleep });

    let report: TflintReport;
    let toolFailed = false;
    const givenJson = getInput(env, "tflint-json");
    if (givenJson) {
      const path = resolvePath(givenJson);
      if (!fs.existsSync(path)) throw new InputError(`tflint-json: ${givenJson} does not exist.`);
      report = parseTflintReport(fs.readFileSync(path, "utf8"), givenJson);
    } else {
      const configInput = getInput(env, "config");
      const config = resolvePath(configInput || DEFAULT_CONFIG);
      if (!fs.existsSync(config)) {
        if (configInput) throw new InputError(`config: ${configInput} does not exist.`);
        log(`No ${DEFAULT_CONFIG} at the repository root: tflint runs with its defaults.`);
      }
      const directory = resolvePath(workingDirectory);
      if (!fs.existsSync(directory)) throw new InputError(`working-directory: ${workingDirectory} does not exist (run synth first).`);
      try {
        ({ report, toolFailed } = await runTflint({
          exec: deps.exec,
          env,
          binary: getInput(env, "tflint", { default: "tflint" }),
          directory,
          config: fs.existsSync(config) ? config : undefined,
        }));
      } catch (error) {
        if (!(error instanceof TflintToolFailure)) throw error;
        await publish(`### 🔎 tflint · ${codeSpan(environment)}\n\n❌ **${error.message}**\n\n${codeBlock(error.output.slice(-20_000) || "(no output)")}`);
        log(workflowCommand("error", `${error.message}\n${error.output.slice(-4_000)}`, { title: "tflint" }));
        return { ok: false };
      }
    }

    const { findings, errors } = locate(report, fs, repoRoot, workingDirectory, log);
    for (const line of annotations(findings, errors)) log(line);
    const blobUrl = context.sha ? `${context.serverUrl}/${context.owner}/${context.repo}/blob/${context.sha}` : undefined;
    const render = (limit: number, measure?: (text: string) => number) =>
      renderLintComment(findings, errors, { environment, failOn, limit, measure, blobUrl, runUrl: context.runUrl });
    const result = await publish(render(COMMENT_LIMIT - MARKER_RESERVE), render(STEP_SUMMARY_LIMIT / 2, measureBytes));
    log(`Lint comment: ${result.status}${"commentId" in result ? ` (${result.commentId})` : ""}.`);

    const counts = countBySeverity(findings);
    setOutput(context, fs, "errors", String(counts.errors), log);
    setOutput(context, fs, "warnings", String(counts.warnings), log);
    setOutput(context, fs, "notices", String(counts.notices), log);
    if (toolFailed || errors.length > 0) {
      log(workflowCommand("error", `tflint reported ${errors.length || "an"} error${errors.length === 1 ? "" : "s"} of its own: the code was not fully linted.`, { title: "tflint" }));
      return { ok: false };
    }
    if (failsOn(failOn, findings)) {
      log(workflowCommand("error", `tflint: ${counts.errors} errors, ${counts.warnings} warnings, ${counts.notices} notices (fail-on: ${failOn}).`, { title: "tflint" }));
      return { ok: false };
    }
    return { ok: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(workflowCommand("error", message, { title: error instanceof TflintReportError ? "tflint output unreadable" : "lint" }));
    return { ok: false };
  }
}
