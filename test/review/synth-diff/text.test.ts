// The configuration diff for a terminal: what changed, with the values.
import { diffStacks } from "../../../review/src/synth-diff/config-diff";
import { renderSynthDiffText, renderSynthErrorText, renderSynthStacksText } from "../../../review/src/synth-diff/text";
import { ANSI, PLAIN } from "../../../review/src/text";

const meta = (path: string) => ({ "//": { metadata: { path } } });
const base = { resource: { aws_s3_bucket: { raw: { bucket: "raw-dev", tags: { Owner: "a" }, ...meta("stack/raw") }, old: { bucket: "old", ...meta("stack/old") } } } };
const head = {
  resource: {
    aws_s3_bucket: { raw: { bucket: "raw-dev-2", tags: { Owner: "b", "a.b": "c" }, ...meta("stack/raw") }, fresh: { bucket: "new", ...meta("stack/fresh") } },
    aws_lambda_function: { ingest: { filename: "x", source_code_hash: "y", ...meta("stack/ingest") } },
  },
};

describe("renderSynthDiffText", () => {
  it("lists removed, changed and added resources, each changed attribute as before → after", () => {
    const text = renderSynthDiffText({ baseRef: "main", results: [{ environment: "dev", stackName: "trading-platform-dev", diff: diffStacks(base, head) }], style: PLAIN });
    expect(text).toBe(
      [
        "CDKTF configuration diff against main",
        "From the synthesized cdk.tf.json files (no state, no credentials); Lambda bundle hashes and asset paths are left out.",
        "",
        "trading-platform-dev: 2 added, 1 removed, 1 changed (3 resources).",
        "  - aws_s3_bucket.old  stack/old",
        "  ~ aws_s3_bucket.raw  stack/raw",
        '      ~ bucket: "raw-dev" → "raw-dev-2"',
        '      ~ tags.Owner: "a" → "b"',
        '      + tags["a.b"] = "c"',
        "  + aws_lambda_function.ingest  stack/ingest",
        "  + aws_s3_bucket.fresh  stack/fresh",
      ].join("\n"),
    );
  });

  it("says when there is no change, a stack is new, or there is no diff", () => {
    const text = renderSynthDiffText({
      baseRef: "main",
      results: [
        { environment: "dev", stackName: "trading-platform-dev", diff: diffStacks(head, head) },
        { environment: "qa", stackName: "trading-platform-qa", diff: diffStacks(undefined, head), baseNote: "This stack does not exist at main: every resource is new." },
        { environment: "prod", stackName: "trading-platform-prod", diff: undefined, baseNote: "No diff: the base ref was not found." },
      ],
      style: PLAIN,
    });
    expect(text).toContain("trading-platform-dev: no configuration change (3 resources).");
    expect(text).toContain("trading-platform-qa: 3 added, 0 removed, 0 changed (3 resources).\nThis stack does not exist at main: every resource is new.");
    expect(text).toContain("trading-platform-prod\nNo diff: the base ref was not found.");
  });

  it("escapes what could drive the terminal, in names and in values", () => {
    const evil = { resource: { aws_s3_bucket: { "x\u001b[2J": { bucket: "a\u202eb", ...meta("s/\u0007") } } } };
    const text = renderSynthDiffText({ baseRef: "main\u001b]0;t\u0007", results: [{ environment: "dev", stackName: "s", diff: diffStacks({ resource: { aws_s3_bucket: { "x\u001b[2J": { bucket: "a" } } } }, evil) }], style: ANSI });
    // eslint-disable-next-line no-control-regex -- the point: only our own colour codes remain
    expect(text.replace(/\u001b\[\d+m/g, "")).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    expect(text).toContain("\\u{202e}");
  });
});

describe("the other synth texts", () => {
  it("lists the stack folders without a base ref, and shows a failed synth's output", () => {
    expect(renderSynthStacksText([{ environment: "dev", folder: "cdktf.out/stacks/trading-platform-dev" }], PLAIN)).toBe("CDKTF synth\n  dev: cdktf.out/stacks/trading-platform-dev/cdk.tf.json");
    expect(renderSynthErrorText("prod", "Invalid environment configuration:\n  - environments/prod.json: not found\n", PLAIN)).toBe(
      "CDKTF synth failed (prod)\nInvalid environment configuration:\n  - environments/prod.json: not found",
    );
  });
});
