// The lint findings for a terminal: rule, message, resource, construct and the
// TypeScript line that created it; most severe first.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { locateFindings } from "../../../review/src/tflint/locate-findings";
import { parseTflintReport } from "../../../review/src/tflint/report";
import { renderLintErrorText, renderLintText } from "../../../review/src/tflint/text";
import { PLAIN } from "../../../review/src/text";
import { repoRoot } from "../../support/environments";

const fixturesDir = join(repoRoot, "test", "fixtures", "tools", "tflint");

const located = (text: string, root = fixturesDir, workingDirectory = ".") =>
  locateFindings(parseTflintReport(text, "tflint.json"), {
    workingDirectory,
    repoRoot: root,
    readFile: (path) => (existsSync(join(root, path)) ? readFileSync(join(root, path), "utf8") : undefined),
  });

describe("lint text", () => {
  const files = readdirSync(fixturesDir).filter((file) => file.endsWith(".tflint.json"));

  it.each(files)("%s: the tally and verdict first, every finding and tool error, no markdown", (file) => {
    const { findings, errors } = located(readFileSync(join(fixturesDir, file), "utf8"));
    const text = renderLintText(findings, errors, { environment: "dev", failOn: "error", style: PLAIN });
    expect(text.split("\n")[0]).toBe("tflint · dev");
    expect(text.split("\n")[1]).toMatch(/^(No findings\.|\d+ errors?, \d+ warnings?, \d+ notices?: .+\.)$/);
    for (const { finding } of findings) expect(text).toContain(`${finding.rule}: ${finding.message.replace(/\n/g, "⏎")}`);
    for (const { error } of errors) expect(text).toContain(error.message.replace(/\n/g, "⏎"));
    expect(text).not.toMatch(/\*\*|\|---|<sub>|<br>|&quot;|undefined|\[object/);
  });

  it("puts a finding on the resource, its construct and the TypeScript line that created it", () => {
    const stack = JSON.stringify(
      { resource: { aws_s3_bucket: { logs: { "//": { metadata: { path: "trading-platform-dev/storage/logs", stackTrace: ["new EncryptedBucket (stacks/constructs/encrypted-bucket.ts:42:19)"] } }, bucket: "logs" } } } },
      null,
      2,
    );
    const line = stack.split("\n").findIndex((text) => text.includes('"bucket": "logs"')) + 1;
    const report = JSON.stringify({
      issues: [
        { rule: { name: "s3_lifecycle", severity: "warning", link: "https://example.com/s3" }, message: "no lifecycle", range: { filename: "cdk.tf.json", start: { line, column: 1 }, end: { line, column: 2 } }, callers: [] },
        { rule: { name: "s3_name", severity: "error", link: "" }, message: "bad name", range: { filename: "cdk.tf.json", start: { line, column: 1 }, end: { line, column: 2 } }, callers: [] },
      ],
      errors: [],
    });
    const { findings, errors } = locateFindings(parseTflintReport(report), { workingDirectory: "stack", readFile: (path) => (path === "stack/cdk.tf.json" ? stack : undefined) });
    expect(renderLintText(findings, errors, { environment: "dev", failOn: "error", style: PLAIN })).toBe(
      [
        "tflint · dev",
        "1 error, 1 warning, 0 notices: this check fails (fail-on: error).",
        "",
        "error   s3_name: bad name",
        "        aws_s3_bucket.logs (trading-platform-dev/storage/logs)",
        "        created at stacks/constructs/encrypted-bucket.ts:42",
        "",
        "warning s3_lifecycle: no lifecycle",
        "        aws_s3_bucket.logs (trading-platform-dev/storage/logs)",
        "        created at stacks/constructs/encrypted-bucket.ts:42",
        "        https://example.com/s3",
      ].join("\n"),
    );
  });

  it("shows tflint's own failure with all its output", () => {
    expect(renderLintErrorText("dev", "tflint --init failed (exit code 1).", "Failed to install a plugin\n", PLAIN)).toBe("tflint failed · dev\ntflint --init failed (exit code 1).\n\nFailed to install a plugin");
  });
});
