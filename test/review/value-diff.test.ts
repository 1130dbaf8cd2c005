// The value diff every comment uses: JSON strings by path, multi-line strings by line, long values around the difference.
import { diffLines, expandChange, windowPair } from "../../review/src/value-diff";

const json = (value: unknown) => JSON.stringify(value);

describe("expandChange", () => {
  const policy = (notActions: string[]) => json(json({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject" }, { Effect: "Deny", NotAction: notActions, Resource: "*" }] }));

  it("diffs a string holding JSON as JSON, one entry per changed path", () => {
    expect(expandChange({ path: "policy", before: policy(["kms:Decrypt", "kms:Encrypt", "s3:Get*"]), after: policy(["kms:Decrypt", "kms:Encrypt", "s3:Get*", "kms:*"]) })).toEqual([
      { kind: "value", path: "policy › Statement[1].NotAction[3]", before: undefined, after: '"kms:*"', forcesReplacement: false },
    ]);
  });

  it("finds an element inserted in the middle of a list, and changes, additions and removals of keys", () => {
    const before = json(json({ a: 1, gone: true, list: ["x", "y", "z"], nested: { deep: "old" } }));
    const after = json(json({ a: 2, list: ["x", "new", "y", "z"], nested: { deep: "new" }, added: [1] }));
    expect(expandChange({ path: "doc", before, after }).map((entry) => (entry.kind === "value" ? [entry.path, entry.before, entry.after] : entry.kind))).toEqual([
      ["doc › a", "1", "2"],
      ["doc › gone", "true", undefined],
      ["doc › list[1]", undefined, '"new"'],
      ["doc › nested.deep", '"old"', '"new"'],
      ["doc › added", undefined, "[1]"],
    ]);
  });

  it("says a JSON string was only reformatted", () => {
    expect(expandChange({ path: "p", before: json('{"a":1,"b":2}'), after: json('{\n  "b": 2,\n  "a": 1\n}') })).toEqual([{ kind: "note", path: "p", note: "same JSON document, formatted differently", forcesReplacement: false }]);
  });

  it("shows a multi-line string as a unified diff of its lines", () => {
    const [entry] = expandChange({ path: "user_data", before: json("a\nb\nc\nd\ne\nf\ng\n"), after: json("a\nb\nc\nD\ne\nf\ng\n") });
    expect(entry).toMatchObject({ kind: "lines", added: 1, removed: 1 });
    expect(entry!.kind === "lines" && entry!.lines).toEqual([
      { op: "…", text: "1" },
      { op: " ", text: "b" },
      { op: " ", text: "c" },
      { op: "-", text: "d" },
      { op: "+", text: "D" },
      { op: " ", text: "e" },
      { op: " ", text: "f" },
      { op: "…", text: "1" },
    ]);
  });

  it("cuts a long value around its first difference, not at its start", () => {
    const before = json(`${"x".repeat(400)}OLD${"y".repeat(100)}`);
    const after = json(`${"x".repeat(400)}NEW${"y".repeat(100)}`);
    const [entry] = expandChange({ path: "v", before, after }, { maxValueLength: 80 });
    expect(entry).toMatchObject({ kind: "value" });
    if (entry!.kind !== "value") throw new Error("value expected");
    expect(entry!.before).toMatch(/^…x+OLDy+… \(\d+ more characters\)$/);
    expect(entry!.after).toMatch(/^…x+NEWy+… \(\d+ more characters\)$/);
    expect(entry!.before!.length).toBeLessThan(120);
  });

  it("leaves markers and short values alone, and keeps the forces-replacement flag", () => {
    expect(expandChange({ path: "id", before: '"i-1"', after: "(known after apply)", forcesReplacement: true })).toEqual([{ kind: "value", path: "id", before: '"i-1"', after: "(known after apply)", forcesReplacement: true }]);
    expect(expandChange({ path: "s", before: "(sensitive)", after: "(sensitive)" })).toHaveLength(1);
  });
});

describe("windowPair and diffLines", () => {
  it("keep values that fit whole", () => {
    expect(windowPair('"a"', '"b"', 10)).toEqual(['"a"', '"b"']);
  });

  it("list removals before additions and skip far context", () => {
    expect(diffLines(["1", "2", "3", "4", "5", "6", "7", "8"], ["1", "2", "3", "4", "5", "6", "7", "X"], 1)).toEqual([
      { op: "…", text: "6" },
      { op: " ", text: "7" },
      { op: "-", text: "8" },
      { op: "+", text: "X" },
    ]);
  });
});
