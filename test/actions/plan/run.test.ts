import * as fs from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseMarker } from "../../../review/src/notify/github/comments";
import type { ActionDependencies } from "../../../review/src/notify/github/entry";
import { spawnExec } from "../../../review/src/exec";
import { createGitHubClient } from "../../../review/src/notify/github/client";
import { run } from "../../../.github/actions/plan/src/run";
import { startFakeGitHub, type FakeGitHub } from "../../support/fake-github";
import { describeWithTerraform, terraformBinary, terraformEnv, writeTerraformConfig } from "../../support/terraform";

const fixturesDir = join(__dirname, "..", "..", "fixtures", "tools", "plan");
let github: FakeGitHub;
beforeEach(async () => void (github = await startFakeGitHub()));
afterEach(() => github.close());

/** A runner environment in a temp dir: event file, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. */
function runner(inputs: Record<string, string>, event: unknown = { pull_request: { number: 7 } }, eventName = "pull_request") {
  const dir = mkdtempSync(join(tmpdir(), "plan-action-"));
  const files = { event: join(dir, "event.json"), output: join(dir, "output.txt"), summary: join(dir, "summary.md") };
  writeFileSync(files.event, JSON.stringify(event));
  writeFileSync(files.output, "");
  writeFileSync(files.summary, "");
  const log: string[] = [];
  const env: Record<string, string> = {
    GITHUB_API_URL: github.url,
    GITHUB_SERVER_URL: "https://github.example",
    GITHUB_REPOSITORY: "acme/infra",
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_RUN_ID: "1001",
    GITHUB_SHA: "abc123",
    "INPUT_GITHUB-TOKEN": "t0ken",
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  };
  const dependencies: ActionDependencies = {
    env,
    fs,
    exec: spawnExec,
    log: (line) => void log.push(line),
    createClient: (options) => createGitHubClient({ ...options, retryUnitMs: 5 }),
    sleep: async () => {},
    cwd: dir,
  };
  const outputs = (): Record<string, string> => {
    const result: Record<string, string> = {};
    const text = readFileSync(files.output, "utf8");
    for (const match of text.matchAll(/^([\w-]+)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm)) result[match[1]!] = match[3]!;
    return result;
  };
  return { dir, files, log, dependencies, outputs, summary: () => readFileSync(files.summary, "utf8") };
}

describe("plan action with an existing plan JSON", () => {
  it("comments, labels plan:destroy and sets the outputs", async () => {
    const r = runner({ environment: "dev", "plan-json": join(fixturesDir, "borchero_2-delete.plan.json") });
    expect(await run(r.dependencies)).toEqual({ ok: true });
    expect(r.outputs()).toMatchObject({ "has-changes": "true", add: "0", destroy: "2", replace: "0", "plan-digest": expect.stringMatching(/^sha256:/) });
    const [comment] = github.comments(7);
    expect(parseMarker(comment!.body)).toMatchObject({ kind: "plan", environment: "dev", runId: 1001 });
    expect(comment!.body).toContain("**Plan:** 0 to add, 0 to change, 0 to replace, 2 to destroy");
    expect(github.labels(7)).toEqual(["plan:destroy"]);
    expect(r.summary()).toContain("**This plan destroys 2 resources:**");
  });

  it("updates the same comment and swaps labels when the next run has no changes", async () => {
    await run(runner({ environment: "dev", "plan-json": join(fixturesDir, "borchero_2-delete.plan.json") }).dependencies);
    const second = runner({ environment: "dev", "plan-json": join(fixturesDir, "borchero_4-empty.plan.json") });
    // same PR, a later run
    (second.dependencies.env as Record<string, string>).GITHUB_RUN_ID = "1002";
    expect(await run(second.dependencies)).toEqual({ ok: true });
    expect(github.comments(7)).toHaveLength(1);
    expect(github.comments(7)[0]!.body).toContain("**No changes.**");
    expect(github.labels(7)).toEqual(["plan:no-changes"]);
    expect(second.outputs()["has-changes"]).toBe("false");
  });

  it("fails the step with an error comment for the setup-terraform wrapper's output", async () => {
    const r = runner({ environment: "dev", "plan-json": join(fixturesDir, "infracost_plan_with_terraform_wrapper.CORRUPTED.plan.json") });
    expect(await run(r.dependencies)).toEqual({ ok: false });
    const body = github.comments(7)[0]!.body;
    expect(body).toContain("### ❌ Terraform plan failed · `dev`");
    expect(body).toContain("terraform_wrapper: false");
    expect(r.log.some((line) => line.startsWith("::error::"))).toBe(true);
  });

  it("writes only the step summary on a push", async () => {
    const r = runner({ environment: "dev", "plan-json": join(fixturesDir, "borchero_2-delete.plan.json") }, { ref: "refs/heads/dev" }, "push");
    expect(await run(r.dependencies)).toEqual({ ok: true });
    expect(github.requests).toHaveLength(0);
    expect(r.summary()).toContain("2 to destroy");
    expect(r.log).toContain("::notice::No plan comment for dev: this push event has no pull request. The plan is in the step summary.");
  });
});

describeWithTerraform("plan action running terraform", () => {
  /** A synthesized-stack look-alike: cdk.tf.json with CDKTF's "//" metadata (terraform reads "//" as a comment). */
  const stackDir = (input: unknown) =>
    writeTerraformConfig(
      { resource: { terraform_data: { queue: { input, "//": { metadata: { path: "trading-platform-dev/ingest/queue" } } } } } },
      undefined,
      "cdk.tf.json",
    );

  it("plans, masks the mask input, shows construct paths and writes the plan JSON", async () => {
    const dir = stackDir({ url: "https://internal.example/ops-token-123" });
    const r = runner({ environment: "dev", "working-directory": dir, terraform: terraformBinary, mask: "ops-token-123" });
    Object.assign(r.dependencies.env, terraformEnv(dir));
    expect(await run(r.dependencies)).toEqual({ ok: true });
    const body = github.comments(7)[0]!.body;
    expect(body).toContain("**Plan:** 1 to add");
    expect(body).toContain("<i>trading-platform-dev/ingest/queue</i>");
    expect(body).not.toContain("ops-token-123");
    expect(body).toContain("https://internal.example/\\*\\*\\*"); // *** escaped for markdown
    expect(r.outputs()["plan-json"]).toBe(join(dir, "tfplan.json"));
    expect(JSON.parse(readFileSync(join(dir, "tfplan.json"), "utf8")).format_version).toMatch(/^1\./);
  });

  it("posts terraform's error, masked, and fails the step", async () => {
    const dir = stackDir("${var.missing_hunter2}");
    const r = runner({ environment: "dev", "working-directory": dir, terraform: terraformBinary, mask: "hunter2" });
    Object.assign(r.dependencies.env, terraformEnv(dir));
    expect(await run(r.dependencies)).toEqual({ ok: false });
    const body = github.comments(7)[0]!.body;
    expect(body).toContain("`terraform plan` exited with code 1");
    expect(body).toContain("Reference to undeclared input variable");
    expect(body).not.toContain("hunter2");
    expect(r.outputs()["has-changes"]).toBeUndefined();
  });

  it("plans while another run holds the state lock (a deploy in progress) instead of failing", async () => {
    const dir = stackDir("v1");
    const env = terraformEnv(dir);
    expect(spawnSync(terraformBinary, ["init", "-input=false", "-no-color"], { cwd: dir, env }).status).toBe(0);
    // An apply whose provisioner waits holds the lock the way a long deploy does.
    const started = join(dir, "apply-started");
    const holder = join(dir, "holder");
    mkdirSync(holder);
    writeFileSync(
      join(holder, "main.tf.json"),
      JSON.stringify({
        terraform: { backend: { local: { path: join(dir, "terraform.tfstate") } } },
        resource: { terraform_data: { deploy: { provisioner: [{ "local-exec": { command: `touch ${started} && sleep 60` } }] } } },
      }),
    );
    expect(spawnSync(terraformBinary, ["init", "-input=false", "-no-color"], { cwd: holder, env }).status).toBe(0);
    const apply = spawn(terraformBinary, ["apply", "-input=false", "-no-color", "-auto-approve"], { cwd: holder, env, stdio: "ignore" });
    try {
      while (!existsSync(started)) await new Promise((resolve) => setTimeout(resolve, 100));
      const locked = spawnSync(terraformBinary, ["plan", "-input=false", "-no-color", "-lock-timeout=0s"], { cwd: dir, env, encoding: "utf8" });
      expect(locked.stderr).toContain("Error acquiring the state lock"); // the lock really is held
      const r = runner({ environment: "dev", "working-directory": dir, terraform: terraformBinary });
      Object.assign(r.dependencies.env, env);
      expect(await run(r.dependencies)).toEqual({ ok: true });
      expect(github.comments(7)[0]!.body).toContain("**Plan:** 1 to add");
    } finally {
      apply.kill("SIGKILL");
    }
  });

  it("names a missing terraform binary", async () => {
    const dir = stackDir("x");
    const r = runner({ environment: "dev", "working-directory": dir, terraform: "/nonexistent/terraform" });
    expect(await run(r.dependencies)).toEqual({ ok: false });
    expect(github.comments(7)[0]!.body).toContain("`terraform init` exited with code 127");
  });
});
