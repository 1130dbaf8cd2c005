// The shell steps of destroy.yml and drift.yml, taken from the YAML and run
// with bash as the runner runs them (`bash -e -o pipefail`), against a real
// terraform_data configuration with local state. `gh` is a recording fake.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { repoRoot } from "../support/environments";
import { describeWithTerraform } from "../support/terraform";
import { type TerraformProject, createTerraformProject } from "./support/terraform-project";

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

describe("the target-environment steps of pull-request.yml and deploy.yml", () => {
  const prTarget = stepOf("pull-request.yml", "target", (step) => step.id === "target");
  const deployTarget = stepOf("deploy.yml", "target", (step) => step.id === "target");

  it("maps a pull request into staging to the staging plan, and one into a feature branch to none", () => {
    expect(runStep(prTarget, { cwd: repoRoot, env: { BASE_REF: "staging" } }).outputs).toBe("environment=staging\nregion=us-east-1\n");
    const feature = runStep(prTarget, { cwd: repoRoot, env: { BASE_REF: "feature/x" } });
    expect(feature.status).toBe(0);
    expect(feature.outputs).toBe("environment=\nregion=\n");
  });

  it("deploys the environment of the pushed branch, and stops with an error for a branch no environment names", () => {
    expect(runStep(deployTarget, { cwd: repoRoot, env: { BRANCH: "prod" } }).outputs).toBe("environment=prod\nregion=us-east-1\n");
    const unknown = runStep(deployTarget, { cwd: repoRoot, env: { BRANCH: "release" } });
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toContain("::error title=No environment::No environments/*.json file names the branch release; nothing to deploy.");
  });
});

describe("destroy.yml: the check job (no terraform, no credentials)", () => {
  const check = stepOf("destroy.yml", "check", (step) => step.id === "describe");
  const recheck = stepOf("destroy.yml", "destroy", (step) => String(step.run).includes("check-destroy"));
  const request = (environment: string, confirm: string, ref: string) =>
    runStep(check, { cwd: repoRoot, env: { ENVIRONMENT: environment, CONFIRM: confirm, GITHUB_REF: ref } });

  it("lets a confirmed destroy of dev from the dev branch through, with the region for the next job", () => {
    const result = request("dev", "dev", "refs/heads/dev");
    expect(result.status).toBe(0);
    expect(result.outputs).toBe("environment=dev\nregion=us-east-1\nbranch=dev\n");
  });

  it("stops at a wrong confirmation, before anything else in the job", () => {
    const result = request("staging", "yes", "refs/heads/staging");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Refusing to destroy staging: the confirm input was "yes", expected exactly "staging".');
    expect(result.outputs).toBe("");
  });

  it("refuses prod while environments/prod.json protects its data", () => {
    const result = request("prod", "prod", "refs/heads/prod");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('environments/prod.json has "protectData": true');
  });

  it("refuses a run dispatched from another branch, whose files could say anything", () => {
    expect(request("dev", "dev", "refs/heads/feature/unprotect").stderr).toContain("run the destroy workflow from the environment's branch, refs/heads/dev");
  });

  it("checks again inside the destroy job, before its credentials step", () => {
    const result = runStep(recheck, { cwd: repoRoot, env: { ENVIRONMENT: "dev", CONFIRM: "DEV", GITHUB_REF: "refs/heads/dev" } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("expected exactly \"dev\"");
  });
});

describeWithTerraform("destroy.yml: plan -destroy, then apply that plan (real terraform)", () => {
  let project: TerraformProject;
  beforeEach(() => {
    project = createTerraformProject();
    project.plan("first.tfplan", { release: "v1", replicas: 2 });
    project.run(["apply", "-input=false", "first.tfplan"]);
  });

  it("lists what will be destroyed in the step summary, then destroys exactly that", () => {
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
