// The plan review: plan (or read a plan JSON), parse, digest, render, publish,
// label. The plan action and `npm run preview` both run it.
import { join, relative, resolve } from "node:path";
import type { ReviewDependencies } from "../dependencies";
import { createMasker } from "../mask";
import { markerJson } from "../marker";
import type { Publisher, Report } from "../notify/publisher";
import { MARKER_BASE_ROOM, MARKER_CHANGES_ROOM, renderPlan, renderPlanError } from "./markdown";
import { planDigest } from "./plan-digest";
import { PlanParseError, constructPathsFromStack, parsePlanJson, type PlanModel } from "./plan-model";
import { runTerraformPlan } from "./terraform-plan";
import { renderPlanErrorText, renderPlanText } from "./text";

export const LABEL_NO_CHANGES = "plan:no-changes";
export const LABEL_DESTROY = "plan:destroy";

export interface PlanReviewRequest {
  readonly environment: string;
  /** The stack folder: cdk.tf.json (construct paths) and where terraform runs. */
  readonly directory: string;
  /** An existing `terraform show -json` output as given (relative to `cwd`); terraform is then not run. */
  readonly planJson?: string;
  /** The terraform binary. */
  readonly terraform: string;
  /** Strings to mask wherever they appear. */
  readonly mask: readonly string[];
}

export type PlanReviewResult =
  | { readonly ok: true; readonly model: PlanModel; readonly digest: string; readonly planJsonPath: string }
  | { readonly ok: false; readonly step: string; readonly exitCode: number };

export async function reviewPlan(request: PlanReviewRequest, dependencies: ReviewDependencies, publisher: Publisher): Promise<PlanReviewResult> {
  const { fs, cwd } = dependencies;
  const { environment } = request;
  publisher.mask(request.mask);
  const inputMask = createMasker(request.mask);

  const fail = async (step: string, exitCode: number, output: string): Promise<PlanReviewResult> => {
    const markdown = renderPlanError({ environment, step, exitCode, output, mask: inputMask, runUrl: publisher.links.run });
    await publisher.publish({
      kind: "plan",
      environment,
      markdown: () => ({ comment: markdown, summary: markdown }),
      text: (style) => renderPlanErrorText({ environment, step, exitCode, output, mask: inputMask, style }),
    });
    publisher.annotate({ level: "error", message: inputMask(`${step} failed for ${environment} (exit code ${exitCode}); see the plan comment or the step summary.`) });
    return { ok: false, step, exitCode };
  };

  let planJsonPath: string;
  let planText: string;
  if (request.planJson) {
    planJsonPath = resolve(cwd, request.planJson);
    if (!fs.existsSync(planJsonPath)) return fail("read plan-json", 1, `plan-json: ${request.planJson} does not exist (resolved to ${planJsonPath}).`);
    planText = fs.readFileSync(planJsonPath, "utf8");
  } else {
    const lockFile = fs.existsSync(join(request.directory, ".terraform.lock.hcl"));
    const terraform = await runTerraformPlan({ exec: dependencies.exec, terraform: request.terraform, directory: request.directory, env: dependencies.env, lockFile });
    if (!terraform.ok) return fail(terraform.step, terraform.exitCode, terraform.output);
    planText = terraform.planJson;
    planJsonPath = join(request.directory, "tfplan.json");
    fs.writeFileSync(planJsonPath, planText, "utf8");
  }

  let model: PlanModel;
  try {
    model = parsePlanJson(planText, relative(cwd, planJsonPath) || planJsonPath);
  } catch (error) {
    if (error instanceof PlanParseError) return fail("read the plan JSON", 1, error.message);
    throw error;
  }
  publisher.mask(model.sensitiveStrings);

  const constructPaths = readConstructPaths(dependencies, request.directory, publisher);
  const mask = createMasker([...request.mask, ...model.sensitiveStrings]);
  const digest = planDigest(model);
  const changes = markerChanges(model);
  // The comment gets all the room the marker does not take: its ids and digest, plus the change list only when there is one.
  const markerLength = MARKER_BASE_ROOM + (changes ? markerJson(changes).length : 0);
  const rendering = renderPlan(model, { environment, constructPaths, mask, runUrl: publisher.links.run, digest, markerLength });

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
  for (const [name, value] of Object.entries(outputs)) publisher.output(name, value);

  const report: Report = {
    kind: "plan",
    environment,
    marker: { planDigest: digest, changes },
    markdown: () => ({ comment: rendering.comment, summary: rendering.summary }),
    text: (style) => renderPlanText(model, { environment, constructPaths, mask, digest, style }),
  };
  const published = await publisher.publish(report);
  if (rendering.omittedFromComment > 0 && published.status !== "printed") {
    publisher.annotate({
      level: "notice",
      message: `The ${environment} plan comment leaves out ${rendering.omittedFromComment} item(s) to stay under GitHub's size limit; the step summary has them all.`,
    });
  }
  if (published.status !== "summary-only") {
    const destroys = model.counts.destroy + model.counts.replace > 0;
    await publisher.labels({
      add: [...(model.hasChanges ? [] : [LABEL_NO_CHANGES]), ...(destroys ? [LABEL_DESTROY] : [])],
      remove: [...(model.hasChanges ? [LABEL_NO_CHANGES] : []), ...(destroys ? [] : [LABEL_DESTROY])],
    });
  }
  return { ok: true, model, digest, planJsonPath };
}

/** Construct paths from the stack's cdk.tf.json, when the plan comes from a synthesized stack. */
function readConstructPaths(dependencies: ReviewDependencies, directory: string, publisher: Publisher): Map<string, string> {
  const stackFile = join(directory, "cdk.tf.json");
  if (!dependencies.fs.existsSync(stackFile)) return new Map();
  try {
    return constructPathsFromStack(JSON.parse(dependencies.fs.readFileSync(stackFile, "utf8")));
  } catch (error) {
    publisher.annotate({ level: "warning", message: `${stackFile} is not valid JSON (${(error as Error).message}); construct paths are left out of the plan comment.` });
    return new Map();
  }
}

/** The reviewed plan's changes for the comment marker, or undefined when they would not fit. */
function markerChanges(model: PlanModel): { address: string; actions: string[] }[] | undefined {
  const changes = model.resourceChanges
    .filter((change) => !(change.rawActions.length === 1 && change.rawActions[0] === "no-op"))
    .map((change) => ({ address: change.address, actions: [...change.rawActions] }));
  // Measured as the marker writes it: an escaped `@` or `#` takes six characters.
  return markerJson(changes).length <= MARKER_CHANGES_ROOM ? changes : undefined;
}
