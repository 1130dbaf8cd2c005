// The deploy gate: applies the saved plan only when it is the plan reviewers
// saw on the merged pull request (equal plan digests), and reports the
// outcome on that pull request and in the step summary.
import { isAbsolute, join } from "node:path";
import { GITHUB_ACTIONS_BOT, commentUnavailableReason, renderMarker, upsertComment } from "../../../../review/src/notify/github/comments";
import type { Exec } from "../../../../review/src/exec";
import type { GitHubClient, GitHubClientOptions } from "../../../../review/src/notify/github/client";
import { COMMENT_LIMIT, codeBlock, codeSpan, escapeText } from "../../../../review/src/markdown";
import { createMasker, parseMaskInput } from "../../../../review/src/mask";
import { planDigest } from "../../../../review/src/terraform/plan-digest";
import { PlanParseError, parsePlanJson, type PlanModel } from "../../../../review/src/terraform/plan-model";
import { appendSummary, getInput, InputError, type LogSink, readRunnerContext, type RunnerContext, type RunnerEnv, type RunnerFs, setOutput, toolEnvironment, workflowCommand } from "../../../../review/src/notify/github/runner";
import { renderMismatch } from "../../../../review/src/apply/plan-difference";
import { type ChangeSummary, type MergedPullRequest, ReviewedPlanError, findMergedPullRequest, readReviewedPlan } from "../../../../review/src/apply/reviewed-plan";

export interface ApplyDependencies {
  readonly env: RunnerEnv;
  readonly fs: RunnerFs;
  readonly exec: Exec;
  readonly log: LogSink;
  readonly createClient: (options: GitHubClientOptions) => GitHubClient;
  /** Repository root when GITHUB_WORKSPACE is unset. */
  readonly cwd: string;
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

/** The stack folder `npm run synth` writes for an environment. */
export const stackDirectoryOf = (environment: string): string => `cdktf.out/stacks/trading-platform-${environment}`;

export const DEFAULT_PLAN_FILE = "deploy.tfplan";

/** The last lines of a long tool output: the error is at the end. */
const tail = (text: string, lines = 80): string => text.trimEnd().split("\n").slice(-lines).join("\n");

const changeSummaries = (model: PlanModel): ChangeSummary[] =>
  model.resourceChanges.map((change) => ({ address: change.address, actions: [...change.rawActions] }));

const countsLine = (model: PlanModel): string =>
  `${model.counts.add} to add, ${model.counts.change} to change, ${model.counts.replace} to replace, ${model.counts.destroy} to destroy`;

interface Reporter {
  /** Writes the step summary and, when there is a pull request, its sticky `apply` comment. */
  report(markdown: string): Promise<void>;
}

function createReporter(options: {
  readonly deps: ApplyDependencies;
  readonly context: RunnerContext;
  readonly client: GitHubClient;
  readonly environment: string;
  readonly author: string;
  readonly digest: string | undefined;
  readonly pullRequest: () => MergedPullRequest | undefined;
}): Reporter {
  const { deps, context, environment } = options;
  return {
    async report(markdown) {
      appendSummary(context, deps.fs, markdown, deps.log);
      const pullRequest = options.pullRequest();
      if (!pullRequest) return;
      const marker = {
        kind: "apply",
        environment,
        runId: context.runId,
        runAttempt: context.runAttempt,
        sha: context.sha,
        ...(options.digest ? { planDigest: options.digest } : {}),
      };
      const room = COMMENT_LIMIT - renderMarker(marker).length - 200;
      const content = markdown.length > room ? `${markdown.slice(0, room)}\n\n… cut; the whole report is in the [run](${context.runUrl}).` : markdown;
      try {
        await upsertComment({
          client: options.client,
          owner: context.owner,
          repo: context.repo,
          issueNumber: pullRequest.number,
          author: options.author,
          marker,
          content,
          sleep: deps.sleep,
          log: deps.log,
        });
      } catch (error) {
        const reason = commentUnavailableReason(error);
        if (!reason) throw error;
        deps.log(workflowCommand("notice", `No apply comment on #${pullRequest.number}: ${reason}. The outcome is in the step summary.`));
      }
    },
  };
}

export async function run(deps: ApplyDependencies): Promise<number> {
  const { env, fs, log } = deps;
  try {
    const context = readRunnerContext(env, fs);
    const environment = getInput(env, "environment", { required: true });
    const token = getInput(env, "github-token", { required: true });
    const terraform = getInput(env, "terraform", { default: "terraform" });
    const author = getInput(env, "comment-author", { default: GITHUB_ACTIONS_BOT });
    const planFile = getInput(env, "plan-file", { default: DEFAULT_PLAN_FILE });
    const branch = env.GITHUB_REF_NAME ?? "";
    if (!branch) throw new InputError("GITHUB_REF_NAME is not set: the deploy gate runs on a push to an environment branch.");
    if (!context.sha) throw new InputError("GITHUB_SHA is not set: the deploy gate needs the pushed commit to find its pull request.");
    const repoRoot = context.workspace ?? deps.cwd;
    const workingInput = getInput(env, "working-directory", { default: stackDirectoryOf(environment) });
    const directory = isAbsolute(workingInput) ? workingInput : join(repoRoot, workingInput);
    if (!fs.existsSync(join(directory, planFile))) {
      throw new InputError(`plan-file: ${join(workingInput, planFile)} does not exist; run terraform plan -out=${planFile} in ${workingInput} first.`);
    }

    const terraformEnv = toolEnvironment(env);
    const shown = await deps.exec(terraform, ["show", "-json", planFile], { cwd: directory, env: terraformEnv });
    if (shown.exitCode !== 0) {
      throw new InputError(`terraform show -json ${planFile} failed (exit code ${shown.exitCode}):\n${tail(shown.stderr || shown.stdout, 30)}`);
    }
    const model = parsePlanJson(shown.stdout, planFile);
    const secrets = [...model.sensitiveStrings, ...parseMaskInput(getInput(env, "mask"))];
    // Before terraform prints anything else: the runner then masks these in the log.
    for (const secret of secrets) log(workflowCommand("add-mask", secret));
    const mask = createMasker(secrets);
    const digest = planDigest(model);
    const current = changeSummaries(model);
    setOutput(context, fs, "plan-digest", digest, log);

    const client = deps.createClient({ baseUrl: context.apiUrl, token, log });
    let pullRequest: MergedPullRequest | undefined;
    const reporter = createReporter({ deps, context, client, environment, author, digest, pullRequest: () => pullRequest });
    const refuse = async (markdown: string, message: string): Promise<number> => {
      setOutput(context, fs, "applied", "false", log);
      await reporter.report(markdown);
      log(workflowCommand("error", message, { title: `Not applied: ${environment}` }));
      return 1;
    };

    if (model.errored) {
      return refuse(`### ⛔ ${escapeText(environment)}: not applied\n\nThe plan is marked errored: terraform stopped planning part-way.`, "The saved plan is errored; nothing was applied.");
    }

    try {
      pullRequest = await findMergedPullRequest(client, context, context.sha, branch);
      setOutput(context, fs, "pull-request", String(pullRequest.number), log);
    } catch (error) {
      if (!(error instanceof ReviewedPlanError)) throw error;
      return refuse(`### ⛔ ${escapeText(environment)}: not applied\n\n${error.message}`, error.message);
    }

    if (!model.hasChanges) {
      setOutput(context, fs, "applied", "false", log);
      await reporter.report(`### ✅ ${escapeText(environment)}: already up to date\n\nThe plan after merging #${pullRequest.number} has no changes; nothing to apply. Digest ${codeSpan(digest)}.`);
      log(workflowCommand("notice", `No changes in ${environment}; nothing applied.`));
      return 0;
    }

    let reviewed;
    try {
      reviewed = await readReviewedPlan({ client, owner: context.owner, repo: context.repo, pullRequest, environment, author });
    } catch (error) {
      if (!(error instanceof ReviewedPlanError)) throw error;
      return refuse(`### ⛔ ${escapeText(environment)}: not applied\n\n${error.message}`, error.message);
    }
    setOutput(context, fs, "reviewed-digest", reviewed.digest, log);

    if (reviewed.digest !== digest) {
      const markdown = renderMismatch({
        environment,
        pullRequestNumber: pullRequest.number,
        reviewedDigest: reviewed.digest,
        reviewedRunId: reviewed.runId,
        currentDigest: digest,
        reviewed: reviewed.changes,
        current,
        runUrl: context.runUrl,
      });
      log(markdown);
      return refuse(
        markdown,
        `The plan for ${environment} (${digest}) is not the one reviewed on #${pullRequest.number} (${reviewed.digest}); nothing was applied. The step summary lists the differences.`,
      );
    }

    log(`Plan digest ${digest} matches the plan reviewed on #${pullRequest.number} (run ${reviewed.runId}); applying ${planFile}.`);
    const applied = await deps.exec(terraform, ["apply", "-input=false", "-no-color", planFile], { cwd: directory, env: terraformEnv });
    const output = mask(`${applied.stdout}${applied.stderr ? `\n${applied.stderr}` : ""}`);
    if (applied.exitCode !== 0) {
      return refuse(
        `### ❌ ${escapeText(environment)}: apply failed\n\nThe reviewed plan from #${pullRequest.number} (${countsLine(model)}) failed to apply; some changes may have been made. The last lines of terraform's output:\n\n${codeBlock(tail(output))}\n\n[Run](${context.runUrl})`,
        `terraform apply failed (exit code ${applied.exitCode}).`,
      );
    }
    setOutput(context, fs, "applied", "true", log);
    await reporter.report(
      `### ✅ ${escapeText(environment)}: applied\n\nThe plan reviewed on #${pullRequest.number} (${countsLine(model)}) was applied by [this run](${context.runUrl}). Digest ${codeSpan(digest)}.`,
    );
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(workflowCommand("error", message, { title: error instanceof PlanParseError ? "Plan unreadable" : "apply" }));
    return 1;
  }
}
