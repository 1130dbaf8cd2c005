// promote.yml's steps as the runner runs them: each `run:` with bash
// (`-e -o pipefail`), its `env:` and `if:` evaluated from the workflow file, in
// a clone (the checkout) of a bare origin that holds this repository's scripts,
// against a loopback GitHub. The `uses:` steps are what the test provides: the
// clone stands in for the checkout, a fixed string for the App's token.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { repoRoot } from "../support/environments";
import { OWNER, REPO, type PromotionGitHub, startPromotionGitHub } from "../scripts/support/promotion-github";
import { type EnvironmentFixture, PromotionRepository, isolatedGitEnv, writeEnvironmentFiles } from "../scripts/support/promotion-repository";

/* eslint-disable @typescript-eslint/no-explicit-any */
const workflow = parse(readFileSync(join(repoRoot, ".github", "workflows", "promote.yml"), "utf8"));
const job = workflow.jobs.promote;

const ENVIRONMENTS: readonly EnvironmentFixture[] = [
  { name: "integration", branch: "integration" },
  { name: "preprod", branch: "release/preprod" },
];
const [FROM, TO] = ENVIRONMENTS.map((environment) => environment.branch) as [string, string];

interface Context {
  readonly inputs: Record<string, string>;
  readonly env: Record<string, string>;
  readonly steps: Record<string, { outputs: Record<string, string> }>;
  readonly appToken: string | undefined;
}

/** The expressions promote.yml uses; anything else fails the test, so a changed workflow gets a changed test. */
function evaluate(expression: string, context: Context): string {
  const inner = expression.trim();
  let match: RegExpExecArray | null;
  if ((match = /^inputs\.([a-z-]+)$/.exec(inner))) return context.inputs[match[1]!] ?? "";
  if ((match = /^env\.([A-Z_]+)$/.exec(inner))) return context.env[match[1]!] ?? "";
  if ((match = /^steps\.([a-z-]+)\.outputs\.([a-z-]+)$/.exec(inner))) return context.steps[match[1]!]?.outputs[match[2]!] ?? "";
  if (inner === "steps.app-token.outputs.token || github.token") return context.appToken ?? "ghs_github_token";
  if (inner === "github.actor") return "octocat";
  if (inner === "github.actor_id") return "583231";
  if (inner === "secrets.PROMOTION_APP_CLIENT_ID != '' && secrets.PROMOTION_APP_PRIVATE_KEY != ''") return String(context.appToken !== undefined);
  throw new Error(`expression not known to this test: ${inner}`);
}

const interpolate = (value: string, context: Context): string => value.replace(/\$\{\{([^}]*)\}\}/g, (_, expression: string) => evaluate(expression, context));

/** `a == 'x'`, `a != 'x'`, joined by `&&`. */
function condition(expression: string | undefined, context: Context): boolean {
  if (expression === undefined) return true;
  return expression.split("&&").every((part) => {
    const match = /^\s*(.+?)\s*(==|!=)\s*'([^']*)'\s*$/.exec(part);
    if (!match) throw new Error(`condition not known to this test: ${part}`);
    const value = evaluate(match[1]!, context);
    return match[2] === "==" ? value === match[3] : value !== match[3];
  });
}

interface JobRun {
  readonly ran: string[];
  readonly failed: string | undefined;
  readonly log: string;
  readonly summary: string;
  readonly steps: Context["steps"];
}

/** bash as the runner starts it; asynchronous, so the loopback GitHub in this process can answer the step. */
function bash(script: string, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script], { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ status: code ?? 1, output }));
  });
}

/** Runs the job's steps in order; a failed step skips the rest (their `if:` has no always()). */
async function runJob(repo: PromotionRepository, github: PromotionGitHub, options: { inputs: Record<string, string>; appToken?: string }): Promise<JobRun> {
  const runnerTemp = mkdtempSync(join(tmpdir(), "runner-temp-"));
  const summary = join(runnerTemp, "summary");
  writeFileSync(summary, "");
  const context: Context = { inputs: options.inputs, env: {}, steps: {}, appToken: options.appToken };
  for (const [key, value] of Object.entries<string>(job.env)) context.env[key] = interpolate(String(value), context);
  const ran: string[] = [];
  let log = "";
  for (const [index, step] of (job.steps as any[]).entries()) {
    const id = step.id ?? `step-${index}`;
    if (!condition(step.if, context)) continue;
    if (step.uses) {
      if (String(step.uses).startsWith("actions/create-github-app-token@")) context.steps[id] = { outputs: { token: options.appToken! } };
      continue;
    }
    const output = join(runnerTemp, `output-${index}`);
    writeFileSync(output, "");
    const stepEnv = Object.fromEntries(Object.entries<string>(step.env ?? {}).map(([key, value]) => [key, interpolate(String(value), context)]));
    const result = await bash(step.run, {
      cwd: repo.operator,
      env: {
        ...isolatedGitEnv,
        GIT_AUTHOR_NAME: undefined,
        GIT_AUTHOR_EMAIL: undefined,
        GIT_COMMITTER_NAME: undefined,
        GIT_COMMITTER_EMAIL: undefined,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
        GITHUB_API_URL: github.github.url,
        GITHUB_SERVER_URL: "https://github.example",
        GITHUB_RUN_ID: "4242",
        ...context.env,
        ...stepEnv,
      },
    });
    ran.push(id);
    log += result.output;
    context.steps[id] = { outputs: Object.fromEntries(readFileSync(output, "utf8").split("\n").filter(Boolean).map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string])) };
    if (result.status !== 0) return { ran, failed: id, log, summary: readFileSync(summary, "utf8"), steps: context.steps };
  }
  return { ran, failed: undefined, log, summary: readFileSync(summary, "utf8"), steps: context.steps };
}

/** This repository's scripts and fixture environment files, committed into the simulated repository. */
function seed(): Record<string, string> {
  const environments = mkdtempSync(join(tmpdir(), "environments-"));
  writeEnvironmentFiles(environments, ENVIRONMENTS);
  return {
    // Every script, as a checkout has them: the workflow's scripts and whatever they import.
    ...Object.fromEntries(
      readdirSync(join(repoRoot, "scripts"))
        .filter((file) => file.endsWith(".mjs"))
        .map((file) => [`scripts/${file}`, join(repoRoot, "scripts", file)]),
    ),
    ...Object.fromEntries(readdirSync(environments).map((file) => [`environments/${file}`, join(environments, file)])),
  };
}

describe("promote.yml's steps, run as the runner runs them", () => {
  let repo: PromotionRepository;
  let github: PromotionGitHub;
  beforeEach(async () => {
    repo = new PromotionRepository(ENVIRONMENTS, seed());
    github = await startPromotionGitHub(repo);
  });
  afterEach(() => github.close());

  it("with the App: pushes the promotion branch, opens the pull request with the App's token, attributes the merge to the actor, and prints no warning", async () => {
    const feature = repo.mergeFeature(FROM, "Add the archive bucket", { "archive.txt": "archive\n" });
    repo.mergeFeature(TO, "Fix straight into the target", { "fix.txt": "fix\n" });
    const run = await runJob(repo, github, { inputs: { from: FROM, to: TO, fresh: "false" }, appToken: "ghs_app_installation" });
    expect({ failed: run.failed, log: run.log }).toEqual({ failed: undefined, log: expect.any(String) });
    expect(run.ran).toEqual(["promote", "pull-request"]);
    const branch = `promote/${FROM}-to-${TO}`;
    expect(run.steps.promote!.outputs).toMatchObject({ status: "created", branch });
    const pull = repo.openPullFor(branch, TO)!;
    expect(run.steps["pull-request"]!.outputs).toEqual({ action: "created", number: String(pull.number), url: expect.stringContaining(`/pull/${pull.number}`) });
    expect(pull.body).toContain(`- #${feature.number} Add the archive bucket (developer)`);
    expect(github.github.requests.every((request) => request.authorization === "Bearer ghs_app_installation")).toBe(true);
    const head = repo.remoteHeads()[branch]!;
    expect(repo.git(repo.origin, ["log", "-1", "--format=%an <%ae>", head]).trim()).toBe("octocat <583231+octocat@users.noreply.github.com>");
    expect(run.log).not.toContain("::warning");
  });

  it("without the App: uses GITHUB_TOKEN and warns that the pull request must be closed and reopened for its checks to run", async () => {
    repo.mergeFeature(FROM, "Change", { "change.txt": "change\n" });
    const run = await runJob(repo, github, { inputs: { from: FROM, to: TO, fresh: "false" } });
    expect(run.failed).toBeUndefined();
    expect(run.ran).toEqual(["promote", "pull-request", "step-5"]);
    const number = run.steps["pull-request"]!.outputs.number;
    expect(run.log).toContain(`::warning title=Checks not started on #${number}::This run used GITHUB_TOKEN because the promotion App is not configured`);
    expect(run.log).toContain(`Close #${number} and reopen it (https://github.example/${OWNER}/${REPO}/pull/${number})`);
    expect(run.summary).toContain(`### Checks not started on #${number}`);
    expect(github.github.requests.every((request) => request.authorization === "Bearer ghs_github_token")).toBe(true);
  });

  it("stops after the promote step when there is nothing to promote, and on a conflict (no pull request, no warning)", async () => {
    const nothing = await runJob(repo, github, { inputs: { from: FROM, to: TO, fresh: "false" } });
    expect(nothing).toMatchObject({ failed: undefined, ran: ["promote"] });
    expect(nothing.steps.promote!.outputs).toMatchObject({ status: "nothing-to-promote", branch: "" });
    expect(nothing.summary).toContain("### Nothing to promote");

    repo.mergeFeature(FROM, "Source side", { "shared.txt": "source\n" });
    repo.mergeFeature(TO, "Target side", { "shared.txt": "target\n" });
    const conflict = await runJob(repo, github, { inputs: { from: FROM, to: TO, fresh: "true" }, appToken: "ghs_app_installation" });
    expect(conflict).toMatchObject({ failed: "promote", ran: ["promote"] });
    expect(conflict.log).toContain("conflicts in:\n  - shared.txt\n");
    expect(conflict.summary).toContain("### Merge conflict\n\n- `shared.txt`");
    expect(github.github.writes()).toEqual([]);
  });
});
