import { isAbsolute, join, relative } from "node:path";
import { publishComment } from "../../../../review/src/notify/github/comments";
import type { Exec } from "../../../../review/src/exec";
import type { ActionDependencies, ActionResult } from "../../../../review/src/notify/github/entry";
import { COMMENT_LIMIT, STEP_SUMMARY_LIMIT, codeBlock, codeSpan, measureBytes } from "../../../../review/src/markdown";
import { createMasker } from "../../../../review/src/mask";
import { appendSummary, getInput, InputError, readRunnerContext, type RunnerEnv, type RunnerFs, setOutput, toolEnvironment, workflowCommand } from "../../../../review/src/notify/github/runner";
import { InfracostReportError, parseInfracostReport, type CostReport } from "../../../../review/src/infracost/report";
import { renderCostComment } from "../../../../review/src/infracost/markdown";

/** Room for the hidden marker line the sticky comment adds. */
const MARKER_RESERVE = 512;

export const DEFAULT_USAGE_FILE = "infracost-usage.yml";

export interface InfracostRun {
  /** The report text, or undefined when infracost was skipped (reason given). */
  readonly json?: string;
  readonly skipped?: string;
  readonly usageFile?: string;
}

/**
 * Runs `infracost breakdown` on a plan JSON. Without INFRACOST_API_KEY (a
 * fork's pull request gets no secrets) the estimate is skipped, not failed.
 * Also used by `npm run preview`.
 */
export async function runInfracost(options: {
  readonly exec: Exec;
  readonly fs: Pick<RunnerFs, "existsSync">;
  readonly env: RunnerEnv;
  readonly binary: string;
  readonly planJson: string;
  /** Absolute path of the usage file. */
  readonly usageFile: string;
  /** Whether the usage file was asked for explicitly (then it must exist). */
  readonly usageFileRequired: boolean;
  readonly cwd: string;
  /** Whether infracost has an API key; by default, whether INFRACOST_API_KEY is set (a workstation may keep it in infracost's own credentials file). */
  readonly apiKeyAvailable?: boolean;
}): Promise<InfracostRun> {
  if (!(options.apiKeyAvailable ?? Boolean(options.env.INFRACOST_API_KEY))) {
    return { skipped: "INFRACOST_API_KEY is not set (a fork's pull request gets no secrets), so there is no cost estimate" };
  }
  if (!options.fs.existsSync(options.planJson)) throw new InputError(`plan-json: ${options.planJson} does not exist.`);
  const args = ["breakdown", "--path", options.planJson, "--format", "json", "--no-color"];
  let usageFile: string | undefined;
  if (options.fs.existsSync(options.usageFile)) {
    usageFile = options.usageFile;
    args.push("--usage-file", usageFile);
  } else if (options.usageFileRequired) {
    throw new InputError(`usage-file: ${options.usageFile} does not exist.`);
  }
  const result = await options.exec(options.binary, args, { cwd: options.cwd, env: toolEnvironment(options.env) });
  const mask = createMasker([options.env.INFRACOST_API_KEY ?? ""]);
  if (result.exitCode === 127) {
    throw new ToolError(`${options.binary} was not found. Install it (infracost/actions/setup) or pass infracost-json.`, mask(result.stderr));
  }
  if (result.exitCode !== 0) {
    throw new ToolError(`infracost breakdown failed (exit code ${result.exitCode}).`, mask(`${result.stderr}\n${result.stdout}`.trim()));
  }
  return { json: result.stdout, usageFile };
}

/** The tool ran and failed: the output is shown in the comment. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = "ToolError";
  }
}

export interface RenderedCost {
  readonly comment: string;
  readonly summary: string;
}

export function renderCost(report: CostReport, environment: string, options: { runUrl?: string; usageFile?: string }): RenderedCost {
  return {
    comment: renderCostComment(report, { environment, limit: COMMENT_LIMIT - MARKER_RESERVE, runUrl: options.runUrl, usageFile: options.usageFile }),
    summary: renderCostComment(report, {
      environment,
      limit: STEP_SUMMARY_LIMIT / 2,
      measure: measureBytes,
      topResources: Number.POSITIVE_INFINITY,
      runUrl: options.runUrl,
      usageFile: options.usageFile,
    }),
  };
}

export async function run(deps: ActionDependencies): Promise<ActionResult> {
  const { env, fs, log } = deps;
  try {
    const context = readRunnerContext(env, fs);
    const environment = getInput(env, "environment", { required: true });
    const workspace = deps.cwd;
    const resolvePath = (path: string) => (isAbsolute(path) ? path : join(workspace, path));
    const token = getInput(env, "github-token");
    const client = token ? deps.createClient({ baseUrl: context.apiUrl, token, log }) : undefined;
    const publish = (content: string, summary?: string) =>
      publishComment({ client, context, fs, log, kind: "cost", environment, content, summary, sleep: deps.sleep });

    const givenJson = getInput(env, "infracost-json");
    let reportText: string;
    let source: string;
    let usageFile: string | undefined;
    if (givenJson) {
      const path = resolvePath(givenJson);
      if (!fs.existsSync(path)) throw new InputError(`infracost-json: ${givenJson} does not exist.`);
      reportText = fs.readFileSync(path, "utf8");
      source = givenJson;
    } else {
      const planJson = getInput(env, "plan-json");
      if (!planJson) throw new InputError('Input "plan-json" (a `terraform show -json` file) or "infracost-json" is required.');
      const usageInput = getInput(env, "usage-file");
      let outcome: InfracostRun;
      try {
        outcome = await runInfracost({
          exec: deps.exec,
          fs,
          env,
          binary: getInput(env, "infracost", { default: "infracost" }),
          planJson: resolvePath(planJson),
          usageFile: resolvePath(usageInput || DEFAULT_USAGE_FILE),
          usageFileRequired: usageInput !== "",
          cwd: workspace,
        });
      } catch (error) {
        if (!(error instanceof ToolError)) throw error;
        const body = `### 💰 Cost estimate · ${codeSpan(environment)}\n\n❌ **${error.message}**\n\n${codeBlock(error.output.slice(-20_000) || "(no output)")}`;
        await publish(body);
        log(workflowCommand("error", `${error.message}\n${error.output.slice(-4_000)}`, { title: "infracost" }));
        return { ok: false };
      }
      if (outcome.skipped) {
        log(workflowCommand("notice", `Cost estimate for ${environment} skipped: ${outcome.skipped}.`, { title: "infracost" }));
        appendSummary(context, fs, `### 💰 Cost estimate · ${codeSpan(environment)}\n\nSkipped: ${outcome.skipped}.`, log);
        setOutput(context, fs, "monthly-cost", "", log);
        setOutput(context, fs, "monthly-delta", "", log);
        return { ok: true };
      }
      reportText = outcome.json!;
      source = "infracost output";
      usageFile = outcome.usageFile ? relative(workspace, outcome.usageFile) || outcome.usageFile : undefined;
    }

    const report = parseInfracostReport(reportText, source);
    for (const project of report.projects) {
      for (const error of project.errors) {
        log(workflowCommand("warning", `${project.name}: ${error.message}`, { title: "infracost could not estimate a project" }));
      }
    }
    const rendered = renderCost(report, environment, { runUrl: context.runUrl, usageFile });
    const result = await publish(rendered.comment, rendered.summary);
    log(`Cost comment: ${result.status}${"commentId" in result ? ` (${result.commentId})` : ""}.`);
    setOutput(context, fs, "monthly-cost", report.monthlyCost?.toString() ?? "", log);
    setOutput(context, fs, "monthly-delta", report.monthlyDelta?.toString() ?? "", log);
    return { ok: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(workflowCommand("error", message, { title: error instanceof InfracostReportError ? "infracost output unreadable" : "cost" }));
    return { ok: false };
  }
}
