import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnExec } from "../../../review/src/exec";
import { PLAIN } from "../../../review/src/text";
import { parsePreviewArguments } from "../../../scripts/preview/arguments";
import { preview } from "../../../scripts/preview/pipeline";
import { repoRoot } from "../../support/environments";

const fixtures = join(repoRoot, "test", "fixtures", "tools");

function tool(folder: string, name: string, script: string): void {
  writeFileSync(join(folder, name), script);
  chmodSync(join(folder, name), 0o755);
}

const runCli = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(repoRoot, "scripts", "preview.mjs"), ...args], { cwd: repoRoot, env, timeout: 55_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });

describe("parsePreviewArguments", () => {
  it("reads an environment and an optional base ref", () => {
    expect(parsePreviewArguments(["dev"])).toEqual({ environment: "dev", baseRef: undefined });
    expect(parsePreviewArguments(["prod", "--base", "main"])).toEqual({ environment: "prod", baseRef: "main" });
    expect(parsePreviewArguments(["--base=origin/dev", "staging"])).toEqual({ environment: "staging", baseRef: "origin/dev" });
  });

  it("explains what is wrong", () => {
    expect(() => parsePreviewArguments([])).toThrow("Which environment? usage: npm run preview -- <environment> [--base <ref>]");
    expect(() => parsePreviewArguments(["dev", "--base"])).toThrow("--base needs a git ref");
    expect(() => parsePreviewArguments(["dev", "prod"])).toThrow('One environment at a time (found "dev" and "prod")');
    expect(() => parsePreviewArguments(["dev", "--verbose"])).toThrow("Unknown option --verbose");
  });
});

describe("npm run preview", () => {
  it("with no tools and no credentials: synthesizes, names every missing piece, exits 0", async () => {
    const emptyHome = mkdtempSync(join(tmpdir(), "preview-home-"));
    // PATH keeps node and git but no terraform, infracost or tflint.
    const bin = mkdtempSync(join(tmpdir(), "preview-bin-"));
    fs.symlinkSync(process.execPath, join(bin, "node"));
    const git = ["/usr/bin/git", "/usr/local/bin/git"].find((path) => existsSync(path));
    if (git) fs.symlinkSync(git, join(bin, "git"));
    const result = await runCli(["dev"], { PATH: bin, HOME: emptyHome });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("  dev: .build/preview/dev/cdktf.out/stacks/trading-platform-dev/cdk.tf.json");
    // Not a terminal: no colour codes.
    expect(result.stdout).not.toContain("\u001b[");
    // Without terraform (which cdktf's cloud backend validation runs), synth uses local state.
    expect(result.stdout).toContain("synth · dev (local backend)");
    expect(result.stdout).toMatch(/skipped plan: missing terraform \(not on PATH\); AWS credentials/);
    expect(result.stdout).toMatch(/skipped cost: missing a plan \(see above\); infracost \(not on PATH\); an infracost API key/);
    expect(result.stdout).toContain("skipped lint: missing tflint (not on PATH)");
    expect(result.stdout).toContain("skipped diff: no --base <ref> given");
  });

  it("a bad invocation prints the usage and exits 2", async () => {
    const result = await runCli([], { PATH: process.env.PATH ?? "", HOME: tmpdir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("usage: npm run preview -- <environment> [--base <ref>]");
    // The synth settings are its synth's to check (a child process), not the preview's.
    const withSynthSetting = await runCli([], { PATH: process.env.PATH ?? "", HOME: tmpdir(), SYNTH_PATCHES: "fast" });
    expect({ code: withSynthSetting.code, stderr: withSynthSetting.stderr }).toEqual({ code: 2, stderr: result.stderr });
  });

  it("with terraform, infracost and tflint present: runs the actions' plan, cost and lint pipelines and prints them as readable text", async () => {
    const bin = mkdtempSync(join(tmpdir(), "preview-tools-"));
    const home = mkdtempSync(join(tmpdir(), "preview-home-"));
    // Stand-ins for the real tools, answering as they do (no provider download or pricing API here).
    tool(bin, "terraform", `#!/bin/sh\ncase "$1" in show) cat "${join(fixtures, "plan", "borchero_2-delete.plan.json")}";; esac\nexit 0\n`);
    tool(bin, "infracost", `#!/bin/sh\ncat "${join(fixtures, "infracost", "infracost-testdata_terraform_v0.14_breakdown_from_plan_json.infracost.json")}"\n`);
    // tflint: one warning on the first line inside the first KMS key of the synthesized stack.
    tool(
      bin,
      "tflint",
      `#!${process.execPath}
if (process.argv[2] === "--init") process.exit(0);
const lines = require("node:fs").readFileSync("cdk.tf.json", "utf8").split("\\n");
const line = lines.findIndex((text) => text.includes('"aws_kms_key": {')) + 3;
process.stdout.write(JSON.stringify({ issues: [{ rule: { name: "kms_rotation", severity: "warning", link: "" }, message: "check key rotation", range: { filename: "cdk.tf.json", start: { line, column: 1 }, end: { line, column: 2 } }, callers: [] }], errors: [] }));
process.exit(2);
`,
    );
    const output: string[] = [];
    const steps = await preview({
      environment: "dev",
      root: repoRoot,
      env: { PATH: `${bin}:${process.env.PATH}`, TF_BACKEND: "local", AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", INFRACOST_API_KEY: "ico-example", HOME: home },
      fs,
      exec: spawnExec,
      write: (text) => void output.push(text),
      style: PLAIN,
      home,
    });
    const printed = output.join("");
    expect(steps.map((step) => `${step.name}:${step.status}`)).toEqual(["synth:done", "diff:skipped", "plan:done", "cost:done", "lint:done"]);
    // Plan: the delete fixture's warning first, then each resource with terraform's marker.
    expect(printed).toMatch(/plan · dev\n[\s\S]*! This plan destroys 2 resources:\n {2}- destroy local_file\.test[^\n]*; its configuration was removed/);
    expect(printed).toMatch(/\nDestroy \(2\)\n {2}- local_file\.test {2}its configuration was removed\n {2}- local_file\.test3 {2}its configuration was removed\n/);
    // Cost: exact totals, amounts aligned in columns.
    expect(printed).toContain("$81.12 per month, up +$40.56 (+100%) from $40.56.");
    expect(printed).toMatch(/\n {3}\+\$4\.60 {2}\+ added aws_instance\.instance_2 +Instance usage \(Linux\/UNIX, on-demand, t3\.nano\) \+\$3\.80\n/);
    // Lint: the finding points at the construct and the TypeScript line that created the key.
    const lint = printed.slice(printed.indexOf("lint · dev"));
    expect(lint).toMatch(/warning +kms_rotation: check key rotation\n +aws_kms_key\.[^ ]+ \(trading-platform-dev\//);
    const match = /created at (stacks\/[^:\n]+\.ts):(\d+)/.exec(lint);
    expect(match).not.toBeNull();
    const sourceLine = readFileSync(join(repoRoot, match![1]!), "utf8").split("\n")[Number(match![2]) - 1];
    expect(sourceLine).toMatch(/new |\w+\(/);
    // Readable text, not the comments' markdown or HTML.
    expect(printed).not.toMatch(/<code>|<details>|<sub>|\*\*|\|---|&quot;/);
    expect(printed).not.toContain("\u001b[");
  });
});
