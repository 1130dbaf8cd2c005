import { App, Lazy, TerraformOutput, TerraformStack, Tokenization } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withoutTokenCreationTraces } from "../../stacks/token-creation-traces";

const creationStackOf = (token: string) => (Tokenization.reverseString(token).firstToken as unknown as { creationStack: string[] }).creationStack;

describe("withoutTokenCreationTraces", () => {
  it("leaves the creation traces of tokens made inside it empty, restores Error.captureStackTrace, and other traces still work", () => {
    const original = Error.captureStackTrace;
    const inside = withoutTokenCreationTraces(() => {
      const error = new Error("still traced");
      return { token: Lazy.stringValue({ produce: () => "value" }), errorStack: error.stack ?? "" };
    });
    expect(Error.captureStackTrace).toBe(original);
    expect(creationStackOf(inside.token)).toEqual([]);
    expect(inside.errorStack).toMatch(/token-creation-traces\.test\.ts:\d+/);
    expect(creationStackOf(Lazy.stringValue({ produce: () => "value" })).join("\n")).toMatch(/token-creation-traces\.test\.ts:\d+/);
  });

  it("covers tokens made while resolving (synth creates references then), and the synthesized JSON is the same", () => {
    const build = () => {
      const app = new App({ outdir: mkdtempSync(join(tmpdir(), "token-traces-")), skipValidation: true });
      const stack = new TerraformStack(app, "s");
      const bucket = new S3Bucket(stack, "bucket", { bucketPrefix: "p" });
      new TerraformOutput(stack, "arn", { value: bucket.arn });
      return stack as unknown as { toTerraform(): unknown };
    };
    let captured = 0;
    const original = Error.captureStackTrace;
    const counting = (target: object, below?: Parameters<typeof Error.captureStackTrace>[1]) => {
      if (Error.stackTraceLimit === Number.MAX_SAFE_INTEGER) captured += 1;
      original(target, below);
    };
    Error.captureStackTrace = counting;
    try {
      const traced = JSON.stringify(build().toTerraform());
      const tracedCount = captured;
      captured = 0;
      const untraced = withoutTokenCreationTraces(() => JSON.stringify(build().toTerraform()));
      expect(tracedCount).toBeGreaterThan(0);
      expect(captured).toBe(0);
      expect(untraced).toBe(traced);
    } finally {
      Error.captureStackTrace = original;
    }
  });
});
