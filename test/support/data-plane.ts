import { App, TerraformStack, Testing } from "cdktf";
import { EncryptionKeys } from "../../stacks/constructs/encryption-keys";
import { Network } from "../../stacks/constructs/network";
import { ServiceRole } from "../../stacks/constructs/service-role";
import type { AwsAccount } from "../../stacks/constructs/aws-account";
import { workloadBoundaryOf } from "../../stacks/constructs/permissions-boundary";
import { repoEnvironments } from "./environments";
import type { SynthesizedStackJson } from "./synth";
import { onlyResource, policyOf } from "./terraform-json";

export const testAccount: AwsAccount = { accountId: "123456789012", region: "us-east-1", partition: "aws", dnsSuffix: "amazonaws.com" };

/**
 * A bare stack holding an environment's keys and network plus a probe
 * role, for testing what a construct's `grantX(probe)` adds: the probe's
 * inline policy shows the granted statements with references resolved.
 */
export function grantTestbed() {
  // Any real environment's network settings do: the testbed names everything "test".
  const environment = repoEnvironments()[0].config;
  const stack = new TerraformStack(new App(), "grant-testbed");
  const keys = new EncryptionKeys(stack, "keys", { environmentSuffix: "test", account: testAccount, protectData: false });
  const network = new Network(stack, "network", {
    environmentSuffix: "test",
    account: testAccount,
    vpcCidr: environment.network.vpcCidr,
    availabilityZoneCount: environment.network.availabilityZoneCount,
    natGatewayCount: 1,
    logsKey: keys.logs,
    logRetentionInDays: 30,
    permissionsBoundary: workloadBoundaryOf(testAccount),
  });
  const probe = new ServiceRole(stack, "probe", { name: "probe", description: "grant probe", service: "lambda", account: testAccount, permissionsBoundary: workloadBoundaryOf(testAccount) });
  return {
    environment,
    stack,
    keys,
    network,
    probe,
    /** Synthesizes and returns the stack JSON and the probe's statements, minus the region guard. */
    synth: () => {
      const json = JSON.parse(Testing.synth(stack)) as SynthesizedStackJson;
      const policy = onlyResource(json, "aws_iam_role_policy", (body) => body.name === "probe-policy");
      return { json, statements: policyOf(policy.body.policy).Statement.filter((statement) => statement.Sid !== "DenyOutsideApprovedRegions") };
    },
  };
}
