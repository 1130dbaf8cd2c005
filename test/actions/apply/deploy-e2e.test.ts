// The deploy gate end to end: the apply action's run() with the real terraform
// binary on a terraform_data configuration (local backend) and a loopback
// GitHub that serves the merged pull request and its plan comment.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../../.github/actions/apply/src/run";
import { run as runPlanAction } from "../../../.github/actions/plan/src/run";
import { renderMarker, type CommentMarker } from "../../../review/src/notify/github/comments";
import { planDigest } from "../../../review/src/terraform/plan-digest";
import { parsePlanJson } from "../../../review/src/terraform/plan-model";
import { runActionInProcess, toolVariables } from "../../support/actions-runner";
import { repoRoot } from "../../support/environments";
import { type FakeGitHub, startFakeGitHub } from "../../support/fake-github";
import { describeWithTerraform } from "../../support/terraform";
import { RELEASE_CONFIGURATION, type TerraformProject, createTerraformProject } from "../../support/terraform-project";

const SHA = "5f1b2c3d4e5f60718293a4b5c6d7e8f901234567";
const PR = 42;

/** The body the plan action leaves on a pull request, with the reviewed plan's digest (and changes) in its marker. */
function planComment(project: TerraformProject, planFile: string, options: { environment?: string; runId?: number; withChanges?: boolean } = {}): string {
  const model = parsePlanJson(project.run(["show", "-json", planFile]).stdout, planFile);
  const marker = {
    kind: "plan",
    environment: options.environment ?? "dev",
    runId: options.runId ?? 900,
    planDigest: planDigest(model),
    ...(options.withChanges === false ? {} : { changes: model.resourceChanges.map((change) => ({ address: change.address, actions: change.rawActions })) }),
  } as CommentMarker;
  return `${renderMarker(marker)}\n### Plan for dev\n\n${model.counts.add} to add`;
}

interface Pull {
  number: number;
  merged_at: string | null;
  merge_commit_sha: string;
  base: { ref: string };
  html_url: string;
  title: string;
}

const mergedPull = (overrides: Partial<Pull> = {}): Pull => ({
  number: PR,
  merged_at: "2026-11-20T10:00:00Z",
  merge_commit_sha: SHA,
  base: { ref: "dev" },
  html_url: `https://github.example/acme/infra/pull/${PR}`,
  title: "Bigger release",
  ...overrides,
});

interface Harness {
  readonly runnerDir: string;
  readonly github: FakeGitHub;
  readonly project: TerraformProject;
  readonly logs: string[];
  readonly summaryFile: string;
  readonly outputFile: string;
  deploy(inputs?: Record<string, string>): Promise<number>;
  outputs(): Record<string, string>;
}

async function harness(pulls: Pull[] = [mergedPull()], configuration?: string): Promise<Harness> {
  const github = await startFakeGitHub();
  github.handle("GET", /^\/repos\/acme\/infra\/commits\/[0-9a-f]{40}\/pulls$/, (request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(request.path.includes(SHA) ? pulls : []));
  });
  const project = createTerraformProject(configuration);
  const runnerDir = mkdtempSync(join(tmpdir(), "runner-"));
  const summaryFile = join(runnerDir, "summary.md");
  const outputFile = join(runnerDir, "output.txt");
  fs.writeFileSync(summaryFile, "");
  fs.writeFileSync(outputFile, "");
  const logs: string[] = [];
  return {
    runnerDir,
    github,
    project,
    logs,
    summaryFile,
    outputFile,
    deploy: async (inputs = {}) => {
      const env: Record<string, string> = {
        ...toolVariables(project.env),
        GITHUB_REPOSITORY: "acme/infra",
        GITHUB_API_URL: github.url,
        GITHUB_SERVER_URL: "https://github.example",
        GITHUB_EVENT_NAME: "push",
        GITHUB_SHA: SHA,
        GITHUB_REF_NAME: "dev",
        GITHUB_RUN_ID: "1234",
        GITHUB_STEP_SUMMARY: summaryFile,
        GITHUB_OUTPUT: outputFile,
        GITHUB_WORKSPACE: runnerDir,
        INPUT_ENVIRONMENT: "dev",
        "INPUT_GITHUB-TOKEN": "ghs_token",
        "INPUT_WORKING-DIRECTORY": project.dir,
        "INPUT_PLAN-FILE": "deploy.tfplan",
        ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
      };
      const { result, stdout } = await runActionInProcess(run, env, { cwd: runnerDir });
      logs.push(...stdout.split("\n").filter(Boolean));
      return result.ok ? 0 : 1;
    },
    outputs() {
      const text = readFileSync(outputFile, "utf8");
      const result: Record<string, string> = {};
      for (const match of text.matchAll(/^([a-z-]+)<<(ghadelimiter_[^\n]+)\n([\s\S]*?)\n\2$/gm)) result[match[1]] = match[3];
      return result;
    },
  };
}

describeWithTerraform("deploy gate (apply action, real terraform)", () => {
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.github.close();
    current = undefined;
  });

  it("applies the saved plan when its digest equals the one reviewed on the merged pull request, and says so there", async () => {
    current = await harness();
    const { github, project } = current;
    project.plan("reviewed.tfplan", { release: "v1", replicas: 2 });
    github.seedComment(PR, planComment(project, "reviewed.tfplan"));
    // The deploy re-plans after the merge: same configuration, same state, same plan.
    project.plan("deploy.tfplan", { release: "v1", replicas: 2 });

    expect(await current.deploy()).toBe(0);

    expect(project.stateAddresses()).toEqual(["terraform_data.release[0]", "terraform_data.release[1]"]);
    expect(current.outputs()).toMatchObject({ applied: "true", "pull-request": String(PR) });
    expect(current.outputs()["plan-digest"]).toBe(current.outputs()["reviewed-digest"]);
    const lookups = github.requests.filter((request) => request.path.includes("/pulls") || request.path.includes("/search"));
    expect(lookups.map((request) => request.path)).toEqual([`/repos/acme/infra/commits/${SHA}/pulls`]);
    const applyComment = github.comments(PR).find((comment) => comment.body.includes('"kind":"apply"'))!;
    expect(applyComment.body).toMatch(/✅ dev: applied/);
    expect(applyComment.body).toContain(`reviewed on #${PR} (2 to add)`);
    expect(readFileSync(current.summaryFile, "utf8")).toMatch(/✅ dev: applied/);
  });

  it("refuses a plan that changed since review, applies nothing, and shows both digests and the resources that differ", async () => {
    current = await harness();
    const { github, project } = current;
    project.plan("reviewed.tfplan", { release: "v1", replicas: 1 });
    const reviewedBody = planComment(project, "reviewed.tfplan");
    github.seedComment(PR, reviewedBody);
    project.plan("deploy.tfplan", { release: "v1", replicas: 3 });

    expect(await current.deploy()).toBe(1);

    expect(project.stateAddresses()).toEqual([]);
    const outputs = current.outputs();
    expect(outputs.applied).toBe("false");
    expect(outputs["plan-digest"]).not.toBe(outputs["reviewed-digest"]);
    const summary = readFileSync(current.summaryFile, "utf8");
    expect(summary).toContain("⛔ dev: not applied, the plan differs from the reviewed one");
    expect(summary).toContain(outputs["plan-digest"]);
    expect(summary).toContain(outputs["reviewed-digest"]);
    expect(summary).toMatch(/\*\*Only in the plan now:\*\*\n- `create` `terraform_data\.release\[1\]`\n- `create` `terraform_data\.release\[2\]`/);
    expect(summary).toMatch(/\*\*Only in the reviewed plan:\*\*\n- \(none\)/);
    expect(current.logs.join("\n")).toMatch(/::error title=Not applied%3A dev::The plan for dev \(sha256:[0-9a-f]{64}\) is not the one reviewed on #42/);
    const refusal = github.comments(PR).find((comment) => comment.body.includes('"kind":"apply"'))!;
    expect(refusal.body).toContain("not applied, the plan differs");
  });

  it("explains a value-only difference, and lists the current changes when the reviewed comment has no change list", async () => {
    current = await harness();
    const { github, project } = current;
    project.plan("reviewed.tfplan", { release: "v1" });
    github.seedComment(PR, planComment(project, "reviewed.tfplan"));
    project.plan("deploy.tfplan", { release: "v2" });
    expect(await current.deploy()).toBe(1);
    expect(readFileSync(current.summaryFile, "utf8")).toContain("The same resources change with the same actions, so some attribute values differ.");

    github.deleteComment(github.comments(PR)[0].id);
    github.seedComment(PR, planComment(project, "reviewed.tfplan", { runId: 901, withChanges: false }));
    project.plan("deploy.tfplan", { release: "v3" });
    expect(await current.deploy()).toBe(1);
    expect(readFileSync(current.summaryFile, "utf8")).toMatch(/does not list its changes; the plan now changes:\n- `create` `terraform_data\.release\[0\]`/);
    expect(project.stateAddresses()).toEqual([]);
  });

  it("ignores a plan marker pasted by a person, even with the right digest", async () => {
    current = await harness();
    const { github, project } = current;
    project.plan("deploy.tfplan", { release: "v1" });
    github.seedComment(PR, planComment(project, "deploy.tfplan"), "mallory");

    expect(await current.deploy()).toBe(1);

    expect(project.stateAddresses()).toEqual([]);
    expect(readFileSync(current.summaryFile, "utf8")).toContain(`Pull request #${PR} has no plan comment for dev by github-actions[bot]`);
  });

  it("refuses a push that no merged pull request explains (a direct push), naming what it found", async () => {
    current = await harness([mergedPull({ merged_at: null, base: { ref: "dev" } }), mergedPull({ number: 7, base: { ref: "staging" } })]);
    const { project } = current;
    project.plan("deploy.tfplan", { release: "v1" });

    expect(await current.deploy()).toBe(1);

    expect(project.stateAddresses()).toEqual([]);
    expect(current.logs.join("\n")).toContain(
      `No pull request merged into dev is associated with commit ${SHA}; found only #42 (not merged into dev), #7 (merged into staging). Deploys apply only plans reviewed on a pull request`,
    );
  });

  it("refuses a reviewed comment without a digest (a failed plan) instead of applying blindly", async () => {
    current = await harness();
    const { github, project } = current;
    github.seedComment(PR, `${renderMarker({ kind: "plan", environment: "dev", runId: 5 })}\n❌ terraform plan failed`);
    project.plan("deploy.tfplan", { release: "v1" });

    expect(await current.deploy()).toBe(1);
    expect(project.stateAddresses()).toEqual([]);
    expect(current.logs.join("\n")).toMatch(/records no plan digest/);
  });

  it("applies nothing and succeeds when the re-plan has no changes", async () => {
    current = await harness();
    const { github, project } = current;
    project.plan("first.tfplan", { release: "v1" });
    project.run(["apply", "-input=false", "first.tfplan"]);
    project.plan("deploy.tfplan", { release: "v1" });

    expect(await current.deploy()).toBe(0);
    expect(current.outputs().applied).toBe("false");
    expect(github.comments(PR)[0].body).toMatch(/dev: already up to date/);
  });

  it("registers sensitive values with the runner's masking before terraform prints anything, and keeps the token from terraform", async () => {
    const configuration = `${RELEASE_CONFIGURATION}
variable "api_secret" {
  type      = string
  sensitive = true
}

resource "terraform_data" "credential" {
  input = var.api_secret
}
`;
    current = await harness([mergedPull()], configuration);
    const { github, project } = current;
    project.plan("reviewed.tfplan", { release: "v1", api_secret: "s3cr3t-value-123" });
    github.seedComment(PR, planComment(project, "reviewed.tfplan"));
    project.plan("deploy.tfplan", { release: "v1", api_secret: "s3cr3t-value-123" });

    expect(await current.deploy()).toBe(0);
    expect(current.logs[0]).toBe("::add-mask::s3cr3t-value-123");
    expect(project.stateAddresses()).toEqual(["terraform_data.credential", "terraform_data.release[0]"]);
    expect(github.comments(PR).map((comment) => comment.body).join("\n")).not.toContain("s3cr3t-value-123");
  });

  it("reports a failing apply on the pull request with terraform's error", async () => {
    current = await harness();
    const { github, project } = current;
    project.plan("reviewed.tfplan", { release: "v1" });
    github.seedComment(PR, planComment(project, "reviewed.tfplan"));
    project.plan("deploy.tfplan", { release: "v1" });
    // Another run applied meanwhile: terraform refuses the now-stale saved plan.
    project.plan("other.tfplan", { release: "v0" });
    project.run(["apply", "-input=false", "other.tfplan"]);

    expect(await current.deploy()).toBe(1);
    const comment = github.comments(PR).find((candidate) => candidate.body.includes('"kind":"apply"'))!;
    expect(comment.body).toMatch(/❌ dev: apply failed/);
    expect(comment.body).toMatch(/Saved plan is stale/);
  });
});

describeWithTerraform("plan action → deploy gate (both real, one pull request)", () => {
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.github.close();
    current = undefined;
  });

  /** The pull-request workflow's plan step: the real plan action commenting on PR #42. */
  async function planOnPullRequest(h: Harness, release: string): Promise<void> {
    const eventPath = join(h.runnerDir, "event.json");
    fs.writeFileSync(eventPath, JSON.stringify({ pull_request: { number: PR } }));
    const env: Record<string, string> = {
      ...toolVariables(h.project.env),
      TF_VAR_release: release,
      GITHUB_REPOSITORY: "acme/infra",
      GITHUB_API_URL: h.github.url,
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_RUN_ID: "800",
      INPUT_ENVIRONMENT: "dev",
      "INPUT_GITHUB-TOKEN": "ghs_token",
      "INPUT_WORKING-DIRECTORY": h.project.dir,
    };
    const { result, stdout } = await runActionInProcess(runPlanAction, env, { cwd: h.runnerDir });
    const logs = [stdout];
    if (!result.ok) throw new Error(`plan action failed:\n${logs.join("\n")}`);
  }

  it("applies after merge when the plan is the one the plan action showed on the pull request", async () => {
    current = await harness();
    await planOnPullRequest(current, "v1");
    expect(current.github.comments(PR)).toHaveLength(1);
    current.project.run(["plan", "-input=false", "-out=deploy.tfplan"], { env: { TF_VAR_release: "v1" } });

    expect(await current.deploy()).toBe(0);
    expect(current.project.stateAddresses()).toEqual(["terraform_data.release[0]"]);
  });

  it("refuses after merge when the plan changed since the plan action's comment", async () => {
    current = await harness();
    await planOnPullRequest(current, "v1");
    current.project.run(["plan", "-input=false", "-out=deploy.tfplan"], { env: { TF_VAR_release: "v2" } });

    expect(await current.deploy()).toBe(1);
    expect(current.project.stateAddresses()).toEqual([]);
    expect(readFileSync(current.summaryFile, "utf8")).toContain("not applied, the plan differs from the reviewed one");
  });
});

describeWithTerraform("the bundled apply action (dist/index.js) as the runner starts it", () => {
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.github.close();
    current = undefined;
  });

  const runDist = (h: Harness): Promise<{ code: number; stdout: string }> =>
    new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [join(repoRoot, ".github", "actions", "apply", "dist", "index.js")],
        {
          cwd: h.runnerDir,
          env: {
            ...h.project.env,
            GITHUB_REPOSITORY: "acme/infra",
            GITHUB_API_URL: h.github.url,
            GITHUB_EVENT_NAME: "push",
            GITHUB_SHA: SHA,
            GITHUB_REF_NAME: "dev",
            GITHUB_RUN_ID: "1235",
            GITHUB_STEP_SUMMARY: h.summaryFile,
            GITHUB_OUTPUT: h.outputFile,
            GITHUB_WORKSPACE: h.runnerDir,
            INPUT_ENVIRONMENT: "dev",
            "INPUT_GITHUB-TOKEN": "ghs_token",
            "INPUT_WORKING-DIRECTORY": h.project.dir,
            "INPUT_PLAN-FILE": "deploy.tfplan",
            "INPUT_COMMENT-AUTHOR": "github-actions[bot]",
            INPUT_TERRAFORM: "terraform",
          },
        },
        (error, stdout) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout }),
      );
      child.stdin?.end();
    });

  it("applies a reviewed plan and refuses a changed one, exiting 0 and 1", async () => {
    current = await harness();
    const { github, project } = current;
    project.plan("reviewed.tfplan", { release: "v1" });
    github.seedComment(PR, planComment(project, "reviewed.tfplan"));

    project.plan("deploy.tfplan", { release: "v9" });
    const refused = await runDist(current);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/::error title=Not applied%3A dev::/);
    expect(project.stateAddresses()).toEqual([]);

    project.plan("deploy.tfplan", { release: "v1" });
    const applied = await runDist(current);
    expect(applied.stdout).toContain("matches the plan reviewed on #42");
    expect(applied.code).toBe(0);
    expect(project.stateAddresses()).toEqual(["terraform_data.release[0]"]);
  });
});
