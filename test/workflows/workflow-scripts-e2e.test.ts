// The shell steps of destroy.yml and drift.yml, taken from the YAML and run
// with bash as the runner runs them (`bash -e -o pipefail`), against a real
// terraform_data configuration with local state. `gh` is a recording fake.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { repoRoot } from "../support/environments";
import { describeWithTerraform } from "../support/terraform";
import { type TerraformProject, createTerraformProject } from "../support/terraform-project";

/* eslint-disable @typescript-eslint/no-explicit-any */
const workflow = (file: string): any => parse(readFileSync(join(repoRoot, ".github", "workflows", file), "utf8"));

function stepOf(file: string, job: string, match: (step: any) => boolean): any {
  const step = workflow(file).jobs[job].steps.find(match);
  if (!step?.run) throw new Error(`${file} ${job}: no matching run step`);
  return step;
}
const named = (name: string) => (step: any) => step.name === name;

interface StepResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: string;
  readonly summary: string;
}

/** Runs one `run:` step with the runner's shell options, the given env, in `cwd`. */
function runStep(step: any, options: { cwd: string; env: Record<string, string> }): StepResult {
  const runnerTemp = mkdtempSync(join(tmpdir(), "runner-temp-"));
  const outputs = join(runnerTemp, "output");
  const summary = join(runnerTemp, "summary");
  writeFileSync(outputs, "");
  writeFileSync(summary, "");
  const result = spawnSync("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step.run], {
    cwd: options.cwd,
    encoding: "utf8",
    env: { ...process.env, RUNNER_TEMP: runnerTemp, GITHUB_OUTPUT: outputs, GITHUB_STEP_SUMMARY: summary, GITHUB_REPOSITORY: "acme/infra", ...options.env },
  });
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr, outputs: readFileSync(outputs, "utf8"), summary: readFileSync(summary, "utf8") };
}

/**
 * A repository's environment data, as the scripts read it: two environments in two accounts,
 * with real-looking values (the shipped files hold placeholders that preflights refuse).
 */
function fixtureRepository(): string {
  const root = mkdtempSync(join(tmpdir(), "workflow-fixture-"));
  mkdirSync(join(root, "environments"));
  mkdirSync(join(root, "stacks", "bootstrap"), { recursive: true });
  const file = (name: string, data: unknown) => writeFileSync(join(root, "environments", `${name}.json`), JSON.stringify(data));
  file("sandbox", { branch: "sandbox", region: "eu-west-1", protectData: false, account: "nonprod", alerts: { email: "oncall@trading-desk.io" } });
  file("live", { branch: "release/live", region: "us-east-1", protectData: true, account: "live", alerts: { email: "oncall@trading-desk.io" } });
  writeFileSync(join(root, "stacks", "bootstrap", "accounts.json"), JSON.stringify({ nonprod: { id: "210987654321" }, live: { id: "098765432109" } }));
  return join(root, "environments");
}

describe("the target-environment steps of pull-request.yml and deploy.yml", () => {
  const prTarget = stepOf("pull-request.yml", "target", (step) => step.id === "target");
  const deployTarget = stepOf("deploy.yml", "target", (step) => step.id === "target");
  const deployPreflight = stepOf("deploy.yml", "target", named("Preflight"));
  const environmentsDir = fixtureRepository();
  const sandboxOutputs = "environment=sandbox\nregion=eu-west-1\nplan-role-arn=arn:aws:iam::210987654321:role/github-deploy/github-plan-sandbox\napply-role-arn=arn:aws:iam::210987654321:role/github-deploy/github-apply-sandbox\n";

  it("maps a pull request into an environment branch to that environment and its roles, and one into a feature branch to none", () => {
    expect(runStep(prTarget, { cwd: repoRoot, env: { BASE_REF: "sandbox", ENVIRONMENTS_DIR: environmentsDir } }).outputs).toBe(sandboxOutputs);
    const feature = runStep(prTarget, { cwd: repoRoot, env: { BASE_REF: "feature/x", ENVIRONMENTS_DIR: environmentsDir } });
    expect(feature.status).toBe(0);
    expect(feature.outputs).toBe("environment=\nregion=\nplan-role-arn=\napply-role-arn=\n");
  });

  it("deploys the environment of the pushed branch, and stops with an error for a branch no environment names", () => {
    expect(runStep(deployTarget, { cwd: repoRoot, env: { BRANCH: "sandbox", CREATED: "false", ENVIRONMENTS_DIR: environmentsDir } }).outputs).toBe(sandboxOutputs);
    const unknown = runStep(deployTarget, { cwd: repoRoot, env: { BRANCH: "release", CREATED: "false", ENVIRONMENTS_DIR: environmentsDir } });
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toContain("::error title=No environment::No environments/*.json file names the branch release; nothing to deploy.");
  });

  it("deploys nothing, successfully, when the push creates the branch", () => {
    for (const branch of ["sandbox", "release/new"]) {
      const created = runStep(deployTarget, { cwd: repoRoot, env: { BRANCH: branch, CREATED: "true", ENVIRONMENTS_DIR: environmentsDir } });
      expect(created.status).toBe(0);
      expect(created.outputs).toBe("");
      expect(created.stdout).toContain(`::notice title=Branch created::${branch} was created; creating a branch deploys nothing.`);
    }
  });

  it("refuses to deploy an environment whose settings are placeholders, before any approval or credential", () => {
    expect(runStep(deployPreflight, { cwd: repoRoot, env: { ENVIRONMENT: "sandbox", ENVIRONMENTS_DIR: environmentsDir } }).status).toBe(0);
    const placeholders = fixtureRepository();
    writeFileSync(join(placeholders, "sandbox.json"), JSON.stringify({ branch: "sandbox", region: "eu-west-1", protectData: false, account: "nonprod", alerts: { email: "ops@example.com" } }));
    const refused = runStep(deployPreflight, { cwd: repoRoot, env: { ENVIRONMENT: "sandbox", ENVIRONMENTS_DIR: placeholders } });
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain("title=alerts.email is a placeholder::");
  });
});

describe("destroy.yml: the check job (no terraform, no credentials)", () => {
  const check = stepOf("destroy.yml", "check", (step) => step.id === "describe");
  const recheck = stepOf("destroy.yml", "destroy", (step) => String(step.run).includes("check-destroy"));
  const environmentsDir = fixtureRepository();
  const request = (environment: string, confirm: string, ref: string) =>
    runStep(check, { cwd: repoRoot, env: { ENVIRONMENT: environment, CONFIRM: confirm, GITHUB_REF: ref, ENVIRONMENTS_DIR: environmentsDir } });

  it("lets a confirmed destroy from the environment's branch through, with the region and apply role for the next job", () => {
    const result = request("sandbox", "sandbox", "refs/heads/sandbox");
    expect(result.status).toBe(0);
    expect(result.outputs).toBe(
      "environment=sandbox\nregion=eu-west-1\nbranch=sandbox\nplan-role-arn=arn:aws:iam::210987654321:role/github-deploy/github-plan-sandbox\napply-role-arn=arn:aws:iam::210987654321:role/github-deploy/github-apply-sandbox\n",
    );
  });

  it("stops at a wrong confirmation, before anything else in the job", () => {
    const result = request("sandbox", "yes", "refs/heads/sandbox");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Refusing to destroy sandbox: the confirm input was "yes", expected exactly "sandbox".');
    expect(result.outputs).toBe("");
  });

  it("refuses an environment whose file protects its data", () => {
    const result = request("live", "live", "refs/heads/release/live");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('live.json has "protectData": true');
  });

  it("refuses a run dispatched from another branch, whose files could say anything", () => {
    expect(request("sandbox", "sandbox", "refs/heads/feature/unprotect").stderr).toContain("run the destroy workflow from the environment's branch, refs/heads/sandbox");
  });

  it("checks again inside the destroy job, before its credentials step", () => {
    const result = runStep(recheck, { cwd: repoRoot, env: { ENVIRONMENT: "sandbox", CONFIRM: "SANDBOX", GITHUB_REF: "refs/heads/sandbox", ENVIRONMENTS_DIR: environmentsDir } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('expected exactly "sandbox"');
  });
});

describeWithTerraform("destroy.yml: plan -destroy, then apply that plan (real terraform)", () => {
  let project: TerraformProject;
  beforeEach(() => {
    project = createTerraformProject();
    project.plan("first.tfplan", { release: "v1", replicas: 2 });
    project.run(["apply", "-input=false", "first.tfplan"]);
  });

  // synth copies the committed lock file into the stack folder; this configuration needs no provider to download.
  const lockFile = "# This file is maintained automatically by \"terraform init\".\n# Manual edits may be lost in future updates.\n";

  it("refuses to plan without the provider lock file, naming the file and how it gets there", () => {
    const env = { ...(project.env as Record<string, string>), ENVIRONMENT: "dev", STACK_DIR: "cdktf.out/stacks/trading-platform-dev", TF_VAR_release: "v1", TF_VAR_replicas: "2" };
    const plan = runStep(stepOf("destroy.yml", "destroy", named("Plan the destroy")), { cwd: project.dir, env });
    expect(plan.status).toBe(1);
    expect(plan.stdout).toContain("::error title=No provider lock file::cdktf.out/stacks/trading-platform-dev/.terraform.lock.hcl is missing: commit .terraform.lock.hcl at the repository root");
    expect(project.stateAddresses()).toHaveLength(2);
  });

  it("lists what will be destroyed in the step summary, then destroys exactly that", () => {
    writeFileSync(join(project.dir, ".terraform.lock.hcl"), lockFile);
    const env = { ...(project.env as Record<string, string>), ENVIRONMENT: "dev", TF_VAR_release: "v1", TF_VAR_replicas: "2" };
    const plan = runStep(stepOf("destroy.yml", "destroy", named("Plan the destroy")), { cwd: project.dir, env });
    expect(plan.status).toBe(0);
    expect(plan.summary).toBe("## Destroy plan for dev\n\n2 resource(s) to destroy:\n- `terraform_data.release[0]`\n- `terraform_data.release[1]`\n");
    expect(project.stateAddresses()).toHaveLength(2);

    const apply = runStep(stepOf("destroy.yml", "destroy", named("Apply the destroy plan")), { cwd: project.dir, env });
    expect(apply.status).toBe(0);
    expect(project.stateAddresses()).toEqual([]);
  });
});

/** A `gh` that records its arguments and answers `issue list` from FAKE_GH_ISSUES through the real jq. */
function fakeGh(): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "fake-gh-"));
  const log = join(dir, "calls.log");
  writeFileSync(log, "");
  writeFileSync(
    join(dir, "gh"),
    `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "${log}"
if [ "$1 $2" = "issue list" ]; then
  while [ $# -gt 0 ]; do
    if [ "$1" = "--jq" ]; then echo "\${FAKE_GH_ISSUES:-[]}" | jq -r "$2"; exit 0; fi
    shift
  done
fi
`,
  );
  chmodSync(join(dir, "gh"), 0o755);
  return { bin: dir, log };
}

describeWithTerraform("drift.yml: plan -detailed-exitcode and the drift issue (real terraform, fake gh)", () => {
  const planStep = stepOf("drift.yml", "drift", (step) => step.id === "plan");
  const issueStep = stepOf("drift.yml", "drift", named("Open, update or close the drift issue"));
  let project: TerraformProject;
  beforeEach(() => {
    project = createTerraformProject();
    project.plan("first.tfplan", { release: "v1" });
    project.run(["apply", "-input=false", "first.tfplan"]);
  });

  const drift = (release: string) => runStep(planStep, { cwd: project.dir, env: { ...(project.env as Record<string, string>), ENVIRONMENT: "dev", TF_VAR_release: release } });

  function issue(exitCode: string, runnerTemp: string, existing: unknown[] = []) {
    const gh = fakeGh();
    const result = spawnSync("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", issueStep.run], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${gh.bin}:${process.env.PATH}`,
        ENVIRONMENT: "dev",
        EXIT_CODE: exitCode,
        RUN_URL: "https://github.example/acme/infra/actions/runs/9",
        RUNNER_TEMP: runnerTemp,
        GITHUB_REPOSITORY: "acme/infra",
        FAKE_GH_ISSUES: JSON.stringify(existing),
      },
    });
    return { status: result.status, stderr: result.stderr, calls: readFileSync(gh.log, "utf8").trim().split("\n").filter(Boolean) };
  }

  it("reports no drift when the state matches the branch, and closes an open drift issue", () => {
    const result = drift("v1");
    expect(result.status).toBe(0);
    expect(result.outputs).toBe("exit-code=0\n");
    const closed = issue("0", mkdtempSync(join(tmpdir(), "rt-")), [{ number: 7, title: "Drift detected in dev" }, { number: 8, title: "Drift detected in prod" }]);
    expect(closed.status).toBe(0);
    expect(closed.calls.at(-1)).toBe("issue close 7 --repo acme/infra --comment No drift any more: https://github.example/acme/infra/actions/runs/9");
  });

  it("detects drift (exit code 2), lists addresses without values, and opens one issue labelled drift", () => {
    const result = drift("v2");
    expect(result.status).toBe(0);
    expect(result.outputs).toBe("exit-code=2\n");
    expect(result.summary).toContain("- `terraform_data.release[0]`: update");
    expect(result.summary).not.toContain("v2");
  });

  it("opens a new issue, or updates the open one, with the drifting addresses", () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), "rt-"));
    writeFileSync(join(runnerTemp, "drift.md"), "Resources that differ from the `dev` branch:\n\n- `terraform_data.release[0]`: update\n");
    const opened = issue("2", runnerTemp);
    expect(opened.status).toBe(0);
    expect(opened.calls.filter((call) => call.startsWith("issue"))).toEqual([
      "issue list --repo acme/infra --label drift --state open --limit 100 --json number,title --jq map(select(.title == \"Drift detected in dev\")) | .[0].number // empty",
      `issue create --repo acme/infra --title Drift detected in dev --label drift --body-file ${join(runnerTemp, "drift-issue.md")}`,
    ]);
    expect(readFileSync(join(runnerTemp, "drift-issue.md"), "utf8")).toContain("- `terraform_data.release[0]`: update");

    const updated = issue("2", runnerTemp, [{ number: 12, title: "Drift detected in dev" }]);
    expect(updated.calls.filter((call) => /^issue (edit|comment|create)/.test(call))).toEqual([
      `issue edit 12 --repo acme/infra --body-file ${join(runnerTemp, "drift-issue.md")}`,
      "issue comment 12 --repo acme/infra --body Still drifting: https://github.example/acme/infra/actions/runs/9",
    ]);
  });

  it("fails the job when terraform fails (exit code 1), without touching issues", () => {
    writeFileSync(join(project.dir, "broken.tf"), "resource \"terraform_data\" \"broken\" {\n  input = var.missing\n}\n");
    const result = drift("v1");
    expect(result.status).toBe(1);
    expect(result.outputs).toBe("exit-code=1\n");
  });
});
