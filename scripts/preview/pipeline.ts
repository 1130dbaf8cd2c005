// The pull-request pipeline on a workstation: synth, the configuration diff
// against a base ref, then plan, cost and lint where their tools and
// credentials are present. It prints the comments the actions would post,
// built by the same renderers, and names every step it had to skip.
import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { DEFAULT_USAGE_FILE, ToolError, runInfracost } from "../../review/src/infracost/run-infracost";
import { renderCost } from "../../review/src/infracost/markdown";
import { parseInfracostReport } from "../../review/src/infracost/report";
import { DEFAULT_CONFIG, TflintToolFailure, runTflint } from "../../review/src/tflint/run-tflint";
import { locate } from "../../review/src/tflint/review";
import { renderLintComment } from "../../review/src/tflint/markdown";
import { renderPlan, renderPlanError } from "../../review/src/terraform/markdown";
import { runTerraformPlan } from "../../review/src/terraform/terraform-plan";
import type { ReviewFs as ActionFs } from "../../review/src/dependencies";
import type { Exec } from "../../review/src/exec";
import { COMMENT_LIMIT } from "../../review/src/markdown";
import { createMasker } from "../../review/src/mask";
import { planDigest } from "../../review/src/terraform/plan-digest";
import { constructPathsFromStack, parsePlanJson } from "../../review/src/terraform/plan-model";
import type { Env as RunnerEnv } from "../../review/src/dependencies";
import { synthesizeBase } from "../../review/src/synth-diff/base-ref";
import { diffStacks } from "../../review/src/synth-diff/config-diff";
import { renderSynthDiff } from "../../review/src/synth-diff/markdown";
import { readStackJson, runSynth } from "../../review/src/synth-diff/synthesize";

export interface PreviewOptions {
  readonly environment: string;
  readonly baseRef?: string;
  /** The checkout (holds scripts/synth.mjs). */
  readonly root: string;
  readonly env: RunnerEnv;
  readonly fs: ActionFs;
  readonly exec: Exec;
  /** Where the comments go (stdout). */
  readonly write: (text: string) => void;
  /** Finds a tool on PATH; injectable for tests. */
  readonly findExecutable?: (name: string, env: RunnerEnv) => string | undefined;
  /** The user's home, for credential files. */
  readonly home?: string;
}

export interface PreviewStep {
  readonly name: "synth" | "diff" | "plan" | "cost" | "lint";
  readonly status: "done" | "skipped" | "failed";
  readonly detail?: string;
}

/** The first executable `name` on PATH. */
export function findOnPath(name: string, env: RunnerEnv): string | undefined {
  for (const folder of (env.PATH ?? "").split(delimiter)) {
    if (!folder) continue;
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** What plan needs that is missing: the terraform binary, and credentials for the backend and for AWS. */
export function missingForPlan(options: { env: RunnerEnv; fs: ActionFs; home: string; backend: string; terraform: string | undefined }): string[] {
  const { env, fs, home } = options;
  const missing: string[] = [];
  if (!options.terraform) missing.push("terraform (not on PATH)");
  if (options.backend === "cloud") {
    const hasToken = Object.keys(env).some((key) => key.startsWith("TF_TOKEN_") && env[key]) || fs.existsSync(join(home, ".terraform.d", "credentials.tfrc.json"));
    if (!hasToken) missing.push("Terraform Cloud credentials (TF_TOKEN_app_terraform_io or `terraform login`; or TF_BACKEND=local for a sandbox)");
  }
  const hasAws =
    Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) ||
    fs.existsSync(join(home, ".aws", "credentials")) ||
    fs.existsSync(join(home, ".aws", "config"));
  if (!hasAws) missing.push("AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID or ~/.aws/credentials)");
  return missing;
}

const banner = (title: string): string => `\n${"─".repeat(8)} ${title} ${"─".repeat(Math.max(8, 72 - title.length))}\n`;

export async function preview(options: PreviewOptions): Promise<PreviewStep[]> {
  const { env, fs, exec, write, root, environment } = options;
  const which = options.findExecutable ?? findOnPath;
  const home = options.home ?? homedir();
  const steps: PreviewStep[] = [];
  const terraform = which("terraform", env);
  // cdktf validates a cloud backend by running `terraform version`; without
  // terraform there is no plan anyway, so synthesize with local state.
  const backend = env.TF_BACKEND || (terraform ? "cloud" : "local");
  const outdir = join(root, ".build", "preview", environment, "cdktf.out");

  write(banner(`synth · ${environment} (${backend} backend)`));
  const head = await runSynth({ exec, fs, root, outdir, environments: [environment], backend, env });
  if (!head.ok) {
    write(`${head.output}\n`);
    steps.push({ name: "synth", status: "failed", detail: "synth failed; nothing else can run" });
    return finish(steps, write);
  }
  const stack = head.stacks.find((candidate) => candidate.environment === environment) ?? head.stacks[0]!;
  const stackDirectory = relative(root, stack.directory);
  write(`${stack.name}: ${stackDirectory}/cdk.tf.json\n`);
  steps.push({ name: "synth", status: "done", detail: stackDirectory });

  if (options.baseRef) {
    write(banner(`synth comment: configuration diff against ${options.baseRef}`));
    const base = await synthesizeBase({ exec, fs, root, ref: options.baseRef, environments: [environment], backend, env });
    if (!base.ok) {
      write(`No diff: ${base.reason}.\n`);
      steps.push({ name: "diff", status: "failed", detail: base.reason });
    } else {
      const baseJson = base.stacks.get(environment);
      const rendering = renderSynthDiff({
        baseRef: options.baseRef,
        results: [
          {
            environment,
            stackName: stack.name,
            diff: diffStacks(baseJson, readStackJson(fs, stack)),
            baseNote: baseJson === undefined ? `This stack does not exist at ${options.baseRef}: every resource is new.` : undefined,
          },
        ],
      });
      write(`${rendering.comment}\n`);
      steps.push({ name: "diff", status: "done" });
    }
  } else {
    steps.push({ name: "diff", status: "skipped", detail: "no --base <ref> given" });
  }

  // plan
  let planJsonPath: string | undefined;
  const missing = missingForPlan({ env, fs, home, backend, terraform });
  write(banner(`plan comment · ${environment}`));
  if (missing.length > 0) {
    write(`Skipped: missing ${missing.join("; ")}.\n`);
    steps.push({ name: "plan", status: "skipped", detail: `missing ${missing.join("; ")}` });
  } else {
    const result = await runTerraformPlan({ exec, terraform: terraform!, directory: stack.directory, env });
    const mask = createMasker([]);
    if (!result.ok) {
      write(`${renderPlanError({ environment, step: result.step, exitCode: result.exitCode, output: result.output, mask })}\n`);
      steps.push({ name: "plan", status: "failed", detail: `${result.step} exited with ${result.exitCode}` });
    } else {
      planJsonPath = join(stack.directory, "tfplan.json");
      fs.writeFileSync(planJsonPath, result.planJson, "utf8");
      const model = parsePlanJson(result.planJson, relative(root, planJsonPath));
      const rendering = renderPlan(model, {
        environment,
        constructPaths: constructPathsFromStack(readStackJson(fs, stack) as Parameters<typeof constructPathsFromStack>[0]),
        mask: createMasker(model.sensitiveStrings),
        digest: planDigest(model),
      });
      write(`${rendering.comment}\n`);
      steps.push({ name: "plan", status: "done" });
    }
  }

  // cost
  write(banner(`cost comment · ${environment}`));
  const infracost = which("infracost", env);
  const hasInfracostKey = Boolean(env.INFRACOST_API_KEY) || fs.existsSync(join(home, ".config", "infracost", "credentials.yml"));
  const costMissing = [
    ...(planJsonPath ? [] : ["a plan (see above)"]),
    ...(infracost ? [] : ["infracost (not on PATH)"]),
    ...(hasInfracostKey ? [] : ["an infracost API key (INFRACOST_API_KEY or `infracost auth login`)"]),
  ];
  if (costMissing.length > 0) {
    write(`Skipped: missing ${costMissing.join("; ")}.\n`);
    steps.push({ name: "cost", status: "skipped", detail: `missing ${costMissing.join("; ")}` });
  } else {
    try {
      const outcome = await runInfracost({
        exec,
        fs,
        env,
        binary: infracost!,
        planJson: planJsonPath!,
        usageFile: join(root, DEFAULT_USAGE_FILE),
        usageFileRequired: false,
        cwd: root,
        apiKeyAvailable: true,
      });
      const report = parseInfracostReport(outcome.json!, "infracost output");
      write(`${renderCost(report, environment, { usageFile: outcome.usageFile ? relative(root, outcome.usageFile) : undefined }).comment}\n`);
      steps.push({ name: "cost", status: "done" });
    } catch (error) {
      write(`${error instanceof Error ? error.message : String(error)}\n${error instanceof ToolError ? `${error.output}\n` : ""}`);
      steps.push({ name: "cost", status: "failed", detail: error instanceof Error ? error.message : String(error) });
    }
  }

  // lint
  write(banner(`lint comment · ${environment}`));
  const tflint = which("tflint", env);
  if (!tflint) {
    write("Skipped: missing tflint (not on PATH).\n");
    steps.push({ name: "lint", status: "skipped", detail: "missing tflint (not on PATH)" });
  } else {
    const config = join(root, DEFAULT_CONFIG);
    try {
      const { report, toolFailed } = await runTflint({ exec, env, binary: tflint, directory: stack.directory, config: fs.existsSync(config) ? config : undefined });
      const { findings, errors } = locate(report, fs, root, stackDirectory, { annotate: (annotation) => write(`${annotation.message}\n`) });
      write(`${renderLintComment(findings, errors, { environment, failOn: "error", limit: COMMENT_LIMIT - 600 })}\n`);
      steps.push({ name: "lint", status: toolFailed || errors.length > 0 ? "failed" : "done" });
    } catch (error) {
      write(`${error instanceof Error ? error.message : String(error)}\n${error instanceof TflintToolFailure ? `${error.output}\n` : ""}`);
      steps.push({ name: "lint", status: "failed", detail: error instanceof Error ? error.message : String(error) });
    }
  }
  return finish(steps, write);
}

function finish(steps: PreviewStep[], write: (text: string) => void): PreviewStep[] {
  write(banner("preview summary"));
  for (const step of steps) write(`${step.status.padEnd(7)} ${step.name}${step.detail ? `: ${step.detail}` : ""}\n`);
  return steps;
}
