import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compareSynthOutputs, describeComparison, isEquivalent, type SourceReader } from "./synth-equivalence";

// Two versions of a construct: the second creates the VPC in a method of its own, two lines lower.
const ORIGINAL_SOURCE = ["export class Network extends Construct {", "  constructor(scope, id) {", "    super(scope, id);", '    this.vpc = new Vpc(this, "vpc", {});', "  }", "}"].join("\n");
const EXTRACTED_SOURCE = [
  "export class Network extends Construct {",
  "  constructor(scope, id) {",
  "    super(scope, id);",
  "    this.vpc = this.createVpc();",
  "  }",
  "  private createVpc() {",
  '    return new Vpc(this, "vpc", {});',
  "  }",
  "}",
].join("\n");
const STACK_SOURCE = ['    new Network(this, "network");'].join("\n");

const sources =
  (files: Record<string, string>): SourceReader =>
  (file) =>
    files[file];

const stackJson = (trace: readonly string[], cidr = "10.0.0.0/16") =>
  JSON.stringify(
    { resource: { aws_vpc: { network_vpc_1: { "//": { metadata: { path: "stack/network/vpc", stackTrace: trace, uniqueId: "network_vpc_1" } }, cidr_block: cidr } } } },
    null,
    2,
  );

const ORIGINAL_TRACE = ["new Network (stacks/network.ts:4:16)", "new Stack (stacks/stack.ts:1:5)"];

describe("synth output comparison", () => {
  let root: string;
  const write = (side: string, file: string, text: string | Buffer) => {
    const path = join(root, side, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  const compare = (beforeFiles: Record<string, string>, afterFiles: Record<string, string>, maxFrames = 8) =>
    compareSynthOutputs(join(root, "before"), join(root, "after"), {
      beforeSource: sources({ "stacks/stack.ts": STACK_SOURCE, ...beforeFiles }),
      afterSource: sources({ "stacks/stack.ts": STACK_SOURCE, ...afterFiles }),
      maxFrames,
    });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "synth-equivalence-"));
    write("before", "stacks/s/cdk.tf.json", stackJson(ORIGINAL_TRACE));
    write("before", "stacks/s/assets/code.zip", Buffer.from([1, 2, 3]));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("finds two equal outputs equivalent, every file byte-identical", () => {
    write("after", "stacks/s/cdk.tf.json", stackJson(ORIGINAL_TRACE));
    write("after", "stacks/s/assets/code.zip", Buffer.from([1, 2, 3]));
    const comparison = compare({ "stacks/network.ts": ORIGINAL_SOURCE }, { "stacks/network.ts": ORIGINAL_SOURCE });
    expect(isEquivalent(comparison)).toBe(true);
    expect(comparison.identicalFiles).toBe(2);
    expect(comparison.traces).toMatchObject({ compared: 1, identical: 1, movedOnly: 0, withAddedFrames: 0, mismatched: [] });
  });

  it("accepts a construct created by the same statement in an extracted method, and names the method's frame", () => {
    write("after", "stacks/s/cdk.tf.json", stackJson(["Network.createVpc (stacks/network.ts:7:12)", "new Network (stacks/network.ts:4:16)", "new Stack (stacks/stack.ts:1:5)"]));
    write("after", "stacks/s/assets/code.zip", Buffer.from([1, 2, 3]));
    const comparison = compare({ "stacks/network.ts": ORIGINAL_SOURCE }, { "stacks/network.ts": EXTRACTED_SOURCE });
    expect(isEquivalent(comparison)).toBe(true);
    expect(comparison.traces).toMatchObject({ compared: 1, identical: 0, withAddedFrames: 1, addedFrames: { "new Network (stacks/network.ts): this.createVpc();": 1 } });
    expect(describeComparison(comparison)[0]).toMatch(/^EQUIVALENT/);
  });

  it("accepts a statement that only moved to another line", () => {
    const moved = `// a comment above\n${ORIGINAL_SOURCE}`;
    write("after", "stacks/s/cdk.tf.json", stackJson(["new Network (stacks/network.ts:5:16)", "new Stack (stacks/stack.ts:1:5)"]));
    write("after", "stacks/s/assets/code.zip", Buffer.from([1, 2, 3]));
    const comparison = compare({ "stacks/network.ts": ORIGINAL_SOURCE }, { "stacks/network.ts": moved });
    expect(comparison.traces).toMatchObject({ compared: 1, movedOnly: 1, withAddedFrames: 0, mismatched: [] });
  });

  it("accepts old frames falling off the bottom of a trace at the frame limit, and only there", () => {
    write("after", "stacks/s/cdk.tf.json", stackJson(["Network.createVpc (stacks/network.ts:7:12)", "new Network (stacks/network.ts:4:16)"]));
    write("after", "stacks/s/assets/code.zip", Buffer.from([1, 2, 3]));
    const files = [{ "stacks/network.ts": ORIGINAL_SOURCE }, { "stacks/network.ts": EXTRACTED_SOURCE }] as const;
    expect(compare(...files, 2).traces.mismatched).toEqual([]);
    expect(compare(...files, 8).traces.mismatched).toHaveLength(1);
  });

  it("refuses a construct created by other code, naming both traces", () => {
    // The same JSON, but now made by a helper whose statement is not the one that made it before.
    const other = `${ORIGINAL_SOURCE.replace('new Vpc(this, "vpc", {})', "vpcOf(this)")}\nconst vpcOf = (scope) => new Vpc(scope, "vpc", {});`;
    const otherTrace = ["vpcOf (stacks/network.ts:7:23)", "new Network (stacks/network.ts:4:16)", "new Stack (stacks/stack.ts:1:5)"];
    write("after", "stacks/s/cdk.tf.json", stackJson(otherTrace));
    write("after", "stacks/s/assets/code.zip", Buffer.from([1, 2, 3]));
    const comparison = compare({ "stacks/network.ts": ORIGINAL_SOURCE }, { "stacks/network.ts": other });
    expect(isEquivalent(comparison)).toBe(false);
    expect(comparison.traces.mismatched).toEqual([{ file: "stacks/s/cdk.tf.json", at: "resource.aws_vpc.network_vpc_1", before: ORIGINAL_TRACE, after: otherTrace }]);
  });

  it("refuses any other difference: an attribute, an asset's bytes, a file on one side only", () => {
    write("after", "stacks/s/cdk.tf.json", stackJson(ORIGINAL_TRACE, "10.1.0.0/16"));
    write("after", "stacks/s/assets/code.zip", Buffer.from([1, 2, 4]));
    write("after", "stacks/t/cdk.tf.json", "{}");
    const comparison = compare({ "stacks/network.ts": ORIGINAL_SOURCE }, { "stacks/network.ts": ORIGINAL_SOURCE });
    expect(isEquivalent(comparison)).toBe(false);
    expect(comparison.differentFiles).toEqual([
      { file: "stacks/s/assets/code.zip", firstDifference: "(bytes)" },
      { file: "stacks/s/cdk.tf.json", firstDifference: "resource.aws_vpc.network_vpc_1.cidr_block" },
    ]);
    expect(comparison.onlyAfter).toEqual(["stacks/t/cdk.tf.json"]);
  });
});
