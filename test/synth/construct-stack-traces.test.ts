import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { Node } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { withConstructStackTraces } from "../../synth/construct-stack-traces";
import { repoRoot } from "../support/environments";
import { expectTracesAtConstructingLines } from "../support/construct-traces";
import { synthesizedStacks } from "../support/synth";

describe("construct creation stack traces", () => {
  it("records the repository frames of each resource's creation, relative to the root, and restores the library afterwards", () => {
    const original = Node.prototype.addMetadata;
    const app = new App({ outdir: join(tmpdir(), "stack-traces-unused") });
    const stack = withConstructStackTraces(repoRoot, () => {
      const created = new TerraformStack(app, "s");
      new S3Bucket(created, "bucket", {}); // creation-site
      return created;
    });
    expect(Node.prototype.addMetadata).toBe(original);
    const json = JSON.parse(JSON.stringify((stack as unknown as { toTerraform(): unknown }).toTerraform())) as {
      resource: { aws_s3_bucket: { bucket: { "//": { metadata: { stackTrace: string[] } } } } };
    };
    const trace = json.resource.aws_s3_bucket.bucket["//"].metadata.stackTrace;
    const creationLine = readFileSync(__filename, "utf8").split("\n").findIndex((line) => line.includes("// creation-site")) + 1;
    expect(trace[0]).toMatch(new RegExp(`(^|\\()test/synth/construct-stack-traces\\.test\\.ts:${creationLine}:\\d+\\)?$`));
    expect(trace.join("\n")).not.toMatch(/node_modules|node:internal|\/work\//);
  });

  it("every resource of a real synthesized stack maps to an existing TypeScript line that constructs it", () => {
    const { outdir } = synthesizedStacks();
    const text = readFileSync(join(outdir, "stacks", "trading-platform-dev", "cdk.tf.json"), "utf8");
    expect(expectTracesAtConstructingLines(text, repoRoot)).toBeGreaterThan(100);
  });
});
