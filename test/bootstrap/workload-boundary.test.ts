// The workload permissions boundary: what the bootstrap creates, what the
// apply roles must respect, and that it still lets the platform's roles do
// everything they are granted.
import { ACCOUNT_BASELINE_PATH, WORKLOAD_BOUNDARY_NAME } from "../../stacks/constructs/permissions-boundary";
import { actionMatches, inlineStatementsOfRole, repoBootstrapStacks } from "../support/bootstrap";
import { environmentNames, synthesizedStacks } from "../support/synth";
import { onlyResource, policyOf, resolveReference, resourcesOf } from "../support/terraform-json";

/* eslint-disable @typescript-eslint/no-explicit-any */

const bootstraps = [...repoBootstrapStacks().values()];
const boundaryOf = (stack: any) => onlyResource(stack, "aws_iam_policy", (body) => body.name === WORKLOAD_BOUNDARY_NAME);
const boundaryStatements = (stack: any): any[] => policyOf(boundaryOf(stack).body.policy).Statement;
const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** IAM's limit for a managed policy document, whitespace excluded (IAM User Guide, "IAM and AWS STS quotas"). */
const MANAGED_POLICY_MAX_CHARACTERS = 6144;
/** IAM's limit for all inline policies of one role together, whitespace excluded (same page). */
const ROLE_INLINE_POLICIES_MAX_CHARACTERS = 10240;

describe.each(bootstraps.map(({ account, environments, stack }) => [account.name, environments, stack] as const))("workload boundary of account %s", (_name, environments, stack) => {
  const regions = [...new Set(environments.map((environment) => environment.config.region))].sort();

  it("is a managed policy at the fixed path and name, within IAM's size limit", () => {
    expect(boundaryOf(stack).body).toMatchObject({ name: WORKLOAD_BOUNDARY_NAME, path: ACCOUNT_BASELINE_PATH });
    expect(boundaryOf(stack).body.policy.length).toBeLessThan(MANAGED_POLICY_MAX_CHARACTERS);
  });

  it("keeps the region guard: nothing outside the account's regions", () => {
    const guard = boundaryStatements(stack).find((statement) => statement.Sid === "DenyOutsideApprovedRegions");
    expect(guard).toMatchObject({ Effect: "Deny", Resource: "*", Condition: { StringNotEquals: { "aws:RequestedRegion": regions } } });
  });

  it("allows no IAM, STS, KMS administration or deletes of stored data, and nothing of other accounts", () => {
    const allowed = boundaryStatements(stack).filter((statement) => statement.Effect === "Allow");
    const actions = allowed.flatMap((statement) => asList(statement.Action));
    for (const forbidden of ["iam:CreateRole", "iam:PassRole", "sts:AssumeRole", "kms:ScheduleKeyDeletion", "kms:CreateGrant", "s3:DeleteObject", "s3:DeleteBucket", "dynamodb:DeleteTable", "logs:DeleteLogGroup"]) {
      expect([forbidden, actions.some((pattern) => actionMatches(pattern, forbidden))]).toEqual([forbidden, false]);
    }
    for (const statement of allowed) {
      const resources = asList(statement.Resource);
      // Bucket ARNs carry no account id: those statements are held to the account by aws:ResourceAccount instead.
      const scoped = resources.every((resource) => resource === "*" || resource.includes(`:${stackAccountId(stack)}:`) || /:s3:::/.test(resource));
      expect([statement.Sid, scoped]).toEqual([statement.Sid, true]);
      if (resources.some((resource) => /:s3:::/.test(resource))) expect(statement.Condition).toEqual({ StringEquals: { "aws:ResourceAccount": [stackAccountId(stack)] } });
    }
    const wildcardResources = allowed.filter((statement) => asList(statement.Resource).includes("*")).map((statement) => statement.Sid);
    expect(wildcardResources.sort()).toEqual(["Tracing", "VpcNetworkInterfaces"]); // their APIs have no resource-level permissions
  });

  it("lets keys be used only through the platform's data services in the account's regions", () => {
    const keys = boundaryStatements(stack).find((statement) => statement.Sid === "UseKeysThroughDataServices");
    expect(keys.Resource).toMatch(new RegExp(`:kms:\\*:${stackAccountId(stack)}:key/\\*$`));
    expect(keys.Condition.StringEquals["kms:ViaService"].sort()).toEqual(
      ["dynamodb", "lambda", "logs", "rds", "s3", "secretsmanager", "sns"].flatMap((service) => regions.map((region) => `${service}.${region}.amazonaws.com`)).sort(),
    );
  });

  describe("apply roles", () => {
    it.each(environments.map((environment) => environment.name))("github-apply-%s may create and change roles only with the workload boundary", (name) => {
      const statements = inlineStatementsOfRole(stack, `github-apply-${name}`);
      const boundaryArn = `\${${boundaryOf(stack).address}.arn}`;
      expect(statements.find((statement) => statement.Sid === "DenyRolesWithoutWorkloadBoundary")).toEqual({
        Sid: "DenyRolesWithoutWorkloadBoundary",
        Effect: "Deny",
        Action: ["iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"],
        Resource: "*",
        Condition: { StringNotEquals: { "iam:PermissionsBoundary": [boundaryArn] } },
      });
      expect(statements.find((statement) => statement.Sid === "DenyRemovingPermissionsBoundaries")).toMatchObject({
        Effect: "Deny",
        Action: expect.arrayContaining(["iam:DeleteRolePermissionsBoundary"]),
        Resource: "*",
      });
      expect(statements.find((statement) => statement.Sid === "DenyChangingWorkloadBoundary")).toEqual({
        Sid: "DenyChangingWorkloadBoundary",
        Effect: "Deny",
        Action: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
        Resource: boundaryArn,
      });
    });

    it.each(environments.map((environment) => environment.name))("github-apply-%s cannot touch the deployment roles, the account's baseline roles, Config or the OIDC provider", (name) => {
      const statements = inlineStatementsOfRole(stack, `github-apply-${name}`);
      const trust = statements.find((statement) => statement.Sid === "DenyChangingDeploymentTrust");
      expect(trust.Action).toEqual(expect.arrayContaining(["iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRole", "iam:DeleteOpenIDConnectProvider"]));
      expect(trust.Resource).toEqual([
        "arn:${data.aws_partition.partition.partition}:iam::*:role/github-deploy/*",
        `arn:\${data.aws_partition.partition.partition}:iam::*:role${ACCOUNT_BASELINE_PATH}*`,
        "${aws_iam_openid_connect_provider.github-oidc-provider.arn}",
      ]);
      const config = statements.find((statement) => statement.Sid === "DenyChangingAccountConfigRecording");
      expect(config.Action).toEqual(expect.arrayContaining(["config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel", "config:DeleteConfigRule"]));
      const buckets = statements.find((statement) => statement.Sid === "DenyChangingConfigBuckets");
      const configBuckets = resourcesOf(stack, "aws_s3_bucket").map((bucket) => bucket.body.bucket as string);
      for (const bucket of configBuckets) expect(buckets.Resource.some((pattern: string) => actionMatches(pattern.replace(/^arn:\$\{[^}]+\}:s3:::/, ""), bucket))).toBe(true);
      expect(statements.find((statement) => statement.Sid === "DenyIamUsers").Action).toEqual(expect.arrayContaining(["iam:CreateUser", "iam:CreateAccessKey"]));
      expect(statements.find((statement) => statement.Sid === "DenyAssumingOtherRoles")).toMatchObject({ Effect: "Deny", Action: ["sts:AssumeRole"] });
    });

    it("keep their inline policies within IAM's per-role limit", () => {
      for (const environment of environments) {
        for (const kind of ["plan", "apply"]) {
          const size = JSON.stringify(inlineStatementsOfRole(stack, `github-${kind}-${environment.name}`)).length;
          expect([kind, environment.name, size < ROLE_INLINE_POLICIES_MAX_CHARACTERS]).toEqual([kind, environment.name, true]);
        }
      }
    });
  });
});

function stackAccountId(stack: any): string {
  return stack.provider.aws[0].allowed_account_ids[0];
}

describe.each(environmentNames)("roles of the %s environment stack against the workload boundary", (environmentName) => {
  const stack = () => synthesizedStacks().stacks.get(environmentName)!;
  const bootstrap = () => bootstraps.find(({ environments }) => environments.some((environment) => environment.name === environmentName))!.stack;

  it("every role carries the workload boundary, named by the account's partition and id", () => {
    const roles = resourcesOf(stack(), "aws_iam_role");
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      const boundary = role.body.permissions_boundary;
      if (typeof boundary !== "string") throw new Error(`role ${role.body.name} has no permissions boundary`);
      const match = /^arn:(\$\{[^}]+\}):iam::(\$\{[^}]+\}):policy(\/.*\/)([^/]+)$/.exec(boundary);
      expect(match).not.toBeNull();
      const [, partition, accountId, path, name] = match!;
      expect(resolveReference(stack(), partition)).toMatchObject({ type: "aws_partition", attribute: "partition" });
      expect(resolveReference(stack(), accountId)).toMatchObject({ type: "aws_caller_identity", attribute: "account_id" });
      expect([path, name]).toEqual([boundaryOf(bootstrap()).body.path, boundaryOf(bootstrap()).body.name]);
    }
  });

  it("the boundary allows every action any role of the stack is granted", () => {
    const allowed = boundaryStatements(bootstrap()).filter((statement) => statement.Effect === "Allow").flatMap((statement) => asList(statement.Action));
    const granted = resourcesOf(stack(), "aws_iam_role_policy")
      .flatMap((policy) => policyOf(policy.body.policy).Statement)
      .filter((statement) => statement.Effect === "Allow")
      .flatMap((statement) => asList(statement.Action));
    expect(granted.length).toBeGreaterThan(10);
    const outside = [...new Set(granted)].filter((action) => !allowed.some((pattern) => actionMatches(pattern, action)));
    expect(outside).toEqual([]);
    // Managed policies would bypass this check; the workload attaches none.
    expect(resourcesOf(stack(), "aws_iam_role_policy_attachment")).toEqual([]);
  });
});
