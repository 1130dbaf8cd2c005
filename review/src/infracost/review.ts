// The cost review: price the plan with infracost (or read its JSON), render,
// publish. The cost action and `npm run preview` both run it.
import { isAbsolute, join, relative } from "node:path";
import type { ReviewDependencies } from "../dependencies";
import { InputError } from "../input-error";
import type { Publisher, Report } from "../notify/publisher";
import { renderCost, renderCostError, renderCostSkipped } from "./markdown";
import { InfracostReportError, parseInfracostReport, type CostReport } from "./report";
import { renderCostErrorText, renderCostSkippedText, renderCostText } from "./text";
import { DEFAULT_USAGE_FILE, ToolError, runInfracost, type InfracostRun } from "./run-infracost";

export interface CostReviewRequest {
  readonly environment: string;
  /** An existing `infracost breakdown --format json` output, relative to `cwd`; infracost is then not run. */
  readonly infracostJson?: string;
  /** The `terraform show -json` plan to price, relative to `cwd`. */
  readonly planJson?: string;
  /** The usage file asked for (relative to `cwd`); without it, infracost-usage.yml when it exists. */
  readonly usageFile?: string;
  /** The infracost binary. */
  readonly infracost: string;
  /** Whether infracost has an API key; by default, whether INFRACOST_API_KEY is set. */
  readonly apiKeyAvailable?: boolean;
}

export type CostReviewResult =
  | { readonly ok: true; readonly report?: CostReport; readonly skipped?: string }
  | { readonly ok: false; readonly reason: string };

export async function reviewCost(request: CostReviewRequest, dependencies: ReviewDependencies, publisher: Publisher): Promise<CostReviewResult> {
  const { fs, cwd } = dependencies;
  const { environment } = request;
  try {
    const resolvePath = (path: string) => (isAbsolute(path) ? path : join(cwd, path));
    let reportText: string;
    let source: string;
    let usageFile: string | undefined;
    if (request.infracostJson) {
      const path = resolvePath(request.infracostJson);
      if (!fs.existsSync(path)) throw new InputError(`infracost-json: ${request.infracostJson} does not exist.`);
      reportText = fs.readFileSync(path, "utf8");
      source = request.infracostJson;
    } else {
      if (!request.planJson) throw new InputError('Input "plan-json" (a `terraform show -json` file) or "infracost-json" is required.');
      let outcome: InfracostRun;
      try {
        outcome = await runInfracost({
          exec: dependencies.exec,
          fs,
          env: dependencies.env,
          binary: request.infracost,
          planJson: resolvePath(request.planJson),
          usageFile: resolvePath(request.usageFile || DEFAULT_USAGE_FILE),
          usageFileRequired: Boolean(request.usageFile),
          cwd,
          apiKeyAvailable: request.apiKeyAvailable,
        });
      } catch (error) {
        if (!(error instanceof ToolError)) throw error;
        const markdown = renderCostError(environment, error.message, error.output);
        const toolError = error;
        await publisher.publish(costReport(environment, { comment: markdown, summary: markdown }, (style) => renderCostErrorText(environment, toolError.message, toolError.output, style)));
        publisher.annotate({ level: "error", message: `${error.message}\n${error.output.slice(-4_000)}`, title: "infracost" });
        return { ok: false, reason: error.message };
      }
      if (outcome.skipped) {
        publisher.annotate({ level: "notice", message: `Cost estimate for ${environment} skipped: ${outcome.skipped}.`, title: "infracost" });
        const markdown = renderCostSkipped(environment, outcome.skipped);
        const reason = outcome.skipped;
        await publisher.summarize(costReport(environment, { comment: markdown, summary: markdown }, (style) => renderCostSkippedText(environment, reason, style)));
        publisher.output("monthly-cost", "");
        publisher.output("monthly-delta", "");
        return { ok: true, skipped: outcome.skipped };
      }
      reportText = outcome.json!;
      source = "infracost output";
      usageFile = outcome.usageFile ? relative(cwd, outcome.usageFile) || outcome.usageFile : undefined;
    }

    const report = parseInfracostReport(reportText, source);
    for (const project of report.projects) {
      for (const error of project.errors) {
        publisher.annotate({ level: "warning", message: `${project.name}: ${error.message}`, title: "infracost could not estimate a project", shownInReport: true });
      }
    }
    const rendered = renderCost(report, environment, { runUrl: publisher.links.run, usageFile });
    await publisher.publish(costReport(environment, rendered, (style) => renderCostText(report, { environment, usageFile, style })));
    publisher.output("monthly-cost", report.monthlyCost?.toString() ?? "");
    publisher.output("monthly-delta", report.monthlyDelta?.toString() ?? "");
    return { ok: true, report };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    publisher.annotate({ level: "error", message, title: error instanceof InfracostReportError ? "infracost output unreadable" : "cost" });
    return { ok: false, reason: message };
  }
}

const costReport = (environment: string, rendering: { comment: string; summary: string }, text: Report["text"]): Report => ({ kind: "cost", environment, markdown: () => rendering, text });
