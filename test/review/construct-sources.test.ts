import {
  StackJsonError,
  blockNamedInMessage,
  indexStackJson,
  sourceChainFromStackTrace,
  sourceLocationFromStackTrace,
} from "../../review/src/construct-sources";

const stackJson = JSON.stringify(
  {
    "//": { metadata: { backend: "local", stackName: "trading-platform-dev" } },
    data: {
      aws_caller_identity: {
        account_caller: { "//": { metadata: { path: "trading-platform-dev/account/caller", stackTrace: ["new AccountLookup (stacks/constructs/aws-account.ts:33:20)"] } } },
      },
    },
    provider: { aws: [{ region: "us-east-1" }] },
    resource: {
      aws_s3_bucket: {
        logs: {
          "//": {
            metadata: {
              path: "trading-platform-dev/storage/logs",
              uniqueId: "logs",
              stackTrace: [
                "new TerraformResource (/work/main/node_modules/cdktf/lib/terraform-resource.js:40:9)",
                "new S3Bucket (/work/main/node_modules/@cdktf/provider-aws/lib/s3-bucket/index.js:100:9)",
                "new EncryptedBucket (/work/main/stacks/constructs/encrypted-bucket.ts:42:19)",
                "new TradingPlatformStack (/work/main/stacks/trading-platform-stack.ts:80:5)",
              ],
            },
          },
          bucket: "logs-dev",
          tags: { "a\"b": "c}{" },
        },
      },
    },
    terraform: { backend: { local: { path: "x" } } },
  },
  null,
  2,
);
const lines = stackJson.split("\n");
const lineOf = (text: string, from = 0): number => lines.findIndex((line, index) => index >= from && line.includes(text)) + 1;

describe("indexStackJson", () => {
  const index = indexStackJson(stackJson);

  it("maps every line of a resource block, first to last, to its address and construct path", () => {
    const start = lineOf('"logs": {');
    const bucketLine = lineOf('"bucket": "logs-dev"');
    const block = index.blockAtLine(bucketLine)!;
    expect(block.address).toBe("aws_s3_bucket.logs");
    expect(block.constructPath).toBe("trading-platform-dev/storage/logs");
    expect(block.startLine).toBe(start);
    expect(index.blockAtLine(start)!.address).toBe("aws_s3_bucket.logs");
    expect(index.blockAtLine(block.endLine)!.address).toBe("aws_s3_bucket.logs");
    expect(index.blockAtLine(block.endLine + 1)?.address).not.toBe("aws_s3_bucket.logs");
  });

  it("knows data sources, providers and the terraform block; line 0 is nowhere", () => {
    expect(index.blockAtLine(lineOf('"account_caller"'))!.address).toBe("data.aws_caller_identity.account_caller");
    expect(index.blockAtLine(lineOf('"region"'))!.address).toBe("provider.aws");
    expect(index.blockAtLine(lineOf('"path": "x"'))!.address).toBe("terraform");
    expect(index.blockAtLine(0)).toBeUndefined();
  });

  it("is not fooled by braces and quotes inside strings", () => {
    expect(index.blockAtLine(lineOf('"a\\"b"'))!.address).toBe("aws_s3_bucket.logs");
  });

  it("finds a block named in a message when there is no line", () => {
    expect(blockNamedInMessage(index, "`aws_s3_bucket.logs` has no lifecycle rule")!.address).toBe("aws_s3_bucket.logs");
    expect(blockNamedInMessage(index, 'resource "aws_s3_bucket" "logs" is unencrypted')!.address).toBe("aws_s3_bucket.logs");
    expect(blockNamedInMessage(index, "terraform \"required_version\" attribute is required")).toBeUndefined();
  });

  it("says where JSON is broken", () => {
    expect(() => indexStackJson('{\n  "resource": {\n    "a": [1,,2]\n  }\n}', "cdk.tf.json")).toThrow(new StackJsonError("cdk.tf.json", 'invalid JSON at line 3: expected a value, found ","'));
  });
});

describe("sourceLocationFromStackTrace", () => {
  it("picks the first frame in stacks/ outside node_modules, relative to the repository", () => {
    const trace = indexStackJson(stackJson).blockByAddress("aws_s3_bucket.logs")!.stackTrace;
    expect(sourceLocationFromStackTrace(trace, "/work/main")).toEqual({ file: "stacks/constructs/encrypted-bucket.ts", line: 42, column: 19, functionName: "new EncryptedBucket" });
  });

  it("gives the whole chain of stacks/ frames, helper first, for the lint comment", () => {
    const trace = indexStackJson(stackJson).blockByAddress("aws_s3_bucket.logs")!.stackTrace;
    expect(sourceChainFromStackTrace(trace, "/work/main").map((frame) => `${frame.functionName} ${frame.file}:${frame.line}`)).toEqual([
      "new EncryptedBucket stacks/constructs/encrypted-bucket.ts:42",
      "new TradingPlatformStack stacks/trading-platform-stack.ts:80",
    ]);
  });

  it("reads relative frames, bare frames and file URLs", () => {
    expect(sourceLocationFromStackTrace(["new AccountLookup (stacks/constructs/aws-account.ts:33:20)"])).toEqual({ file: "stacks/constructs/aws-account.ts", line: 33, column: 20, functionName: "new AccountLookup" });
    expect(sourceLocationFromStackTrace(["/srv/checkout/stacks/app.ts:20:5"], "/elsewhere")).toEqual({ file: "stacks/app.ts", line: 20, column: 5 });
    expect(sourceLocationFromStackTrace(["Object.<anonymous> (file:///home/ci/repo/stacks/main.ts:48:3)"], "/home/ci/repo")).toEqual({ file: "stacks/main.ts", line: 48, column: 3, functionName: "Object.<anonymous>" });
  });

  it("skips node internals, node_modules and files outside stacks/", () => {
    expect(
      sourceLocationFromStackTrace([
        "Module._compile (node:internal/modules/cjs/loader:1554:14)",
        "new Construct (/repo/node_modules/constructs/lib/construct.js:10:1)",
        "run (/repo/scripts/synth.mjs:30:1)",
      ], "/repo"),
    ).toBeUndefined();
    expect(sourceLocationFromStackTrace(undefined)).toBeUndefined();
  });
});
