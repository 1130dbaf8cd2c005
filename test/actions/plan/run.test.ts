import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../../.github/actions/plan/src/run";
import { parseMarker } from "../../../review/src/notify/github/comments";
import { readOutputs, runActionInProcess, runnerEnv, runnerFiles, toolVariables } from "../../support/actions-runner";
import { startFakeGitHub, type FakeGitHub } from "../../support/fake-github";
import { repoRoot } from "../../support/environments";
import { describeWithTerraform, terraformBinary, terraformEnv, writeTerraformConfig } from "../../support/terraform";

const fixturesDir = join(__dirname, "..", "..", "fixtures", "tools", "plan");
let github: FakeGitHub;
beforeEach(async () => void (github = await startFakeGitHub()));
afterEach(() => github.close());

/** The plan action in a runner: event file, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY; `extra` adds terraform's variables. */
function runner(inputs: Record<string, string>, event: unknown = { pull_request: { number: 7 } }, eventName = "pull_request") {
  const files = runnerFiles(event);
  const cwd = mkdtempSync(join(tmpdir(), "plan-action-"));
  const env = (runId: number, extra: NodeJS.ProcessEnv) =>
    runnerEnv(files, { apiUrl: github.url, eventName, runId, inputs: { "github-token": "t0ken", ...inputs }, extra: toolVariables({ PATH: process.env.PATH, ...extra }) });
  return {
    files,
    run: (options: { runId?: number; extra?: NodeJS.ProcessEnv } = {}) => runActionInProcess(run, env(options.runId ?? 1001, options.extra ?? {}), { cwd }),
    outputs: () => readOutputs(files.output),
    summary: () => readFileSync(files.summary, "utf8"),
  };
}

describe("plan action with an existing plan JSON", () => {
  it("comments, labels plan:destroy and sets the outputs", async () => {
    const r = runner({ environment: "dev", "plan-json": join(fixturesDir, "borchero_2-delete.plan.json") });
    expect((await r.run()).result).toEqual({ ok: true });
    expect(r.outputs()).toMatchObject({ "has-changes": "true", add: "0", destroy: "2", replace: "0", "plan-digest": expect.stringMatching(/^sha256:/) });
    const [comment] = github.comments(7);
    expect(parseMarker(comment!.body)).toMatchObject({ kind: "plan", environment: "dev", runId: 1001 });
    expect(comment!.body).toContain("**Plan:** 2 to destroy");
    expect(github.labels(7)).toEqual(["plan:destroy"]);
    expect(r.summary()).toContain("**This plan destroys 2 resources:**");
  });

  it("updates the same comment and swaps labels when the next run has no changes", async () => {
    await runner({ environment: "dev", "plan-json": join(fixturesDir, "borchero_2-delete.plan.json") }).run();
    const second = runner({ environment: "dev", "plan-json": join(fixturesDir, "borchero_4-empty.plan.json") });
    // same PR, a later run
    expect((await second.run({ runId: 1002 })).result).toEqual({ ok: true });
    expect(github.comments(7)).toHaveLength(1);
    expect(github.comments(7)[0]!.body).toContain("**No changes.**");
    expect(github.labels(7)).toEqual(["plan:no-changes"]);
    expect(second.outputs()["has-changes"]).toBe("false");
  });

  it("fails the step with an error comment for the setup-terraform wrapper's output", async () => {
    const r = runner({ environment: "dev", "plan-json": join(fixturesDir, "infracost_plan_with_terraform_wrapper.CORRUPTED.plan.json") });
    const { result, commands } = await r.run();
    expect(result).toEqual({ ok: false });
    const body = github.comments(7)[0]!.body;
    expect(body).toContain("### ❌ Terraform plan failed · `dev`");
    expect(body).toContain("terraform_wrapper: false");
    expect(commands.some((line) => line.startsWith("::error::"))).toBe(true);
  });

  it("writes only the step summary on a push", async () => {
    const r = runner({ environment: "dev", "plan-json": join(fixturesDir, "borchero_2-delete.plan.json") }, { ref: "refs/heads/dev" }, "push");
    const { result, commands } = await r.run();
    expect(result).toEqual({ ok: true });
    expect(github.requests).toHaveLength(0);
    expect(r.summary()).toContain("2 to destroy");
    expect(commands).toContain("::notice::No plan comment for dev: this push event has no pull request. The plan is in the step summary.");
  });
});

/** A plan JSON creating a `terraform_data` for each address. */
const planCreating = (addresses: readonly string[]): string =>
  JSON.stringify({
    format_version: "1.2",
    terraform_version: "1.11.4",
    resource_changes: addresses.map((address) => ({ address, mode: "managed", type: "terraform_data", name: "x", change: { actions: ["create"], before: null, after: { input: "v" }, after_unknown: { id: true } } })),
  });

describe("plan action and hostile resource keys", () => {
  const write = (text: string): string => {
    const file = join(mkdtempSync(join(tmpdir(), "plan-json-")), "plan.json");
    writeFileSync(file, text);
    return file;
  };

  it("pings and links nobody, in the visible comment or its hidden marker, and the deploy gate still reads the key back", async () => {
    const address = 'terraform_data.x["@octocat please review #7"]';
    const r = runner({ environment: "dev", "plan-json": write(planCreating([address])) });
    expect((await r.run()).result).toEqual({ ok: true });
    const body = github.comments(7)[0]!.body;
    expect(body).not.toMatch(/[@#](?=[\p{L}\p{N}_-])/u);
    expect(parseMarker(body)!.changes).toEqual([{ address, actions: ["create"] }]);
  });

  it("leaves the change list out of the marker when its escaped form would not fit (an escaped @ takes six characters)", async () => {
    // 40 addresses of ~110 characters: under 8,000 characters as plain JSON, over it with every @ escaped.
    const addresses = Array.from({ length: 40 }, (_, index) => `terraform_data.x["${"@".repeat(100)}${index}"]`);
    expect(JSON.stringify(addresses.map((a) => ({ address: a, actions: ["create"] }))).length).toBeLessThan(8000);
    const r = runner({ environment: "dev", "plan-json": write(planCreating(addresses)) });
    expect((await r.run()).result).toEqual({ ok: true });
    const body = github.comments(7)[0]!.body;
    const marker = parseMarker(body)!;
    expect(marker.planDigest).toMatch(/^sha256:/);
    expect(marker.changes).toBeUndefined();
    expect(body.length).toBeLessThanOrEqual(65_536);
  });
});

describe("plan action with a plan too large for one comment", () => {
  it("fills the comment up to what the marker leaves, keeps the footer with the digest, and is never cut after rendering", async () => {
    // 400 creates with long values: far more than 65,536 characters of changes; the marker then carries no change list.
    const file = join(mkdtempSync(join(tmpdir(), "plan-json-")), "plan.json");
    writeFileSync(
      file,
      JSON.stringify({
        format_version: "1.2",
        terraform_version: "1.11.4",
        resource_changes: Array.from({ length: 400 }, (_, index) => ({
          address: `terraform_data.release[${index}]`,
          mode: "managed",
          type: "terraform_data",
          name: "release",
          index,
          change: { actions: ["create"], before: null, after: { input: { index, description: `release ${index} `.repeat(30) } }, after_unknown: { id: true, output: true } },
        })),
      }),
    );
    const r = runner({ environment: "dev", "plan-json": file });
    expect((await r.run()).result).toEqual({ ok: true });
    const body = github.comments(7)[0]!.body;
    const marker = parseMarker(body)!;
    expect(marker.changes).toBeUndefined();
    expect(body.length).toBeLessThanOrEqual(65_536);
    // More than the old fixed 8,600-character reserve allowed: the room the marker does not take is used.
    expect(body.length).toBeGreaterThan(65_536 - 8_600);
    expect(body).not.toContain("… cut; the whole report is in the");
    expect(body).toMatch(/more resources not shown, full output in the <a href="[^"]+">workflow run<\/a>/);
    expect(body.trimEnd().split("\n").at(-1)).toContain(`plan digest <code>${marker.planDigest}</code>`);
    expect(body).toContain("- ➕ create <code>terraform\\_data</code> (400): <code>release\\[0…399\\]</code>");
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
    const { result, commands } = await r.run({ extra: terraformEnv(dir) });
    expect(result).toEqual({ ok: true });
    // Registered with the runner before terraform ran, so its log shows *** too.
    expect(commands[0]).toBe("::add-mask::ops-token-123");
    const body = github.comments(7)[0]!.body;
    expect(body).toContain("**Plan:** 1 to add");
    expect(body).toContain("<i>trading-platform-dev/ingest/queue</i>");
    expect(body).not.toContain("ops-token-123");
    expect(body).toContain("https:\u200d//internal.example/***"); // masked, and not a live link
    expect(r.outputs()["plan-json"]).toBe(join(dir, "tfplan.json"));
    expect(JSON.parse(readFileSync(join(dir, "tfplan.json"), "utf8")).format_version).toMatch(/^1\./);
  });

  it("posts terraform's error, masked, and fails the step", async () => {
    const dir = stackDir("${var.missing_hunter2}");
    const r = runner({ environment: "dev", "working-directory": dir, terraform: terraformBinary, mask: "hunter2" });
    expect((await r.run({ extra: terraformEnv(dir) })).result).toEqual({ ok: false });
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
      expect((await r.run({ extra: env })).result).toEqual({ ok: true });
      expect(github.comments(7)[0]!.body).toContain("**Plan:** 1 to add");
    } finally {
      apply.kill("SIGKILL");
    }
  });

  it("initialises against the stack folder's lock file read-only: a lock that is not the configuration's refuses init", async () => {
    const dir = stackDir("locked");
    // The committed lock file locks hashicorp/aws; this stack needs no provider at all, so the
    // dependencies differ and terraform refuses to change a read-only lock file.
    copyFileSync(join(repoRoot, ".terraform.lock.hcl"), join(dir, ".terraform.lock.hcl"));
    const r = runner({ environment: "dev", "working-directory": dir, terraform: terraformBinary });
    expect((await r.run({ extra: terraformEnv(dir) })).result).toEqual({ ok: false });
    const body = github.comments(7)[0]!.body;
    expect(body).toContain("`terraform init` exited with code 1");
    expect(body).toContain("Error: Provider dependency changes detected");
  });

  it("names a missing terraform binary", async () => {
    const dir = stackDir("x");
    const r = runner({ environment: "dev", "working-directory": dir, terraform: "/nonexistent/terraform" });
    expect((await r.run()).result).toEqual({ ok: false });
    expect(github.comments(7)[0]!.body).toContain("`terraform init` exited with code 127");
  });
});
