import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import type { App } from "cdktf";
import type { AwsAccount } from "../../../stacks/constructs/aws-account";
import { EncryptionKeys } from "../../../stacks/constructs/encryption-keys";
import { PlatformFunction } from "../../../stacks/constructs/lambda-function";
import { workloadBoundaryOf } from "../../../stacks/constructs/permissions-boundary";
import type { NonDatabaseManifest } from "../../../stacks/lambda/function-manifest";

export const testAccount: AwsAccount = { accountId: "123456789012", region: "us-east-1", partition: "aws", dnsSuffix: "amazonaws.com" };

/** A stack with the platform's keys, for construct-level tests. */
export function testStack(): { app: App; stack: TerraformStack; keys: EncryptionKeys; workDir: string } {
  const workDir = mkdtempSync(join(tmpdir(), "construct-test-"));
  const app = Testing.app({ outdir: join(workDir, "out") });
  const stack = new TerraformStack(app, "test");
  const keys = new EncryptionKeys(stack, "keys", { environmentSuffix: "test", account: testAccount, protectData: false });
  return { app, stack, keys, workDir };
}

/** A function outside the VPC with a dummy code file, named `<name>-test`. */
export function testFunction(stack: TerraformStack, keys: EncryptionKeys, workDir: string, name: string, overrides: Partial<NonDatabaseManifest> = {}): PlatformFunction {
  const zipPath = join(workDir, `${name}.zip`);
  writeFileSync(zipPath, name);
  return new PlatformFunction(stack, name, {
    manifest: { name, description: name, memorySize: 128, timeout: 3, inVpc: false, environment: {}, access: [], trigger: { kind: "deployInvocation" }, ...overrides },
    artifact: { zipPath, sha256Base64: Buffer.from(name.padEnd(32, "x")).toString("base64"), handler: "index.handler" },
    environmentSuffix: "test",
    account: testAccount,
    environmentKey: keys.lambda,
    logsKey: keys.logs,
    logRetentionInDays: 30,
    permissionsBoundary: workloadBoundaryOf(testAccount),
  });
}
