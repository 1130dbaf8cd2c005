import { changedPaths, changedValues, diffStacks } from "../../../review/src/synth-diff/config-diff";
import { renderSynthDiff } from "../../../review/src/synth-diff/markdown";
import { expectValidGitHubMarkdown } from "../../support/github-markdown";
import { environmentNames, resourcesOfType, synthesizedStacks } from "../../support/synth";

const meta = (path: string) => ({ "//": { metadata: { path, uniqueId: "x" } } });

describe("diffStacks", () => {
  const base = {
    resource: {
      aws_s3_bucket: { logs: { bucket: "logs", tags: { env: "dev" }, ...meta("stack/logs") }, old: { bucket: "old", ...meta("stack/old") } },
      aws_lambda_function: { ingest: { filename: "assets/ingest/aaa/ingest.zip", source_code_hash: "aaa=", memory_size: 256, ...meta("stack/ingest") } },
    },
    data: { aws_caller_identity: { current: {} } },
  };
  const head = {
    resource: {
      aws_s3_bucket: { logs: { bucket: "logs", tags: { env: "dev", owner: "ops" }, ...meta("stack/logs-moved-in-tree") }, fresh: { bucket: "fresh", ...meta("stack/fresh") } },
      aws_lambda_function: { ingest: { filename: "assets/ingest/bbb/ingest.zip", source_code_hash: "bbb=", memory_size: 256, ...meta("stack/ingest") } },
    },
    data: { aws_caller_identity: { current: {} } },
  };

  it("lists added, removed and changed resources with the changed attributes, asset hashes aside", () => {
    const diff = diffStacks(base, head);
    expect(diff.added).toEqual([{ address: "aws_s3_bucket.fresh", constructPath: "stack/fresh" }]);
    expect(diff.removed).toEqual([{ address: "aws_s3_bucket.old", constructPath: "stack/old" }]);
    expect(diff.changed).toEqual([
      { address: "aws_s3_bucket.logs", constructPath: "stack/logs-moved-in-tree", changes: [{ path: "tags.owner", before: undefined, after: '"ops"' }] },
    ]);
    expect(diff.total).toBe(3);
  });

  it("treats a stack missing at the base as all new", () => {
    expect(diffStacks(undefined, head).added.map((resource) => resource.address)).toEqual([
      "aws_lambda_function.ingest",
      "aws_s3_bucket.fresh",
      "aws_s3_bucket.logs",
      "data.aws_caller_identity.current",
    ]);
  });

  it("names list elements and odd keys in paths", () => {
    expect(changedPaths({ a: [{ b: 1 }], "x.y": 1 }, { a: [{ b: 2 }], "x.y": 2 })).toEqual(["a[0].b", '["x.y"]']);
    expect(changedPaths({ a: [1] }, { a: [1, 2] })).toEqual(["a"]);
  });
});

describe("changedValues", () => {
  it("gives each changed attribute's values as JSON, absent sides undefined, asset attributes aside", () => {
    expect(changedValues({ a: 1, b: { c: "x" }, gone: true, source_code_hash: "1" }, { a: 2, b: { c: "y" }, added: [1], source_code_hash: "2" })).toEqual([
      { path: "a", before: "1", after: "2" },
      { path: "added", before: undefined, after: "[1]" },
      { path: "b.c", before: '"x"', after: '"y"' },
      { path: "gone", before: "true", after: undefined },
    ]);
    expect(changedValues({ list: [1, 2] }, { list: [1, 2, 3] })).toEqual([{ path: "list", before: "[1,2]", after: "[1,2,3]" }]);
  });
});

describe("renderSynthDiff", () => {
  it("puts the per-stack counts first and neutralizes names", () => {
    const diff = diffStacks({ resource: {} }, { resource: { aws_s3_bucket: { "evil_</details>@org": { ...meta("s/@org/<b>") } } } });
    const { comment } = renderSynthDiff({ baseRef: "main", results: [{ environment: "dev", stackName: "trading-platform-dev", diff }] });
    expect(comment.split("\n")[0]).toBe("### CDKTF configuration diff against `main`");
    expect(comment).toContain("**trading-platform-dev:** 1 added, 0 removed, 0 changed");
    const html = expectValidGitHubMarkdown(comment);
    expect(html).not.toMatch(/@org|<b>|evil_<\/details>/);
  });

  it("counts a changed resource's values in its summary when they are too long to show inline: 1 change, 2 changes", () => {
    const long = (text: string) => text.repeat(60);
    const resource = (values: Record<string, string>) => ({ resource: { aws_s3_bucket: { logs: { ...values, ...meta("stack/logs") } } } });
    const summaryOf = (before: Record<string, string>, after: Record<string, string>) =>
      renderSynthDiff({ baseRef: "main", results: [{ environment: "dev", stackName: "trading-platform-dev", diff: diffStacks(resource(before), resource(after)) }] })
        .comment.split("\n")
        .find((line) => line.includes("<code>aws_s3_bucket.logs</code>"))!;
    expect(summaryOf({ bucket: long("a") }, { bucket: long("b") })).toContain("<code>aws_s3_bucket.logs</code> · 1 change ·");
    expect(summaryOf({ bucket: long("a"), acl: long("c") }, { bucket: long("b"), acl: long("d") })).toContain("<code>aws_s3_bucket.logs</code> · 2 changes ·");
  });
});

describe("renderSynthDiff on a real synthesized stack", () => {
  // The first environment's stack as synth writes it, and the same stack after two edits a pull request could make.
  const { stacks } = synthesizedStacks();
  const [environment] = environmentNames;
  const base = stacks.get(environment!)!;
  const head = structuredClone(base);
  const policies = resourcesOfType(head, "aws_iam_role_policy");
  const [policyId, policy] = Object.entries(policies).find(([, body]) => JSON.parse(body.policy).Statement.some((statement: { NotAction?: unknown }) => Array.isArray(statement.NotAction)))!;
  const document = JSON.parse(policy.policy);
  const statementIndex = document.Statement.findIndex((statement: { NotAction?: unknown }) => Array.isArray(statement.NotAction));
  const notActions = document.Statement[statementIndex].NotAction as string[];
  notActions.push("kms:*");
  policy.policy = JSON.stringify(document);
  const [alarmId, alarm] = Object.entries(resourcesOfType(head, "aws_cloudwatch_metric_alarm"))[0]!;
  const threshold = alarm.threshold as number;
  alarm.threshold = threshold + 5;
  const diff = diffStacks(base, head);
  const { comment } = renderSynthDiff({ baseRef: "main", results: [{ environment: environment!, stackName: `trading-platform-${environment}`, diff }], runUrl: "https://github.example/run/7" });

  it("shows each changed value, a policy's by its path inside the JSON", () => {
    expect(diff.changed.map((resource) => resource.address).sort()).toEqual([`aws_cloudwatch_metric_alarm.${alarmId}`, `aws_iam_role_policy.${policyId}`].sort());
    expectValidGitHubMarkdown(comment, { allowedLinks: (href) => href === "https://github.example/run/7" });
    expect(comment).not.toMatch(/\n{3}/); // sections without a heading start with their first row
    const policyLine = comment.split("\n").find((line) => line.includes(`<code>aws_iam_role_policy.${policyId}</code>`))!;
    expect(policyLine).toContain(`<code>policy › Statement[${statementIndex}].NotAction[${notActions.length - 1}]</code>: + <code>&quot;kms:*&quot;</code>`);
    const alarmLine = comment.split("\n").find((line) => line.includes(`<code>aws_cloudwatch_metric_alarm.${alarmId}</code>`))!;
    expect(alarmLine).toContain(`<code>threshold</code>: <code>${threshold}</code> → <code>${threshold + 5}</code>`);
  });
});
