import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseMarker } from "../../../review/src/notify/github/comments";
import { run } from "../../../.github/actions/synth/src/run";
import { readOutputs, runActionInProcess, runnerEnv, runnerFiles } from "../../support/actions-runner";
import { startFakeGitHub, type FakeGitHub } from "../../support/fake-github";

const repoRoot = join(__dirname, "..", "..", "..");
let github: FakeGitHub;
beforeEach(async () => void (github = await startFakeGitHub()));
afterEach(() => github.close());

/**
 * A small project with the same synth contract as ours (scripts/synth.mjs
 * <envs>, CDKTF_OUTDIR, TF_BACKEND, manifest.json), in its own git repo. Its
 * synth needs a package from node_modules, so a base worktree without the
 * shared node_modules would fail.
 */
function miniProject(): { dir: string; git: (...args: string[]) => string; writeEnvironment: (name: string, buckets: Record<string, unknown>) => void } {
  const dir = mkdtempSync(join(tmpdir(), "synth-project-"));
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd: dir, encoding: "utf8" });
  mkdirSync(join(dir, "scripts"));
  mkdirSync(join(dir, "environments"));
  mkdirSync(join(dir, "node_modules", "stack-namer"), { recursive: true });
  writeFileSync(join(dir, "node_modules", "stack-namer", "index.js"), 'module.exports = (env) => "trading-platform-" + env;');
  writeFileSync(join(dir, ".gitignore"), "node_modules/\ncdktf.out/\n");
  writeFileSync(
    join(dir, "scripts", "synth.mjs"),
    `import { mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
const stackName = createRequire(join(process.cwd(), "x.js"))("stack-namer");
const out = process.env.CDKTF_OUTDIR;
const all = readdirSync("environments").map((file) => file.replace(/\\.json$/, ""));
const args = process.argv.slice(2).flatMap((arg) => arg.split(","));
const names = args.includes("all") ? all : args;
for (const name of names) if (!all.includes(name)) { console.error("Invalid environment configuration:\\n  - environments/" + name + ".json: not found"); process.exit(1); }
rmSync(out, { recursive: true, force: true });
const stacks = {};
for (const name of names) {
  const buckets = JSON.parse(readFileSync("environments/" + name + ".json", "utf8"));
  const resource = { aws_s3_bucket: {}, aws_lambda_function: { ingest: { filename: "assets/" + Math.random() + "/ingest.zip", source_code_hash: String(Math.random()), memory_size: 256 } } };
  for (const [id, body] of Object.entries(buckets)) resource.aws_s3_bucket[id] = { ...body, "//": { metadata: { path: stackName(name) + "/" + id } } };
  const stackDir = join(out, "stacks", stackName(name));
  mkdirSync(stackDir, { recursive: true });
  writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify({ terraform: { backend: { [process.env.TF_BACKEND]: {} } }, resource }));
  stacks[stackName(name)] = { name: stackName(name), synthesizedStackPath: "stacks/" + stackName(name) + "/cdk.tf.json" };
}
writeFileSync(join(out, "manifest.json"), JSON.stringify({ stacks }));
`,
  );
  const writeEnvironment = (name: string, buckets: Record<string, unknown>) => writeFileSync(join(dir, "environments", `${name}.json`), JSON.stringify(buckets));
  git("init", "-q", "-b", "main");
  return { dir, git, writeEnvironment };
}

function runner(cwd: string, inputs: Record<string, string>) {
  const files = runnerFiles({ pull_request: { number: 3 } });
  const env = runnerEnv(files, { apiUrl: github.url, runId: 77, inputs: { "github-token": "t0ken", ...inputs }, extra: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" } });
  return { run: async () => (await runActionInProcess(run, env, { cwd })).result, outputs: () => readOutputs(files.output), summary: () => readFileSync(files.summary, "utf8") };
}

describe("synth action on a project in a git repository", () => {
  it("outputs the stacks and comments the configuration diff against the base branch", async () => {
    const project = miniProject();
    project.writeEnvironment("dev", { logs: { bucket: "logs", versioning: false }, old: { bucket: "old" } });
    project.git("add", ".");
    project.git("commit", "-qm", "base");
    project.git("checkout", "-qb", "feature");
    project.writeEnvironment("dev", { logs: { bucket: "logs", versioning: true }, fresh: { bucket: "fresh" } });
    project.writeEnvironment("qa", { only: { bucket: "qa" } });

    const r = runner(project.dir, { environments: "all", "base-ref": "main" });
    expect(await r.run()).toEqual({ ok: true });
    expect(JSON.parse(r.outputs().stacks!)).toEqual({ dev: "cdktf.out/stacks/trading-platform-dev", qa: "cdktf.out/stacks/trading-platform-qa" });
    expect(r.outputs()["has-diff"]).toBe("true");
    const [comment] = github.comments(3);
    expect(parseMarker(comment!.body)).toMatchObject({ kind: "synth", environment: "all" });
    expect(comment!.body).toContain("**trading-platform-dev:** 1 added, 1 removed, 1 changed");
    expect(comment!.body).toContain("**trading-platform-qa:** 2 added, 0 removed, 0 changed");
    expect(comment!.body).toContain("This stack does not exist at main: every resource is new.");
    expect(comment!.body).toContain("<p>✏️ <code>aws_s3_bucket.logs</code> · <code>versioning</code>: <code>false</code> → <code>true</code> · <i>trading-platform-dev/logs</i></p>");
    // the dev Lambda's bundle hash and path changed, nothing else: not a change
    expect(comment!.body).not.toMatch(/trading-platform-dev[\s\S]*aws_lambda_function[\s\S]*#### trading-platform-qa/);
    // the temporary worktree is gone
    expect(project.git("worktree", "list").trim().split("\n")).toHaveLength(1);
    // the synthesized stacks use the local backend
    expect(JSON.parse(readFileSync(join(project.dir, "cdktf.out/stacks/trading-platform-dev/cdk.tf.json"), "utf8")).terraform.backend).toEqual({ local: {} });
  });

  it("says so in the comment when the base ref does not exist, without failing", async () => {
    const project = miniProject();
    project.writeEnvironment("dev", { logs: { bucket: "logs" } });
    project.git("add", ".");
    project.git("commit", "-qm", "base");
    const r = runner(project.dir, { environments: "dev", "base-ref": "no-such-branch" });
    expect(await r.run()).toEqual({ ok: true });
    expect(github.comments(3)[0]!.body).toContain('No diff: the base ref &quot;no-such-branch&quot; was not found');
  });

  it("posts the synth error and fails the step", async () => {
    const project = miniProject();
    project.writeEnvironment("dev", {});
    project.git("add", ".");
    project.git("commit", "-qm", "base");
    const r = runner(project.dir, { environments: "prod" });
    expect(await r.run()).toEqual({ ok: false });
    const body = github.comments(3)[0]!.body;
    expect(body).toContain("### ❌ CDKTF synth failed (prod)");
    expect(body).toContain("environments/prod.json: not found");
  });
});

describe("synth action on this repository", () => {
  it("synthesizes dev with the local backend into the output directory", async () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "synth-real-")), "cdktf.out");
    const r = runner(repoRoot, { environments: "dev", "output-directory": outdir, "github-token": "" });
    expect(await r.run()).toEqual({ ok: true });
    const stacks = JSON.parse(r.outputs().stacks!) as Record<string, string>;
    expect(Object.keys(stacks)).toEqual(["dev"]);
    const stack = JSON.parse(readFileSync(join(repoRoot, stacks.dev!, "cdk.tf.json"), "utf8"));
    expect(stack.terraform.backend).toHaveProperty("local");
    expect(github.requests).toHaveLength(0);
    expect(r.summary()).toContain(`| dev | <code>${stacks.dev!.replace(/_/g, "\\_")}</code> |`);
  });
});
