/**
 * @waits about 9 s: the bundle's production throttling spaces GitHub writes a second apart (jest.sequencer.js starts it beside a file that computes).
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { failures, startFakeGitHub, type FakeGitHub } from "../../support/fake-github";
import { repoRoot } from "../../support/environments";
import { PR_NUMBER, runBundledAction } from "../support/run-bundled-action";

const plans = join(repoRoot, "test", "fixtures", "tools", "plan");
const deletePlan = join(plans, "borchero_2-delete.plan.json");
const emptyPlan = join(plans, "borchero_4-empty.plan.json");
const terraform = ["/usr/local/bin/terraform", "/usr/bin/terraform"].find((path) => existsSync(path));

describe("plan action, bundled, as the runner runs it", () => {
  let github: FakeGitHub;
  beforeEach(async () => {
    github = await startFakeGitHub();
  });
  afterEach(() => github.close());

  const plan = (inputs: Record<string, string>, options: { runId?: number; eventName?: string; workspace?: string } = {}) =>
    runBundledAction({ action: "plan", apiUrl: github.url, inputs: { environment: "dev", "github-token": "ghs_test", ...inputs }, ...options });

  it("comments once and labels plan:destroy, then updates the comment and swaps to plan:no-changes on re-run", async () => {
    const first = await plan({ "plan-json": deletePlan }, { runId: 3000 });
    expect(first.exitCode).toBe(0);
    expect(first.outputs["has-changes"]).toBe("true");
    expect(first.outputs.destroy).toBe("2");
    expect(first.outputs["plan-digest"]).toMatch(/^[0-9a-f]{64}$|^sha256:[0-9a-f]{64}$/);
    expect(github.comments(PR_NUMBER)).toHaveLength(1);
    expect(github.labels(PR_NUMBER)).toEqual(["plan:destroy"]);

    const second = await plan({ "plan-json": emptyPlan }, { runId: 3001 });
    expect(second.exitCode).toBe(0);
    expect(second.outputs["has-changes"]).toBe("false");
    const comments = github.comments(PR_NUMBER);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/^<!-- trading-platform:\{"kind":"plan","environment":"dev","runId":3001/);
    // The deploy gate compares this digest with the plan it is about to apply.
    expect(comments[0]!.body).toMatch(/^<!-- trading-platform:\{[^\n]*"planDigest":"sha256:[0-9a-f]{64}","changes":\[\]\} -->/);
    expect(github.labels(PR_NUMBER)).toEqual(["plan:no-changes"]);
    const commentWrites = github.writes().filter((request) => /comments/.test(request.path)).map((request) => request.method);
    expect(commentWrites).toEqual(["POST", "PATCH"]);
  });

  it("an older run never overwrites a newer run's comment", async () => {
    await plan({ "plan-json": deletePlan }, { runId: 3005 });
    const older = await plan({ "plan-json": emptyPlan }, { runId: 3004 });
    expect(older.exitCode).toBe(0);
    expect(github.comments(PR_NUMBER)[0]!.body).toMatch(/"runId":3005/);
  });

  it("posts once when the create answers 502 after storing it", async () => {
    github.fail("POST", /\/issues\/\d+\/comments$/, failures.badGateway(), { afterApplying: true });
    const result = await plan({ "plan-json": deletePlan });
    expect(result.exitCode).toBe(0);
    expect(github.comments(PR_NUMBER)).toHaveLength(1);
    expect(github.writes().filter((request) => request.method === "POST" && /comments$/.test(request.path))).toHaveLength(1);
  });

  it("a fork's read-only token: summary + notice, exit 0, no labels", async () => {
    github.readOnly();
    const result = await plan({ "plan-json": deletePlan });
    expect(result.exitCode).toBe(0);
    expect(github.comments(PR_NUMBER)).toHaveLength(0);
    expect(github.labels(PR_NUMBER)).toEqual([]);
    expect(result.summary.length).toBeGreaterThan(100);
    expect(result.commands).toContainEqual(expect.stringMatching(/^::notice::No plan comment for dev: the token cannot write/));
  });

  it("a misspelt input fails the step, naming it and the inputs action.yml declares (the runner only warns)", async () => {
    const result = await plan({ plan_json: deletePlan });
    expect(result.exitCode).toBe(1);
    expect(result.commands).toContain(
      '::error::Input "plan_json" is not declared by this action; its action.yml declares environment, github-token, working-directory, plan-json, mask, terraform. Check the step\'s `with:`.',
    );
    expect(github.requests).toHaveLength(0);
  });

  it("the bundle throttles as production does: a rate limit is waited out and the request retried", async () => {
    // Reset in the past: the throttling plugin waits max(reset - now + 1 s, 0) = 0 s.
    const reset = String(Math.floor(Date.now() / 1000) - 60);
    github.fail("GET", /\/issues\/\d+\/comments$/, { status: 403, message: "API rate limit exceeded for installation ID 1.", headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset } });
    const result = await plan({ "plan-json": deletePlan });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("GitHub rate limit on GET /repos/{owner}/{repo}/issues/{issue_number}/comments; retrying in 0 s (retry 1 of 3).");
    expect(github.comments(PR_NUMBER)).toHaveLength(1);
  });

  it("a push event: summary only, nothing sent to GitHub", async () => {
    const result = await plan({ "plan-json": deletePlan }, { eventName: "push" });
    expect(result.exitCode).toBe(0);
    expect(github.requests).toHaveLength(0);
    expect(result.summary.length).toBeGreaterThan(100);
  });

  (terraform ? it : it.skip)(
    terraform ? "runs the real terraform (init, plan, show -json) on a stack of terraform_data resources" : "SKIPPED: terraform is not installed, so the real init/plan/show run is not tested",
    async () => {
      const workspace = mkdtempSync(join(tmpdir(), "plan-workspace-"));
      const stack = join(workspace, "cdktf.out", "stacks", "trading-platform-dev");
      mkdirSync(stack, { recursive: true });
      writeFileSync(
        join(stack, "cdk.tf.json"),
        JSON.stringify({
          terraform: { backend: { local: { path: "terraform.tfstate" } } },
          resource: {
            terraform_data: {
              ledger: { "//": { metadata: { path: "trading-platform-dev/ledger" } }, input: "v1" },
              cache: { "//": { metadata: { path: "trading-platform-dev/cache" } }, input: "v1" },
            },
          },
        }),
      );
      const result = await plan({ "working-directory": "cdktf.out/stacks/trading-platform-dev", terraform: terraform! }, { workspace });
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
      expect(result.outputs.add).toBe("2");
      expect(github.comments(PR_NUMBER)[0]!.body).toContain("trading-platform-dev/ledger");
    },
  );
});
