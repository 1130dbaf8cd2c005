import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { locateFindings } from "../../../review/src/tflint/locate-findings";
import { GROUP_ABOVE, annotations, failsOn, renderLintComment } from "../../../review/src/tflint/markdown";
import { TflintReportError, parseTflintReport } from "../../../review/src/tflint/report";
import { repoRoot } from "../../support/environments";
import { expectValidGitHubMarkdown } from "../../support/github-markdown";
import { environmentNames, synthesizedStacks } from "../../support/synth";

const fixturesDir = join(repoRoot, "test", "fixtures", "tools", "tflint");
const fixture = (name: string): string => readFileSync(join(fixturesDir, name), "utf8");

/** Lints as if tflint had run in `workingDirectory` of a checkout at `root`. */
function lint(name: string, options: { root?: string; workingDirectory?: string; failOn?: "error" | "warning" | "notice" | "none" } = {}) {
  const root = options.root ?? fixturesDir;
  const report = parseTflintReport(fixture(name), name);
  const located = locateFindings(report, {
    workingDirectory: options.workingDirectory ?? ".",
    repoRoot: root,
    readFile: (path) => (existsSync(join(root, path)) ? readFileSync(join(root, path), "utf8") : undefined),
  });
  const comment = renderLintComment(located.findings, located.errors, {
    environment: "dev",
    limit: 65_000,
    failOn: options.failOn ?? "error",
    blobUrl: "https://github.com/acme/infra/blob/abc123",
  });
  return { report, ...located, comment, annotations: annotations(located.findings, located.errors) };
}

describe("tflint output → lint comment, on every real output", () => {
  const files = readdirSync(fixturesDir).filter((file) => file.endsWith(".tflint.json"));

  it("finds the fixtures", () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)("%s renders valid GitHub markdown: counts and one list item or error line per item", (file) => {
    const { report, comment } = lint(file);
    expect(comment).toMatch(/^### 🔎 tflint · `dev`/);
    const rows = comment.split("\n").filter((line) => /^- (❌|⚠️|ℹ️) /.test(line));
    expect(rows).toHaveLength(report.issues.length);
    expectValidGitHubMarkdown(comment, { allowedLinks: (href) => href.startsWith("https://github.com/") });
    for (const error of report.errors) expect(comment).toContain(error.summary);
    expect(comment).not.toMatch(/undefined|NaN|\[object/);
    expect(comment).not.toMatch(/\n{3}/);
  });

  it("bundled ruleset: six warnings with rule links, file:line, fixable hint; passes under fail-on error", () => {
    const { findings, comment, annotations: commands } = lint("tflint-it_bundled_basic.tflint.json");
    expect(comment).toContain("**0 errors, 6 warnings, 0 notices**: this check passes (fail-on: error).");
    expect(comment).toContain(
      "- ⚠️ `main.tf:2` · [`terraform_unused_declarations`](https://github.com/terraform-linters/tflint-ruleset-terraform/blob/v0.8.0/docs/rules/terraform_unused_declarations.md): variable &quot;unused&quot; is declared but not used <sub>(tflint --fix can fix this)</sub>",
    );
    expect(failsOn("error", findings)).toBe(false);
    expect(failsOn("warning", findings)).toBe(true);
    expect(commands).toContainEqual({ level: "warning", file: "main.tf", line: 2, title: "tflint terraform_unused_declarations", message: 'variable "unused" is declared but not used' });
  });

  it("errors-only output (bad config): the tool error is shown with its text and location, and fails", () => {
    const { findings, errors, comment, annotations: commands } = lint("tflint-it_bad-config_errors.tflint.json", { failOn: "none" });
    expect(findings).toHaveLength(0);
    expect(errors).toHaveLength(1);
    expect(comment).toContain("tflint itself reported errors, so this check fails.");
    expect(comment).toContain("> - **Invalid quoted type constraints**: Terraform 0.11 and earlier required type constraints to be given in quotes");
    expect(comment).toContain("(`template.tf:2`)");
    expect(commands[0]).toMatchObject({ level: "error", file: "template.tf", line: 2, title: "tflint error", message: expect.stringMatching(/^Invalid quoted type constraints: /) });
  });

  it("module callers: the call chain is shown under each finding", () => {
    const { comment } = lint("tflint-it_module_callers.tflint.json");
    expect(comment).toContain("**4 errors, 0 warnings, 0 notices**: this check fails (fail-on: error).");
    expect(comment).toContain("- ❌ `module.tf:11` · `aws_instance_example_type`: instance type is t1.2xlarge <sub>via module/template.tf:15 → module/module/instance.tf:9</sub>");
  });

  it("a .tf.json input: the JSON line is mapped to the resource block around it", () => {
    const root = mkdtempSync(join(tmpdir(), "lint-tfjson-"));
    // tflint reported the file under its original name.
    copyFileSync(join(fixturesDir, "tflint-it_jsonsyntax_template.tf.json"), join(root, "template.tf.json"));
    const { findings, comment, annotations: commands } = lint("tflint-it_jsonsyntax_tf.json-input.tflint.json", { root });
    expect(findings[0]).toMatchObject({ address: "aws_instance.example", lintedFile: "template.tf.json", lintedLine: 5 });
    expect(comment).toContain("- ❌ `template.tf.json:5` · `aws_instance.example` · `aws_instance_example_type`: instance type is t1.xmicro");
    expect(commands).toEqual([{ level: "error", file: "template.tf.json", line: 5, title: "tflint aws_instance_example_type", message: "instance type is t1.xmicro (aws_instance.example)" }]);
  });
});

describe("findings on a synthesized stack point at the TypeScript that created the resource", () => {
  // A stack as `npm run synth` writes it, with the creation stack traces recorded at synth time.
  const root = mkdtempSync(join(tmpdir(), "lint-stack-"));
  const stackDir = "cdktf.out/stacks/trading-platform-dev";
  const stackJson = JSON.stringify(
    {
      resource: {
        aws_s3_bucket: {
          "audit-logs": {
            "//": {
              metadata: {
                path: "trading-platform-dev/storage/audit-logs",
                uniqueId: "audit-logs",
                stackTrace: [
                  "new EncryptedBucket (stacks/constructs/encrypted-bucket.ts:42:19)",
                  "new TradingPlatformStack (stacks/trading-platform-stack.ts:80:5)",
                ],
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
  mkdirSync(join(root, stackDir), { recursive: true });
  writeFileSync(join(root, stackDir, "cdk.tf.json"), stackJson);
  const bucketLine = stackJson.split("\n").findIndex((line) => line.includes('"bucket": "audit-dev"')) + 1;
  const finding = (line: number, message = "bucket has no lifecycle configuration", severity = "warning") =>
    JSON.stringify({
      issues: [{ rule: { name: "s3_lifecycle", severity, link: "" }, message, range: { filename: "cdk.tf.json", start: { line, column: 7 }, end: { line, column: 20 } }, callers: [] }],
      errors: [],
    });

  function run(tflintJson: string, workingDirectory = stackDir) {
    const report = parseTflintReport(tflintJson);
    const located = locateFindings(report, { workingDirectory, repoRoot: root, readFile: (path) => (existsSync(join(root, path)) ? readFileSync(join(root, path), "utf8") : undefined) });
    return {
      ...located,
      comment: renderLintComment(located.findings, located.errors, { environment: "dev", limit: 65_000, failOn: "error", blobUrl: "https://github.com/acme/infra/blob/abc123" }),
      commands: annotations(located.findings, located.errors),
    };
  }

  it("shows address, construct path and a link to the TypeScript line; annotates that line", () => {
    const { findings, comment, commands } = run(finding(bucketLine));
    expect(findings[0]).toMatchObject({
      address: "aws_s3_bucket.audit-logs",
      constructPath: "trading-platform-dev/storage/audit-logs",
      source: { file: "stacks/constructs/encrypted-bucket.ts", line: 42 },
    });
    expect(comment).toContain(
      "- ⚠️ **[`stacks/constructs/encrypted-bucket.ts:42`](https://github.com/acme/infra/blob/abc123/stacks/constructs/encrypted-bucket.ts#L42)** ← [`stacks/trading-platform-stack.ts:80`](https://github.com/acme/infra/blob/abc123/stacks/trading-platform-stack.ts#L80) · `aws_s3_bucket.audit-logs` <sub>trading-platform-dev/storage/audit-logs</sub> · `s3_lifecycle`: bucket has no lifecycle configuration",
    );
    expect(commands).toEqual([
      {
        level: "warning",
        file: "stacks/constructs/encrypted-bucket.ts",
        line: 42,
        title: "tflint s3_lifecycle",
        message: "bucket has no lifecycle configuration (aws_s3_bucket.audit-logs, trading-platform-dev/storage/audit-logs)",
      },
    ]);
  });

  it("line 0 falls back to the resource named in the message, else file-level", () => {
    expect(run(finding(0, "aws_s3_bucket.audit-logs: versioning is disabled")).findings[0]).toMatchObject({ address: "aws_s3_bucket.audit-logs", source: { line: 42 } });
    const fileLevel = run(finding(0, "terraform \"required_version\" attribute is required"));
    expect(fileLevel.findings[0]!.address).toBeUndefined();
    expect(fileLevel.comment).toContain("- ⚠️ `cdktf.out/stacks/trading-platform-dev/cdk.tf.json` (file-level) · `s3_lifecycle`: terraform &quot;required\\_version&quot; attribute is required");
    expect(fileLevel.commands[0]).toEqual({
      level: "warning",
      file: "cdktf.out/stacks/trading-platform-dev/cdk.tf.json",
      line: undefined,
      title: "tflint s3_lifecycle",
      message: 'terraform "required_version" attribute is required',
    });
  });

  it("hostile messages cannot break the table or ping anyone", () => {
    const { comment } = run(finding(bucketLine, "a | b </details> @security-team #12 `x`"));
    const row = comment.split("\n").find((line) => line.startsWith("- ⚠️"))!;
    expect(row).not.toContain("</details>");
    expect(row).not.toMatch(/@security-team|#12/);
    expectValidGitHubMarkdown(comment, { allowedLinks: (href) => href.startsWith("https://github.com/acme/infra/blob/abc123/") });
  });
});

describe("parseTflintReport", () => {
  it("says what is wrong, naming the field", () => {
    expect(() => parseTflintReport('{"issues":[{"rule":{"name":"x","severity":"fatal"},"message":"m"}]}', "lint.json")).toThrow(
      new TflintReportError("lint.json", "issues[0].rule.severity: found \"fatal\", expected one of error, warning, notice, info"),
    );
    expect(() => parseTflintReport("Failed to initialize plugins", "lint.json")).toThrow(/lint\.json: not valid JSON/);
    expect(() => parseTflintReport('{"results": []}', "lint.json")).toThrow(/expected `issues` and `errors` arrays/);
  });
});

describe("rule links", () => {
  const render = (link: string) => {
    const report = parseTflintReport(JSON.stringify({ issues: [{ rule: { name: "r", severity: "notice", link }, message: "m", range: null, callers: [] }], errors: [] }));
    const located = locateFindings(report, { workingDirectory: ".", readFile: () => undefined });
    return renderLintComment(located.findings, located.errors, { environment: "dev", limit: 65_000, failOn: "error" });
  };

  it("keeps http(s) links and encodes what would end the markdown link", () => {
    expect(render("https://example.com/rules/a_(b).md")).toContain("[`r`](https://example.com/rules/a_%28b%29.md)");
  });

  it("drops other schemes", () => {
    expect(render("javascript:alert(1)")).toContain("- ℹ️ file-level · `r`: m");
    expect(render("https://example.com/%E0%A4%A")).toContain("- ℹ️ file-level · `r`: m");
  });
});

describe("file names", () => {
  it("an absolute file name inside the checkout is shown relative to it", () => {
    const report = parseTflintReport(
      JSON.stringify({ issues: [{ rule: { name: "r", severity: "notice", link: "" }, message: "m", range: { filename: "/repo/cdktf.out/stacks/s/main.tf", start: { line: 3, column: 1 }, end: { line: 3, column: 2 } }, callers: [] }], errors: [] }),
    );
    const { findings } = locateFindings(report, { workingDirectory: "cdktf.out/stacks/s", repoRoot: "/repo", readFile: () => undefined });
    expect(findings[0]).toMatchObject({ lintedFile: "cdktf.out/stacks/s/main.tf", lintedLine: 3 });
  });
});

describe("findings on the real synthesized stack link the line that gave the resource its values", () => {
  // The first environment's stack as synth writes it, with the creation traces synth records; tflint's report
  // for it is written here, one finding per resource, as tflint reports a line inside a resource block.
  const { outdir } = synthesizedStacks();
  const [environment] = environmentNames;
  const stackFile = join(outdir, "stacks", `trading-platform-${environment}`, "cdk.tf.json");
  const stackText = readFileSync(stackFile, "utf8");
  const stack = JSON.parse(stackText);
  const lines = stackText.split("\n");
  const lineOf = (type: string, name: string) => lines.findIndex((line, index) => line.includes(`"${name}": {`) && lines.slice(0, index).some((previous) => previous.includes(`"${type}": {`))) + 1;
  const report = (targets: readonly (readonly [string, string])[], rule = "test_rule") =>
    parseTflintReport(
      JSON.stringify({
        issues: targets.map(([type, name]) => ({ rule: { name: rule, severity: "warning", link: "" }, message: `${type} finding`, range: { filename: "cdk.tf.json", start: { line: lineOf(type, name) + 1, column: 1 }, end: { line: lineOf(type, name) + 1, column: 2 } }, callers: [] })),
        errors: [],
      }),
    );
  const locate = (targets: readonly (readonly [string, string])[]) =>
    locateFindings(report(targets), { workingDirectory: ".", readFile: (path) => (path === "cdk.tf.json" ? stackText : undefined) });
  const frames = (type: string, name: string): string[] => stack.resource[type][name]["//"].metadata.stackTrace;
  const location = (frame: string) => /\((stacks\/[^:]+):(\d+):\d+\)$/.exec(frame)!;

  it("an alarm made by a shared helper: the helper's line, then the caller that passed its values, which is the one to change", () => {
    const alarms = Object.keys(stack.resource.aws_cloudwatch_metric_alarm);
    // An alarm whose caller no other alarm shares (the per-function alarms share a loop).
    const alarm = alarms.find((name) => alarms.filter((other) => location(frames("aws_cloudwatch_metric_alarm", other)[1]!)[0] === location(frames("aws_cloudwatch_metric_alarm", name)[1]!)[0]).length === 1)!;
    const [helper, caller] = frames("aws_cloudwatch_metric_alarm", alarm).map(location);
    const { findings } = locate([["aws_cloudwatch_metric_alarm", alarm]]);
    expect(findings[0]!.address).toBe(`aws_cloudwatch_metric_alarm.${alarm}`);
    expect(findings[0]!.chain![0]).toMatchObject({ file: helper![1], line: Number(helper![2]) });
    expect(findings[0]!.source).toMatchObject({ file: caller![1], line: Number(caller![2]) });
    const comment = renderLintComment(findings, [], { environment: environment!, limit: 65_000, failOn: "error", blobUrl: "https://github.com/acme/infra/blob/abc123" });
    const link = (frame: RegExpExecArray) => `[\`${frame[1]}:${frame[2]}\`](https://github.com/acme/infra/blob/abc123/${frame[1]}#L${frame[2]})`;
    expect(comment).toContain(`- ⚠️ ${link(helper!)} ← **${link(caller!)}** ← `);
    // The app's entry, which every resource shares, is left out.
    expect(comment).not.toContain("stacks/app.ts");
    expect(annotations(findings, [])[0]).toMatchObject({ file: caller![1], line: Number(caller![2]) });
  });

  it("many findings are grouped by rule with a count, each still led by its TypeScript link", () => {
    const functions = Object.keys(stack.resource.aws_lambda_function).map((name) => ["aws_lambda_function", name] as const);
    const buckets = Object.keys(stack.resource.aws_s3_bucket).map((name) => ["aws_s3_bucket", name] as const);
    const targets = [...functions, ...buckets, ...functions];
    expect(targets.length).toBeGreaterThan(GROUP_ABOVE);
    const { findings } = locate(targets);
    const comment = renderLintComment(findings, [], { environment: environment!, limit: 65_000, failOn: "error", blobUrl: "https://github.com/acme/infra/blob/abc123" });
    expectValidGitHubMarkdown(comment, { allowedLinks: (href) => href.startsWith("https://github.com/acme/infra/blob/abc123/") });
    expect(comment).toContain(`#### ⚠️ \`test_rule\` (${targets.length})`);
    const items = comment.split("\n").filter((line) => /^- ⚠️ (\*\*)?\[`stacks\//.test(line));
    expect(items).toHaveLength(targets.length);
    // Each function's finding names its own construct, so findings on the same helper line are told apart.
    for (const [, name] of functions) expect(comment).toContain(`\`aws_lambda_function.${name}\` <sub>${stack.resource.aws_lambda_function[name]["//"].metadata.path}</sub>`);
  });
});
