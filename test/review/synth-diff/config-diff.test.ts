import { changedPaths, changedValues, diffStacks } from "../../../review/src/synth-diff/config-diff";
import { renderSynthDiff } from "../../../review/src/synth-diff/markdown";

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
      { address: "aws_s3_bucket.logs", constructPath: "stack/logs-moved-in-tree", paths: ["tags.owner"], changes: [{ path: "tags.owner", before: undefined, after: '"ops"' }] },
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
    expect(comment).not.toMatch(/@org|<b>|evil_<\/details>/);
    expect(comment.match(/<details>/g)!.length).toBe(comment.match(/<\/details>/g)!.length);
  });
});
