/**
 * @waits about 5 s: the bundle's production throttling spaces GitHub writes a second apart (jest.sequencer.js starts it beside a file that computes).
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { failures, startFakeGitHub, type FakeGitHub } from "../../support/fake-github";
import { repoRoot } from "../../support/environments";
import { PR_NUMBER, runBundledAction } from "../support/run-bundled-action";

const fixtures = join(repoRoot, "test", "fixtures", "tools");
const withPriorState = join(fixtures, "infracost", "infracost-testdata_terraform_v0.14_breakdown_from_plan_json.infracost.json");
const withProjectError = join(fixtures, "infracost", "infracost-testdata_out_with_project_error.infracost.json");
const commentsPath = /\/issues\/\d+\/comments$/;

describe("cost action, bundled, as the runner runs it", () => {
  let github: FakeGitHub;
  beforeEach(async () => {
    github = await startFakeGitHub();
  });
  afterEach(() => github.close());

  const cost = (inputs: Record<string, string>, options: { runId?: number; eventName?: string; env?: Record<string, string>; workspace?: string } = {}) =>
    runBundledAction({ action: "cost", apiUrl: github.url, inputs: { environment: "dev", "github-token": "ghs_test", ...inputs }, ...options });

  it("creates one comment, then updates the same one on a re-run", async () => {
    const first = await cost({ "infracost-json": withPriorState }, { runId: 1000 });
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toEqual({ "monthly-cost": "81.122", "monthly-delta": "40.561" });
    let comments = github.comments(PR_NUMBER);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("**$81.12 per month**, up **+$40.56 (+100%)** from $40.56.");
    expect(comments[0]!.body).toMatch(/^<!-- trading-platform:\{"kind":"cost","environment":"dev","runId":1000/);
    expect(first.summary).toContain("**$81.12 per month**");

    const second = await cost({ "infracost-json": withProjectError }, { runId: 1001 });
    expect(second.exitCode).toBe(0);
    comments = github.comments(PR_NUMBER);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("**at least $1,303.28 per month**");
    expect(github.writes().map((request) => request.method)).toEqual(["POST", "PATCH"]);
    // The project error is an annotation too, not only in the comment.
    expect(second.commands).toContainEqual(expect.stringMatching(/^::warning title=infracost could not estimate a project::.*breakdown_multi_project_with_error\/dev: Error loading Terraform modules/));
  });

  it("posts once when GitHub answers 502 to the create (whether or not it stored the comment)", async () => {
    github.fail("POST", commentsPath, failures.badGateway());
    const refused = await cost({ "infracost-json": withPriorState });
    expect(refused.exitCode).toBe(0);
    expect(github.comments(PR_NUMBER)).toHaveLength(1);

    const other = await startFakeGitHub();
    try {
      other.fail("POST", commentsPath, failures.badGateway(), { afterApplying: true });
      const lost = await runBundledAction({ action: "cost", apiUrl: other.url, inputs: { environment: "dev", "github-token": "ghs_test", "infracost-json": withPriorState } });
      expect(lost.exitCode).toBe(0);
      expect(other.comments(PR_NUMBER)).toHaveLength(1);
      expect(other.writes().filter((request) => request.method === "POST")).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it("a fork's read-only token: the estimate goes to the step summary with a notice, and the step passes", async () => {
    github.readOnly();
    const result = await cost({ "infracost-json": withPriorState });
    expect(result.exitCode).toBe(0);
    expect(github.comments(PR_NUMBER)).toHaveLength(0);
    expect(result.summary).toContain("**$81.12 per month**");
    expect(result.commands).toContainEqual(expect.stringMatching(/^::notice::No cost comment for dev: the token cannot write to the pull request/));
  });

  it("a push event (no pull request): summary only, nothing sent to GitHub", async () => {
    const result = await cost({ "infracost-json": withPriorState }, { eventName: "push" });
    expect(result.exitCode).toBe(0);
    expect(github.requests).toHaveLength(0);
    expect(result.summary).toContain("**$81.12 per month**");
    expect(result.commands).toContainEqual(expect.stringMatching(/^::notice::No cost comment for dev: this push event has no pull request/));
  });

  it("no INFRACOST_API_KEY (fork pull request): a notice, no failure, infracost not run", async () => {
    const result = await cost({ "plan-json": join(fixtures, "plan", "borchero_2-delete.plan.json"), infracost: "/nonexistent/infracost" });
    expect(result.exitCode).toBe(0);
    expect(result.commands).toEqual([expect.stringMatching(/^::notice title=infracost::Cost estimate for dev skipped: INFRACOST_API_KEY is not set/)]);
    expect(result.outputs).toEqual({ "monthly-cost": "", "monthly-delta": "" });
    expect(github.requests).toHaveLength(0);
  });

  it("runs `infracost breakdown --path <plan> --format json --usage-file <repo file>` and never hands it the GitHub token", async () => {
    const workspace = mkdtempSync(join(tmpdir(), "cost-workspace-"));
    writeFileSync(join(workspace, "infracost-usage.yml"), "version: 0.1\nresource_usage: {}\n");
    writeFileSync(join(workspace, "plan.json"), "{}");
    const binary = join(workspace, "fake-infracost");
    const record = join(workspace, "invocation.txt");
    writeFileSync(binary, `#!/bin/sh\necho "$@" > "${record}"\nenv >> "${record}"\ncat "${withPriorState}"\n`);
    chmodSync(binary, 0o755);
    const result = await cost({ "plan-json": "plan.json", infracost: binary }, { workspace, env: { INFRACOST_API_KEY: "ico-secret" } });
    expect(result.exitCode).toBe(0);
    const [args, ...environment] = readFileSync(record, "utf8").split("\n");
    expect(args).toBe(`breakdown --path ${join(workspace, "plan.json")} --format json --no-color --usage-file ${join(workspace, "infracost-usage.yml")}`);
    expect(environment).toContain("INFRACOST_API_KEY=ico-secret");
    expect(environment.join("\n")).not.toContain("ghs_test");
    expect(github.comments(PR_NUMBER)[0]!.body).toContain("estimated from `infracost-usage.yml`");
  });

  it("infracost fails: the error (with the API key masked) is in the comment and the step fails", async () => {
    const workspace = mkdtempSync(join(tmpdir(), "cost-workspace-"));
    writeFileSync(join(workspace, "plan.json"), "{}");
    const binary = join(workspace, "fake-infracost");
    writeFileSync(binary, '#!/bin/sh\necho "Error: invalid API key ico-secret-123" >&2\nexit 1\n');
    chmodSync(binary, 0o755);
    const result = await cost({ "plan-json": "plan.json", infracost: binary }, { workspace, env: { INFRACOST_API_KEY: "ico-secret-123" } });
    expect(result.exitCode).toBe(1);
    const body = github.comments(PR_NUMBER)[0]!.body;
    expect(body).toContain("infracost breakdown failed (exit code 1).");
    expect(body).toContain("Error: invalid API key ***");
    expect(body).not.toContain("ico-secret-123");
  });

  it("an unreadable infracost file fails the step with a message naming it", async () => {
    const result = await cost({ "infracost-json": join(fixtures, "plan", "infracost_plan_with_terraform_wrapper.CORRUPTED.plan.json") });
    expect(result.exitCode).toBe(1);
    expect(result.commands).toContainEqual(expect.stringMatching(/^::error title=infracost output unreadable::.*CORRUPTED\.plan\.json: not valid JSON/));
    expect(github.writes()).toHaveLength(0);
  });
});
