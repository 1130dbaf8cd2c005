import { Construct } from "constructs";
import type { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { type PolicyStatement, policyDocument } from "../constructs/grants";
import { ACCOUNT_BASELINE_PATH, type PermissionsBoundary } from "../constructs/permissions-boundary";
import { regionGuardStatement } from "../constructs/region-guard";
import { dataReadDenyStatements } from "./plan-role-data-reads";

/** Every role this stack creates lives under this IAM path, so one deny can protect them all. */
export const DEPLOYMENT_ROLE_PATH = "/github-deploy/";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/** GitHub's OIDC provider in the account, created by the bootstrap or read from the account. */
export interface GithubOidcProvider {
  readonly arn: string;
}

/** Where the account's AWS Config buckets are, so the apply roles cannot touch them (`regional-baseline.ts`). */
export interface AccountBaselineResources {
  /** S3 bucket name prefix of the Config and Config access-log buckets. */
  readonly configBucketPrefix: string;
  /** The alias of the Config bucket keys (`kms:ResourceAliases`). */
  readonly configKeyAlias: string;
}

export interface DeploymentRolesProps {
  /** The environment's file name (`dev`), used in role names. */
  readonly environmentName: string;
  /** The environment's region; both roles are denied every other region. */
  readonly region: string;
  readonly oidcProvider: GithubOidcProvider;
  readonly partition: DataAwsPartition;
  /** Exact `sub` claims that may assume the read-only plan role (the `<env>-plan` and `drift` GitHub Environments). */
  readonly planSubjects: readonly string[];
  /** The exact `sub` claim of the GitHub Environment whose jobs may apply. */
  readonly applySubject: string;
  /** The account's workload boundary: the apply role creates and changes roles only with it. */
  readonly workloadBoundary: PermissionsBoundary;
  readonly accountBaseline: AccountBaselineResources;
  /**
   * Session length of both roles in seconds. Defaults to 7200: an Aurora
   * cluster can take most of an hour to create, and credentials that expire
   * mid-apply leave half-applied state.
   */
  readonly maxSessionDuration?: number;
}

/** Changes to the deployment roles, the account's baseline roles and the OIDC provider: only a person running the bootstrap may make them. */
const TRUST_CHANGE_ACTIONS = [
  "iam:AttachRolePolicy",
  "iam:DeleteRole",
  "iam:DeleteRolePermissionsBoundary",
  "iam:DeleteRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:PutRolePolicy",
  "iam:UpdateAssumeRolePolicy",
  "iam:UpdateRole",
  "iam:AddClientIDToOpenIDConnectProvider",
  "iam:DeleteOpenIDConnectProvider",
  "iam:RemoveClientIDFromOpenIDConnectProvider",
  "iam:UpdateOpenIDConnectProviderThumbprint",
] as const;

/**
 * IAM actions that accept the `iam:PermissionsBoundary` condition key on a
 * role (IAM User Guide, "Permissions boundaries for IAM entities": the
 * `CreateOrChangeOnlyWithBoundary` statement of its delegation example; the
 * key holds the boundary of the role being created or changed).
 */
const ROLE_ACTIONS_NEEDING_BOUNDARY = [
  "iam:CreateRole",
  "iam:PutRolePermissionsBoundary",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
] as const;

/** Changes that would let the boundary stop bounding (the same example's `NoBoundaryPolicyEdit`). */
const BOUNDARY_POLICY_CHANGES = ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"] as const;

/** Long-lived IAM users: the platform has none, and a user would carry its own credentials outside every boundary. */
const IAM_USER_ACTIONS = [
  "iam:CreateUser",
  "iam:CreateAccessKey",
  "iam:CreateLoginProfile",
  "iam:UpdateLoginProfile",
  "iam:AddUserToGroup",
  "iam:AttachUserPolicy",
  "iam:PutUserPolicy",
  "iam:PutUserPermissionsBoundary",
  "iam:DeleteUserPermissionsBoundary",
] as const;

/** Stopping, rewriting or deleting the account's Config recording and rules (the audit trail of PCI-DSS 10.2). */
const CONFIG_CHANGE_ACTIONS = [
  "config:DeleteConfigRule",
  "config:DeleteConfigurationRecorder",
  "config:DeleteDeliveryChannel",
  "config:DeleteEvaluationResults",
  "config:DeleteRetentionConfiguration",
  "config:PutConfigRule",
  "config:PutConfigurationRecorder",
  "config:PutDeliveryChannel",
  "config:PutRetentionConfiguration",
  "config:StopConfigurationRecorder",
] as const;

/** Emptying or loosening the Config buckets. */
const CONFIG_BUCKET_CHANGE_ACTIONS = [
  "s3:DeleteBucket",
  "s3:DeleteBucketPolicy",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:PutBucketLogging",
  "s3:PutBucketOwnershipControls",
  "s3:PutBucketPolicy",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketVersioning",
  "s3:PutEncryptionConfiguration",
  "s3:PutLifecycleConfiguration",
] as const;

/**
 * Making the Config bucket keys unusable. Matched by alias with
 * `kms:ResourceAliases`, which KMS evaluates when the key is the resource of
 * the operation (AWS KMS Developer Guide, "Condition keys for AWS KMS").
 */
const CONFIG_KEY_CHANGE_ACTIONS = ["kms:DisableKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKeyRotation"] as const;

/**
 * The two roles GitHub Actions assumes for one environment: a read-only plan
 * role for the `<env>-plan` (pull requests) and `drift` GitHub Environments,
 * and an apply role that only jobs running in the environment's own GitHub
 * Environment (and so behind its protection rules) can assume. Both trust
 * policies compare `aud` and `sub` with StringEquals on exact values: a
 * wildcard `sub` would let any branch, fork workflow or environment of the
 * repository deploy.
 */
export class DeploymentRoles extends Construct {
  readonly planRole: IamRole;
  readonly applyRole: IamRole;

  constructor(scope: Construct, id: string, props: DeploymentRolesProps) {
    super(scope, id);
    const partition = props.partition.partition;
    const maxSessionDuration = props.maxSessionDuration ?? 7200;
    const regionGuard = regionGuardStatement([props.region]);

    this.planRole = new IamRole(this, "plan-role", {
      name: `github-plan-${props.environmentName}`,
      path: DEPLOYMENT_ROLE_PATH,
      description: `Read-only: GitHub Actions plans of the ${props.environmentName} environment (pull requests, drift checks).`,
      assumeRolePolicy: trustPolicy(props.oidcProvider, props.planSubjects),
      maxSessionDuration,
    });
    new IamRolePolicyAttachment(this, "plan-read-only", {
      role: this.planRole.name,
      policyArn: `arn:${partition}:iam::aws:policy/ReadOnlyAccess`,
    });
    new IamRolePolicy(this, "plan-guardrails", {
      role: this.planRole.name,
      name: "guardrails",
      policy: policyDocument([regionGuard, ...dataReadDenyStatements()]),
    });

    this.applyRole = new IamRole(this, "apply-role", {
      name: `github-apply-${props.environmentName}`,
      path: DEPLOYMENT_ROLE_PATH,
      description: `Applies reviewed plans of the ${props.environmentName} environment from its GitHub Environment.`,
      assumeRolePolicy: trustPolicy(props.oidcProvider, [props.applySubject]),
      maxSessionDuration,
    });
    // The platform creates IAM roles, KMS keys, VPCs and databases; no narrower
    // managed policy covers that. The guardrails below bound it.
    new IamRolePolicyAttachment(this, "apply-administrator", {
      role: this.applyRole.name,
      policyArn: `arn:${partition}:iam::aws:policy/AdministratorAccess`,
    });
    new IamRolePolicy(this, "apply-guardrails", {
      role: this.applyRole.name,
      name: "guardrails",
      policy: policyDocument([regionGuard, ...applyGuardrails(partition, props)]),
    });
  }
}

function applyGuardrails(partition: string, props: DeploymentRolesProps): PolicyStatement[] {
  const boundaryArn = props.workloadBoundary.policyArn;
  const { configBucketPrefix, configKeyAlias } = props.accountBaseline;
  return [
    {
      sid: "DenyChangingDeploymentTrust",
      effect: "Deny",
      actions: [...TRUST_CHANGE_ACTIONS],
      resources: [`arn:${partition}:iam::*:role${DEPLOYMENT_ROLE_PATH}*`, `arn:${partition}:iam::*:role${ACCOUNT_BASELINE_PATH}*`, props.oidcProvider.arn],
    },
    {
      // StringNotEquals is also true when the request names no boundary, so a role without one is refused too.
      sid: "DenyRolesWithoutWorkloadBoundary",
      effect: "Deny",
      actions: [...ROLE_ACTIONS_NEEDING_BOUNDARY],
      resources: ["*"],
      conditions: [{ test: "StringNotEquals", variable: "iam:PermissionsBoundary", values: [boundaryArn] }],
    },
    { sid: "DenyRemovingPermissionsBoundaries", effect: "Deny", actions: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"], resources: ["*"] },
    { sid: "DenyChangingWorkloadBoundary", effect: "Deny", actions: [...BOUNDARY_POLICY_CHANGES], resources: [boundaryArn] },
    { sid: "DenyIamUsers", effect: "Deny", actions: [...IAM_USER_ACTIONS], resources: ["*"] },
    // Terraform never assumes another role here; a role whose trust was rewritten would be a way around every deny above.
    { sid: "DenyAssumingOtherRoles", effect: "Deny", actions: ["sts:AssumeRole"], resources: ["*"] },
    { sid: "DenyChangingAccountConfigRecording", effect: "Deny", actions: [...CONFIG_CHANGE_ACTIONS], resources: ["*"] },
    {
      sid: "DenyChangingConfigBuckets",
      effect: "Deny",
      actions: [...CONFIG_BUCKET_CHANGE_ACTIONS],
      resources: [`arn:${partition}:s3:::${configBucketPrefix}*`, `arn:${partition}:s3:::${configBucketPrefix}*/*`],
    },
    {
      sid: "DenyDisablingConfigKeys",
      effect: "Deny",
      actions: [...CONFIG_KEY_CHANGE_ACTIONS],
      resources: ["*"],
      conditions: [{ test: "ForAnyValue:StringEquals", variable: "kms:ResourceAliases", values: [configKeyAlias] }],
    },
    // The account's API Gateway CloudWatch role setting (PATCH /account) belongs to the bootstrap.
    { sid: "DenyChangingApiGatewayAccountSettings", effect: "Deny", actions: ["apigateway:PATCH"], resources: [`arn:${partition}:apigateway:*::/account`] },
  ];
}

function trustPolicy(provider: GithubOidcProvider, subjects: readonly string[]): string {
  if (subjects.length === 0) throw new Error("A GitHub deployment role needs at least one exact OIDC subject to trust.");
  for (const subject of subjects) {
    if (/[*?]/.test(subject)) throw new Error(`OIDC subject "${subject}" contains a wildcard; deployment roles trust exact subjects only.`);
  }
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GithubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: provider.arn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: subjects.length === 1 ? subjects[0] : [...subjects],
          },
        },
      },
    ],
  });
}
