import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import type { AwsAccount } from "../../../stacks/constructs/aws-account";
import { EncryptionKeys } from "../../../stacks/constructs/encryption-keys";
import { workloadBoundaryOf } from "../../../stacks/constructs/permissions-boundary";
import { LAMBDA_RUNTIME, PlatformFunction, type PlatformFunctionProps } from "../../../stacks/constructs/lambda-function";
import type { FunctionManifest } from "../../../stacks/lambda/function-manifest";

const account: AwsAccount = { accountId: "123456789012", region: "us-east-1", partition: "aws", dnsSuffix: "amazonaws.com" };

const manifest: FunctionManifest = {
  name: "sample",
  description: "a sample function",
  memorySize: 256,
  timeout: 10,
  inVpc: true,
  environment: {},
  access: [],
  trigger: { kind: "deployInvocation" },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function synthFunction(overrides: Partial<PlatformFunctionProps> = {}, configure?: (fn: PlatformFunction) => void): Json {
  const workDir = mkdtempSync(join(tmpdir(), "platform-function-"));
  const zipPath = join(workDir, "sample.zip");
  writeFileSync(zipPath, "not really a zip");
  const app = Testing.app({ outdir: join(workDir, "out") });
  const stack = new TerraformStack(app, "test");
  const keys = new EncryptionKeys(stack, "keys", { environmentSuffix: "test", account, protectData: false });
  const subnet = new Subnet(stack, "subnet", { vpcId: "vpc-1", cidrBlock: "10.0.0.0/24" });
  const securityGroup = new SecurityGroup(stack, "sg", { vpcId: "vpc-1" });
  const closedDefault = new DefaultSecurityGroup(stack, "default-sg", { vpcId: "vpc-1", ingress: [], egress: [] });
  const fn = new PlatformFunction(stack, "fn", {
    manifest,
    artifact: { zipPath, sha256Base64: "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=", handler: "index.handler" },
    environmentSuffix: "test",
    account,
    environmentKey: keys.lambda,
    logsKey: keys.logs,
    logRetentionInDays: 30,
    permissionsBoundary: workloadBoundaryOf(account),
    vpc: { subnets: [subnet], securityGroups: [securityGroup], securityGroupOnDestroy: closedDefault },
    ...overrides,
  });
  configure?.(fn);
  return JSON.parse(Testing.synth(stack));
}

const only = (json: Json, type: string): Json => {
  const resources = Object.values(json.resource[type] ?? {});
  expect(resources).toHaveLength(1);
  return resources[0] as Json;
};
const policyOf = (json: Json): Json => JSON.parse(only(json, "aws_iam_role_policy").policy);

describe("PlatformFunction", () => {
  it("renders statements granted after construction into the one inline policy", () => {
    const json = synthFunction({}, (fn) => {
      fn.addToPrincipalPolicy({ actions: ["s3:GetObject", "s3:GetObject", "s3:PutObject"], resources: ["arn:aws:s3:::bucket/*"] });
    });
    const statements = policyOf(json).Statement as Json[];
    expect(statements.find((statement) => statement.Resource === "arn:aws:s3:::bucket/*")).toEqual({
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: "arn:aws:s3:::bucket/*",
    });
  });

  it("writes only to its own log group, named after the function, 30 days, logs key", () => {
    const json = synthFunction();
    const logGroup = only(json, "aws_cloudwatch_log_group");
    expect(logGroup).toMatchObject({ name: "/aws/lambda/sample-test", retention_in_days: 30 });
    expect(logGroup.kms_key_id).toMatch(/^\$\{aws_kms_key\.keys_logs_[A-Z0-9]+\.arn\}$/);
    const logsStatement = (policyOf(json).Statement as Json[]).find((statement) => statement.Sid === "WriteOwnLogGroup");
    expect(logsStatement).toEqual({
      Sid: "WriteOwnLogGroup",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.fn_logs_log-group_[A-Z0-9]+\.arn\}:\*$/),
    });
    const lambda = only(json, "aws_lambda_function");
    expect(lambda.logging_config).toEqual({ log_format: "Text", log_group: expect.stringContaining("aws_cloudwatch_log_group.fn_logs_log-group") });
    expect(lambda.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_cloudwatch_log_group\./)]));
  });

  it("uses * only for the region deny, X-Ray and VPC network interfaces", () => {
    const statements = policyOf(synthFunction()).Statement as Json[];
    const wildcard = statements.filter((statement) => statement.Resource === "*").map((statement) => statement.Sid);
    expect(wildcard.sort()).toEqual(["DenyOutsideApprovedRegions", "VpcNetworkInterfaces", "XRayTracing"]);
    expect(statements.find((statement) => statement.Sid === "DenyOutsideApprovedRegions")).toMatchObject({
      Effect: "Deny",
      Condition: { StringNotEquals: { "aws:RequestedRegion": ["us-east-1"] } },
    });
  });

  it("leaves out the network interface statement and VPC config outside the VPC", () => {
    const json = synthFunction({ manifest: { ...manifest, inVpc: false }, vpc: undefined });
    expect((policyOf(json).Statement as Json[]).map((statement) => statement.Sid)).not.toContain("VpcNetworkInterfaces");
    const lambda = only(json, "aws_lambda_function");
    expect(lambda.vpc_config).toBeUndefined();
    expect(lambda.replace_security_groups_on_destroy).toBeUndefined();
    expect(lambda.replacement_security_group_ids).toBeUndefined();
  });

  it("on destroy moves its orphaned network interfaces to the given group, so its own groups can be deleted at once", () => {
    const lambda = only(synthFunction(), "aws_lambda_function");
    expect(lambda.replace_security_groups_on_destroy).toBe(true);
    expect(lambda.replacement_security_group_ids).toEqual(["${aws_default_security_group.default-sg.id}"]);
    // Never one of the groups it is leaving.
    expect(lambda.vpc_config.security_group_ids).not.toContain(lambda.replacement_security_group_ids[0]);
  });

  it("may decrypt its environment with the lambda key, only through Lambda", () => {
    const statements = policyOf(synthFunction()).Statement as Json[];
    const kms = statements.filter((statement) => JSON.stringify(statement.Action ?? "").includes("kms:"));
    expect(kms).toEqual([
      {
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:DescribeKey"],
        Resource: expect.stringMatching(/^\$\{aws_kms_key\.keys_lambda_[A-Z0-9]+\.arn\}$/),
        Condition: { StringEquals: { "kms:ViaService": ["lambda.us-east-1.amazonaws.com"] } },
      },
    ]);
  });

  it("is an arm64 function on the platform's runtime with its code staged as a hashed asset", () => {
    const lambda = only(synthFunction(), "aws_lambda_function");
    expect(lambda).toMatchObject({
      function_name: "sample-test",
      architectures: ["arm64"],
      runtime: LAMBDA_RUNTIME,
      handler: "index.handler",
      source_code_hash: "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=",
      tracing_config: { mode: "Active" },
    });
    expect(lambda.filename).toContain("abcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890");
    expect(lambda.kms_key_arn).toMatch(/^\$\{aws_kms_key\.keys_lambda_[A-Z0-9]+\.arn\}$/);
  });

  it("joinSecurityGroup adds a group to the function's ENIs after the given ones, once", () => {
    const json = synthFunction({}, (fn) => {
      const databaseClients = new SecurityGroup(fn, "database-clients", { vpcId: "vpc-1" });
      fn.joinSecurityGroup(databaseClients);
      fn.joinSecurityGroup(databaseClients);
    });
    const groupIds = Object.keys(json.resource.aws_security_group);
    const given = groupIds.find((id) => id === "sg")!;
    const joined = groupIds.find((id) => id.includes("database-clients"))!;
    expect(only(json, "aws_lambda_function").vpc_config.security_group_ids).toEqual([`\${aws_security_group.${given}.id}`, `\${aws_security_group.${joined}.id}`]);
  });

  it("a function outside the VPC cannot join a security group", () => {
    expect(() =>
      synthFunction({ manifest: { ...manifest, inVpc: false }, vpc: undefined }, (fn) => fn.joinSecurityGroup(new SecurityGroup(fn, "database-clients", { vpcId: "vpc-1" }))),
    ).toThrow('Lambda function "sample": cannot join security group test/fn/database-clients: manifest.inVpc is false, so the function has no ENIs in the VPC');
  });

  it("refuses a VPC manifest without subnets", () => {
    expect(() => synthFunction({ vpc: undefined })).toThrow('Lambda function "sample": manifest.inVpc is true, so subnets and security groups are required');
  });
});
