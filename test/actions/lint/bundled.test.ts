import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { failures, startFakeGitHub, type FakeGitHub } from "../../support/fake-github";
import { repoRoot } from "../../support/environments";
import { synthesizedStacks } from "../../support/synth";
import { PR_NUMBER, runBundledAction } from "../support/run-bundled-action";

const fixtures = join(repoRoot, "test", "fixtures", "tools", "tflint");
const stackDir = "cdktf.out/stacks/trading-platform-dev";

/** A checkout with a synthesized stack whose bucket was created at stacks/constructs/encrypted-bucket.ts:42. */
function workspaceWithStack(): { workspace: string; bucketLine: number } {
  const workspace = mkdtempSync(join(tmpdir(), "lint-workspace-"));
  mkdirSync(join(workspace, stackDir), { recursive: true });
  const text = JSON.stringify(
    {
      resource: {
        aws_s3_bucket: {
          "audit-logs": {
            "//": {
              metadata: {
                path: "trading-platform-dev/storage/audit-logs",
                uniqueId: "audit-logs",
                stackTrace: ["new EncryptedBucket (stacks/constructs/encrypted-bucket.ts:42:19)", "new TradingPlatformStack (stacks/trading-platform-stack.ts:80:5)"],
              },
            },
            bucket: "audit-dev",
          },
        },
      },
    },
    null,
    2,
  );
  writeFileSync(join(workspace, stackDir, "cdk.tf.json"), text);
  return { workspace, bucketLine: text.split("\n").findIndex((line) => line.includes('"bucket": "audit-dev"')) + 1 };
}

const tflintOutput = (line: number, severity: "error" | "warning" | "notice" = "warning") =>
  JSON.stringify({
    issues: [
      {
        rule: { name: "aws_s3_bucket_lifecycle", severity, link: "https://example.com/rules/lifecycle" },
        message: "bucket has no lifecycle configuration",
        range: { filename: "cdk.tf.json", start: { line, column: 9 }, end: { line, column: 30 } },
        callers: [],
        fixable: false,
      },
    ],
    errors: [],
  });

describe("lint action, bundled, as the runner runs it", () => {
  let github: FakeGitHub;
  beforeEach(async () => {
    github = await startFakeGitHub();
  });
  afterEach(() => github.close());

  const lint = (inputs: Record<string, string>, options: { runId?: number; eventName?: string; workspace?: string } = {}) =>
    runBundledAction({ action: "lint", apiUrl: github.url, inputs: { environment: "dev", "github-token": "ghs_test", ...inputs }, ...options });

  it("annotates the TypeScript line that created the resource, comments once, updates on re-run", async () => {
    const { workspace, bucketLine } = workspaceWithStack();
    writeFileSync(join(workspace, "tflint.json"), tflintOutput(bucketLine));
    const first = await lint({ "tflint-json": "tflint.json" }, { workspace, runId: 2000 });
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toEqual({ errors: "0", warnings: "1", notices: "0" });
    expect(first.commands).toContain(
      "::warning title=tflint aws_s3_bucket_lifecycle,file=stacks/constructs/encrypted-bucket.ts,line=42::bucket has no lifecycle configuration (aws_s3_bucket.audit-logs, trading-platform-dev/storage/audit-logs)",
    );
    const [comment] = github.comments(PR_NUMBER);
    expect(comment!.body).toContain(
      "- ⚠️ **[`stacks/constructs/encrypted-bucket.ts:42`](https://github.com/acme/trading-infra/blob/1111111111111111111111111111111111111111/stacks/constructs/encrypted-bucket.ts#L42)** ← [`stacks/trading-platform-stack.ts:80`](https://github.com/acme/trading-infra/blob/1111111111111111111111111111111111111111/stacks/trading-platform-stack.ts#L80) · `aws_s3_bucket.audit-logs` <sub>trading-platform-dev/storage/audit-logs</sub>",
    );

    writeFileSync(join(workspace, "tflint.json"), JSON.stringify({ issues: [], errors: [] }));
    const second = await lint({ "tflint-json": "tflint.json" }, { workspace, runId: 2001 });
    expect(second.exitCode).toBe(0);
    const comments = github.comments(PR_NUMBER);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("✅ **No findings.**");
    expect(github.writes().map((request) => request.method)).toEqual(["POST", "PATCH"]);
  });

  it("fail-on decides the exit code; the comment is posted either way", async () => {
    const { workspace, bucketLine } = workspaceWithStack();
    writeFileSync(join(workspace, "tflint.json"), tflintOutput(bucketLine));
    const strict = await lint({ "tflint-json": "tflint.json", "fail-on": "warning" }, { workspace });
    expect(strict.exitCode).toBe(1);
    expect(github.comments(PR_NUMBER)[0]!.body).toContain("this check fails (fail-on: warning)");
    const bad = await lint({ "tflint-json": "tflint.json", "fail-on": "sometimes" }, { workspace });
    expect(bad.exitCode).toBe(1);
    expect(bad.commands).toContainEqual('::error title=lint::Input "fail-on": found "sometimes", expected one of error, warning, notice, none.');
  });

  it("tflint's own errors (errors-only output) fail the step even with fail-on none, and are shown", async () => {
    const result = await lint({ "tflint-json": join(fixtures, "tflint-it_bad-config_errors.tflint.json"), "fail-on": "none" });
    expect(result.exitCode).toBe(1);
    expect(github.comments(PR_NUMBER)[0]!.body).toContain("**Invalid quoted type constraints**");
    expect(result.commands).toContainEqual(expect.stringMatching(/^::error title=tflint error,file=cdktf.out\/stacks\/trading-platform-dev\/template.tf,line=2::Invalid quoted type constraints/));
  });

  it("runs tflint --init then --format json with the repository's .tflint.hcl in the stack folder; exit 2 means findings, not failure", async () => {
    const { workspace, bucketLine } = workspaceWithStack();
    writeFileSync(join(workspace, ".tflint.hcl"), 'plugin "aws" { enabled = true }\n');
    const record = join(workspace, "invocations.txt");
    const output = join(workspace, "tflint-output.json");
    writeFileSync(output, tflintOutput(bucketLine, "error"));
    const binary = join(workspace, "fake-tflint");
    writeFileSync(
      binary,
      `#!/bin/sh\necho "$PWD $@" >> "${record}"\nenv | grep -c ghs_test >> "${record}"\ncase "$1" in --init) exit 0;; esac\ncat "${output}"\nexit 2\n`,
    );
    chmodSync(binary, 0o755);
    const result = await lint({ tflint: binary }, { workspace });
    expect(readFileSync(record, "utf8").trim().split("\n")).toEqual([
      `${join(workspace, stackDir)} --init --config ${join(workspace, ".tflint.hcl")}`,
      "0",
      `${join(workspace, stackDir)} --format json --config ${join(workspace, ".tflint.hcl")}`,
      "0",
    ]);
    // One error finding under fail-on: error: the step fails because of the finding, not the exit code 2.
    expect(result.exitCode).toBe(1);
    expect(result.outputs.errors).toBe("1");
    expect(result.commands).toContainEqual(expect.stringMatching(/^::error title=[^,]+,file=stacks\/constructs\/encrypted-bucket.ts,line=42::/));
  });

  it("tflint exit 1 without JSON: the tool's output is in the comment and the step fails", async () => {
    const { workspace } = workspaceWithStack();
    const binary = join(workspace, "fake-tflint");
    writeFileSync(binary, '#!/bin/sh\ncase "$1" in --init) exit 0;; esac\necho "Failed to load configurations: .tflint.hcl:1,1-7: Unsupported block type" >&2\nexit 1\n');
    chmodSync(binary, 0o755);
    const result = await lint({ tflint: binary }, { workspace });
    expect(result.exitCode).toBe(1);
    expect(github.comments(PR_NUMBER)[0]!.body).toContain("Failed to load configurations: .tflint.hcl:1,1-7: Unsupported block type");
  });

  it("posts once when the create answers 502, and a fork's read-only token gives summary + notice + exit 0", async () => {
    const { workspace, bucketLine } = workspaceWithStack();
    writeFileSync(join(workspace, "tflint.json"), tflintOutput(bucketLine));
    github.fail("POST", /\/issues\/\d+\/comments$/, failures.badGateway(), { afterApplying: true });
    const flaky = await lint({ "tflint-json": "tflint.json" }, { workspace });
    expect(flaky.exitCode).toBe(0);
    expect(github.comments(PR_NUMBER)).toHaveLength(1);

    const fork = await startFakeGitHub();
    try {
      fork.readOnly();
      const result = await runBundledAction({ action: "lint", apiUrl: fork.url, workspace, inputs: { environment: "dev", "github-token": "ghs_test", "tflint-json": "tflint.json" } });
      expect(result.exitCode).toBe(0);
      expect(fork.comments(PR_NUMBER)).toHaveLength(0);
      expect(result.summary).toContain("stacks/constructs/encrypted-bucket.ts:42");
      expect(result.commands).toContainEqual(expect.stringMatching(/^::notice::No lint comment for dev: the token cannot write/));
    } finally {
      await fork.close();
    }
  });

  it("a push event: summary only, nothing sent to GitHub", async () => {
    const result = await lint({ "tflint-json": join(fixtures, "tflint-it_bundled_basic.tflint.json") }, { eventName: "push" });
    expect(result.exitCode).toBe(0);
    expect(github.requests).toHaveLength(0);
    expect(result.summary).toContain("**0 errors, 6 warnings, 0 notices**");
  });

  it("on the real synthesized dev stack, every finding lands on the TypeScript line that created its resource", async () => {
    const { outdir } = synthesizedStacks();
    const text = readFileSync(join(outdir, "stacks", "trading-platform-dev", "cdk.tf.json"), "utf8");
    const workspace = mkdtempSync(join(tmpdir(), "lint-real-"));
    mkdirSync(join(workspace, stackDir), { recursive: true });
    writeFileSync(join(workspace, stackDir, "cdk.tf.json"), text);
    const lines = text.split("\n");
    const document = JSON.parse(text) as { resource: Record<string, Record<string, unknown>> };
    // One finding inside each of a few resources of different types, as tflint would report them.
    const targets = Object.entries(document.resource)
      .slice(0, 6)
      .map(([type, byName]) => `${type}.${Object.keys(byName)[0]}`);
    const issues = targets.map((address) => {
      const [type, name] = [address.slice(0, address.indexOf(".")), address.slice(address.indexOf(".") + 1)];
      const typeLine = lines.findIndex((line) => line === `    "${type}": {`);
      const line = lines.findIndex((candidate, index) => index > typeLine && candidate === `      "${name}": {`) + 2;
      return { rule: { name: "probe", severity: "notice", link: "" }, message: `probe ${address}`, range: { filename: "cdk.tf.json", start: { line, column: 1 }, end: { line, column: 2 } }, callers: [] };
    });
    writeFileSync(join(workspace, "tflint.json"), JSON.stringify({ issues, errors: [] }));
    const result = await lint({ "tflint-json": "tflint.json" }, { workspace });
    expect(result.exitCode).toBe(0);
    expect(result.outputs.notices).toBe(String(targets.length));
    for (const address of targets) {
      const command = result.commands.find((line) => line.includes(`::probe ${address} (${address}, trading-platform-dev/`));
      expect({ address, command }).toEqual({ address, command: expect.stringMatching(/^::notice title=tflint probe,file=stacks\/[^,]+\.ts,line=\d+::/) });
      const [, file, line] = /file=([^,]+),line=(\d+)/.exec(command!)!;
      const source = readFileSync(join(repoRoot, file!), "utf8").split("\n")[Number(line) - 1];
      expect({ address, source }).toEqual({ address, source: expect.stringMatching(/new [A-Z]|\w+\(/) });
    }
    expect(github.comments(PR_NUMBER)[0]!.body).toContain("](https://github.com/acme/trading-infra/blob/1111111111111111111111111111111111111111/stacks/");
  }, 150_000);
});
