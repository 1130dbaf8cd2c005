// The plan action: plan (or read a plan JSON), render, comment, label, output.
import { join, relative, resolve } from "node:path";
import { publishComment, syncLabels } from "../../../../review/src/notify/github/comments";
import type { ActionDependencies, ActionResult } from "../../../../review/src/notify/github/entry";
import { createMasker, parseMaskInput } from "../../../../review/src/mask";
import { planDigest } from "../../../../review/src/terraform/plan-digest";
import { PlanParseError, constructPathsFromStack, parsePlanJson, type PlanModel } from "../../../../review/src/terraform/plan-model";
import { getInput, readRunnerContext, setOutput, workflowCommand } from "../../../../review/src/notify/github/runner";
import { MARKER_CHANGES_ROOM, renderPlan, renderPlanError } from "../../../../review/src/terraform/markdown";
import { runTerraformPlan } from "../../../../review/src/terraform/terraform-plan";

export const LABEL_NO_CHANGES = "plan:no-changes";
export const LABEL_DESTROY = "plan:destroy";

export async function run(dependencies: ActionDependencies): Promise<ActionResult> {
  const { env, fs, log } = dependencies;
  const context = readRunnerContext(env, fs);
  const environment = getInput(env, "environment", { required: true });
  const token = getInput(env, "github-token");
  const directory = resolve(dependencies.cwd, getInput(env, "working-directory", { default: "." }));
  const planJsonInput = getInput(env, "plan-json");
  const maskStrings = parseMaskInput(getInput(env, "mask"));
  for (const value of maskStrings) log(workflowCommand("add-mask", value));
  const inputMask = createMasker(maskStrings);
  const client = token ? dependencies.createClient({ baseUrl: context.apiUrl, token, log }) : undefined;
  const publish = (content: string, summary?: string, markerDetails?: Parameters<typeof publishComment>[0]["markerDetails"]) =>
    publishComment({ client, context, fs, log, kind: "plan", environment, content, summary, markerDetails, sleep: dependencies.sleep });

  const fail = async (step: string, exitCode: number, output: string): Promise<ActionResult> => {
    await publish(renderPlanError({ environment, step, exitCode, output, mask: inputMask, runUrl: context.runUrl }));
    log(workflowCommand("error", inputMask(`${step} failed for ${environment} (exit code ${exitCode}); see the plan comment or the step summary.`)));
    return { ok: false };
  };

  let planJsonPath: string;
  let planText: string;
  if (planJsonInput) {
    planJsonPath = resolve(dependencies.cwd, planJsonInput);
    if (!fs.existsSync(planJsonPath)) return fail("read plan-json", 1, `plan-json: ${planJsonInput} does not exist (resolved to ${planJsonPath}).`);
    planText = fs.readFileSync(planJsonPath, "utf8");
  } else {
    const terraform = await runTerraformPlan({ exec: dependencies.exec, terraform: getInput(env, "terraform", { default: "terraform" }), directory, env });
    if (!terraform.ok) return fail(terraform.step, terraform.exitCode, terraform.output);
    planText = terraform.planJson;
    planJsonPath = join(directory, "tfplan.json");
    fs.writeFileSync(planJsonPath, planText, "utf8");
  }

  let model: PlanModel;
  try {
    model = parsePlanJson(planText, relative(dependencies.cwd, planJsonPath) || planJsonPath);
  } catch (error) {
    if (error instanceof PlanParseError) return fail("read the plan JSON", 1, error.message);
    throw error;
  }
  for (const value of model.sensitiveStrings) log(workflowCommand("add-mask", value));

  const constructPaths = readConstructPaths(dependencies, directory);
  const mask = createMasker([...maskStrings, ...model.sensitiveStrings]);
  const digest = planDigest(model);
  const rendering = renderPlan(model, { environment, constructPaths, mask, runUrl: context.runUrl, digest });

  const outputs: Record<string, string> = {
    "has-changes": String(model.hasChanges),
    add: String(model.counts.add),
    change: String(model.counts.change),
    replace: String(model.counts.replace),
    destroy: String(model.counts.destroy),
    forget: String(model.counts.forget),
    import: String(model.counts.import),
    move: String(model.counts.move),
    "plan-digest": digest,
    "plan-json": planJsonPath,
  };
  for (const [name, value] of Object.entries(outputs)) setOutput(context, fs, name, value, log);

  const published = await publish(rendering.comment, rendering.summary, { planDigest: digest, changes: markerChanges(model) });
  if (rendering.omittedFromComment > 0) {
    log(workflowCommand("notice", `The ${environment} plan comment leaves out ${rendering.omittedFromComment} item(s) to stay under GitHub's size limit; the step summary has them all.`));
  }
  if (client && context.pullRequestNumber !== undefined && published.status !== "summary-only") {
    const destroys = model.counts.destroy + model.counts.replace > 0;
    await syncLabels({
      client,
      ref: { owner: context.owner, repo: context.repo, issueNumber: context.pullRequestNumber },
      add: [...(model.hasChanges ? [] : [LABEL_NO_CHANGES]), ...(destroys ? [LABEL_DESTROY] : [])],
      remove: [...(model.hasChanges ? [LABEL_NO_CHANGES] : []), ...(destroys ? [] : [LABEL_DESTROY])],
      log,
    });
  }
  return { ok: true };
}

/** Construct paths from the stack's cdk.tf.json, when the plan comes from a synthesized stack. */
function readConstructPaths(dependencies: ActionDependencies, directory: string): Map<string, string> {
  const stackFile = join(directory, "cdk.tf.json");
  if (!dependencies.fs.existsSync(stackFile)) return new Map();
  try {
    return constructPathsFromStack(JSON.parse(dependencies.fs.readFileSync(stackFile, "utf8")));
  } catch (error) {
    dependencies.log(workflowCommand("warning", `${stackFile} is not valid JSON (${(error as Error).message}); construct paths are left out of the plan comment.`));
    return new Map();
  }
}

/** The reviewed plan's changes for the comment marker, or undefined when they would not fit. */
function markerChanges(model: PlanModel): { address: string; actions: string[] }[] | undefined {
  const changes = model.resourceChanges
    .filter((change) => !(change.rawActions.length === 1 && change.rawActions[0] === "no-op"))
    .map((change) => ({ address: change.address, actions: [...change.rawActions] }));
  return JSON.stringify(changes).length <= MARKER_CHANGES_ROOM ? changes : undefined;
}
