// The pull-request pipeline on a workstation: the review library's own synth,
// plan, cost and lint pipelines (what the actions run), published to the
// terminal as readable text instead of to a pull request. Plan, cost and lint
// run where their tools and credentials are present; every step it has to
// skip is named with what is missing.
import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { type Env, type Exec, type ReviewFs, type TextStyle, PLAIN, TerminalPublisher, reviewCost, reviewLint, reviewPlan, reviewSynth } from "../../review/src/index";

export interface PreviewOptions {
  readonly environment: string;
  readonly baseRef?: string;
  /** The checkout (holds scripts/synth.mjs). */
  readonly root: string;
  readonly env: Env;
  readonly fs: ReviewFs;
  readonly exec: Exec;
  /** Where the text goes (stdout). */
  readonly write: (text: string) => void;
  /** Colours, or none (see styleFor). */
  readonly style?: TextStyle;
  /** Finds a tool on PATH; injectable for tests. */
  readonly findExecutable?: (name: string, env: Env) => string | undefined;
  /** The user's home, for credential files. */
  readonly home?: string;
}

export interface PreviewStep {
  readonly name: "synth" | "diff" | "plan" | "cost" | "lint";
  readonly status: "done" | "skipped" | "failed";
  readonly detail?: string;
}

/** The first executable `name` on PATH. */
export function findOnPath(name: string, env: Env): string | undefined {
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
export function missingForPlan(options: { env: Env; fs: ReviewFs; home: string; backend: string; terraform: string | undefined }): string[] {
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

export async function preview(options: PreviewOptions): Promise<PreviewStep[]> {
  const { env, fs, exec, write, root, environment } = options;
  const style = options.style ?? PLAIN;
  const which = options.findExecutable ?? findOnPath;
  const home = options.home ?? homedir();
  const publisher = new TerminalPublisher(write, style);
  const dependencies = { fs, exec, env, cwd: root };
  const banner = (title: string): void => write(`\n${style.cyan(`${"─".repeat(8)} ${title} ${"─".repeat(Math.max(8, 72 - title.length))}`)}\n`);
  const steps: PreviewStep[] = [];
  const skip = (name: PreviewStep["name"], missing: readonly string[]): void => {
    write(`${style.yellow("Skipped")}: missing ${missing.join("; ")}.\n`);
    steps.push({ name, status: "skipped", detail: `missing ${missing.join("; ")}` });
  };
  const terraform = which("terraform", env);
  // cdktf validates a cloud backend by running `terraform version`; without
  // terraform there is no plan anyway, so synthesize with local state.
  const backend = env.TF_BACKEND || (terraform ? "cloud" : "local");

  banner(`synth · ${environment} (${backend} backend)${options.baseRef ? ` and diff against ${options.baseRef}` : ""}`);
  const synth = await reviewSynth(
    { environments: environment, baseRef: options.baseRef, commentEnvironment: environment, backend, root, outdir: join(root, ".build", "preview", environment, "cdktf.out") },
    dependencies,
    publisher,
  );
  if (!synth.ok) {
    steps.push({ name: "synth", status: "failed", detail: "synth failed; nothing else can run" });
    return finish(steps, write, style);
  }
  const stack = synth.stacks.find((candidate) => candidate.environment === environment) ?? synth.stacks[0]!;
  const stackDirectory = relative(root, stack.directory);
  steps.push({ name: "synth", status: "done", detail: stackDirectory });
  if (!synth.diff) steps.push({ name: "diff", status: "skipped", detail: "no --base <ref> given" });
  else steps.push(synth.diff.ok ? { name: "diff", status: "done" } : { name: "diff", status: "failed", detail: synth.diff.reason });

  banner(`plan · ${environment}`);
  let planJson: string | undefined;
  const missing = missingForPlan({ env, fs, home, backend, terraform });
  if (missing.length > 0) {
    skip("plan", missing);
  } else {
    const plan = await reviewPlan({ environment, directory: stack.directory, terraform: terraform!, mask: [] }, dependencies, publisher);
    if (plan.ok) planJson = plan.planJsonPath;
    steps.push(plan.ok ? { name: "plan", status: "done" } : { name: "plan", status: "failed", detail: `${plan.step} exited with ${plan.exitCode}` });
  }

  banner(`cost · ${environment}`);
  const infracost = which("infracost", env);
  const hasInfracostKey = Boolean(env.INFRACOST_API_KEY) || fs.existsSync(join(home, ".config", "infracost", "credentials.yml"));
  const costMissing = [
    ...(planJson ? [] : ["a plan (see above)"]),
    ...(infracost ? [] : ["infracost (not on PATH)"]),
    ...(hasInfracostKey ? [] : ["an infracost API key (INFRACOST_API_KEY or `infracost auth login`)"]),
  ];
  if (costMissing.length > 0) {
    skip("cost", costMissing);
  } else {
    const cost = await reviewCost({ environment, planJson, infracost: infracost!, apiKeyAvailable: true }, dependencies, publisher);
    steps.push(cost.ok ? { name: "cost", status: "done" } : { name: "cost", status: "failed", detail: cost.reason });
  }

  banner(`lint · ${environment}`);
  const tflint = which("tflint", env);
  if (!tflint) {
    skip("lint", ["tflint (not on PATH)"]);
  } else {
    const lint = await reviewLint({ environment, failOn: "error", workingDirectory: stackDirectory, tflint }, dependencies, publisher);
    steps.push(
      lint.outcome === "passed"
        ? { name: "lint", status: "done" }
        : lint.outcome === "findings-fail"
          ? { name: "lint", status: "done", detail: "findings fail the check (fail-on: error)" }
          : { name: "lint", status: "failed", detail: lint.outcome === "not-run" ? lint.reason : "tflint reported errors of its own" },
    );
  }
  return finish(steps, write, style);
}

function finish(steps: PreviewStep[], write: (text: string) => void, style: TextStyle): PreviewStep[] {
  write(`\n${style.cyan(`${"─".repeat(8)} preview summary ${"─".repeat(57)}`)}\n`);
  const colour = { done: style.green, skipped: style.yellow, failed: style.red };
  for (const step of steps) write(`${colour[step.status](step.status.padEnd(7))} ${step.name}${step.detail ? `: ${step.detail}` : ""}\n`);
  return steps;
}
