// The deploy gate: applies the saved plan only when it is the plan reviewers
// saw on the merged pull request (equal plan digests), and reports the
// outcome on that pull request and in the step summary.
import { join } from "node:path";
import { type ReviewDependencies, toolEnvironment } from "../dependencies";
import { InputError } from "../input-error";
import { createMasker } from "../mask";
import type { GitHubClient } from "../notify/github/client";
import type { Publisher, Report } from "../notify/publisher";
import { planDigest } from "../terraform/plan-digest";
import { PlanParseError, parsePlanJson, type PlanModel } from "../terraform/plan-model";
import { renderApplied, renderApplyFailed, renderNotApplied, renderUpToDate } from "./markdown";
import { lastLines } from "../text";
import { renderMismatch } from "./plan-difference";
import { renderAppliedText, renderApplyFailedText, renderMismatchText, renderNotAppliedText, renderUpToDateText } from "./text";
import { type ChangeSummary, type MergedPullRequest, ReviewedPlanError, findMergedPullRequest, readReviewedPlan } from "./reviewed-plan";

export const DEFAULT_PLAN_FILE = "deploy.tfplan";

export interface ApplyRequest {
  readonly environment: string;
  /** The pushed branch (GITHUB_REF_NAME) the pull request was merged into. */
  readonly branch: string;
  /** The pushed commit (GITHUB_SHA). */
  readonly sha: string;
  /** The stack folder holding the plan file, absolute; `workingDirectory` as given, for messages. */
  readonly directory: string;
  readonly workingDirectory: string;
  readonly planFile: string;
  /** Only plan comments by this login count as reviewed. */
  readonly author: string;
  readonly terraform: string;
  /** Strings to mask in terraform's output. */
  readonly mask: readonly string[];
}

/** Where the reviewed plan is read: the repository's pull requests and comments. */
export interface ReviewedPlanSource {
  readonly client: GitHubClient;
  readonly owner: string;
  readonly repo: string;
}

/** The last lines of a long tool output: the error is at the end. */

const changeSummaries = (model: PlanModel): ChangeSummary[] => model.resourceChanges.map((change) => ({ address: change.address, actions: [...change.rawActions] }));

export async function applyReviewedPlan(request: ApplyRequest, dependencies: ReviewDependencies, github: ReviewedPlanSource, publisher: Publisher): Promise<{ ok: boolean }> {
  const { fs } = dependencies;
  const { environment, planFile } = request;
  try {
    if (!request.branch) throw new InputError("GITHUB_REF_NAME is not set: the deploy gate runs on a push to an environment branch.");
    if (!request.sha) throw new InputError("GITHUB_SHA is not set: the deploy gate needs the pushed commit to find its pull request.");
    if (!fs.existsSync(join(request.directory, planFile))) {
      throw new InputError(`plan-file: ${join(request.workingDirectory, planFile)} does not exist; run terraform plan -out=${planFile} in ${request.workingDirectory} first.`);
    }

    const terraformEnv = toolEnvironment(dependencies.env);
    const shown = await dependencies.exec(request.terraform, ["show", "-json", planFile], { cwd: request.directory, env: terraformEnv });
    if (shown.exitCode !== 0) {
      throw new InputError(`terraform show -json ${planFile} failed (exit code ${shown.exitCode}):\n${lastLines(shown.stderr || shown.stdout, 30)}`);
    }
    const model = parsePlanJson(shown.stdout, planFile);
    const secrets = [...model.sensitiveStrings, ...request.mask];
    // Before terraform prints anything else: the runner then masks these in the log.
    publisher.mask(secrets);
    const mask = createMasker(secrets);
    const digest = planDigest(model);
    const current = changeSummaries(model);
    publisher.output("plan-digest", digest);

    let pullRequest: MergedPullRequest | undefined;
    const report = async (markdown: string, text: Report["text"]): Promise<void> => {
      const outcome: Report = { kind: "apply", environment, noun: "outcome", marker: { planDigest: digest }, markdown: () => ({ comment: markdown, summary: markdown }), text };
      if (pullRequest) await publisher.publish(outcome, { issueNumber: pullRequest.number, author: request.author });
      else await publisher.summarize(outcome);
    };
    const refuse = async (markdown: string, text: Report["text"], message: string): Promise<{ ok: boolean }> => {
      publisher.output("applied", "false");
      await report(markdown, text);
      publisher.annotate({ level: "error", message, title: `Not applied: ${environment}` });
      return { ok: false };
    };

    if (model.errored) {
      const reason = "The plan is marked errored: terraform stopped planning part-way.";
      return refuse(renderNotApplied(environment, reason), (style) => renderNotAppliedText(environment, reason, style), "The saved plan is errored; nothing was applied.");
    }

    try {
      pullRequest = await findMergedPullRequest(github.client, { owner: github.owner, repo: github.repo }, request.sha, request.branch);
      publisher.output("pull-request", String(pullRequest.number));
    } catch (error) {
      if (!(error instanceof ReviewedPlanError)) throw error;
      const reason = error.message;
      return refuse(renderNotApplied(environment, reason), (style) => renderNotAppliedText(environment, reason, style), reason);
    }

    if (!model.hasChanges) {
      publisher.output("applied", "false");
      const number = pullRequest.number;
      await report(renderUpToDate(environment, number, digest), (style) => renderUpToDateText(environment, number, digest, style));
      publisher.annotate({ level: "notice", message: `No changes in ${environment}; nothing applied.` });
      return { ok: true };
    }

    let reviewed;
    try {
      reviewed = await readReviewedPlan({ client: github.client, owner: github.owner, repo: github.repo, pullRequest, environment, author: request.author });
    } catch (error) {
      if (!(error instanceof ReviewedPlanError)) throw error;
      const reason = error.message;
      return refuse(renderNotApplied(environment, reason), (style) => renderNotAppliedText(environment, reason, style), reason);
    }
    publisher.output("reviewed-digest", reviewed.digest);

    const runUrl = publisher.links.run ?? "";
    if (reviewed.digest !== digest) {
      const mismatch = { environment, pullRequestNumber: pullRequest.number, reviewedDigest: reviewed.digest, reviewedRunId: reviewed.runId, currentDigest: digest, reviewed: reviewed.changes, current };
      const markdown = renderMismatch({ ...mismatch, runUrl });
      publisher.log(markdown);
      return refuse(
        markdown,
        (style) => renderMismatchText(mismatch, style),
        `The plan for ${environment} (${digest}) is not the one reviewed on #${pullRequest.number} (${reviewed.digest}); nothing was applied. The step summary lists the differences.`,
      );
    }

    publisher.log(`Plan digest ${digest} matches the plan reviewed on #${pullRequest.number} (run ${reviewed.runId}); applying ${planFile}.`);
    const applied = await dependencies.exec(request.terraform, ["apply", "-input=false", "-no-color", planFile], { cwd: request.directory, env: terraformEnv });
    const output = mask(`${applied.stdout}${applied.stderr ? `\n${applied.stderr}` : ""}`);
    if (applied.exitCode !== 0) {
      const failure = { environment, pullRequestNumber: pullRequest.number, model, output };
      return refuse(renderApplyFailed({ ...failure, runUrl }), (style) => renderApplyFailedText(failure, style), `terraform apply failed (exit code ${applied.exitCode}).`);
    }
    publisher.output("applied", "true");
    const success = { environment, pullRequestNumber: pullRequest.number, model, digest };
    await report(renderApplied({ ...success, runUrl }), (style) => renderAppliedText(success, style));
    return { ok: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    publisher.annotate({ level: "error", message, title: error instanceof PlanParseError ? "Plan unreadable" : "apply" });
    return { ok: false };
  }
}
