import { Construct } from "constructs";
import type { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import type { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { type PolicyStatement, policyDocument } from "../constructs/grants";
import { regionGuardStatement } from "../constructs/region-guard";

/** Every role this stack creates lives under this IAM path, so one deny can protect them all. */
export const DEPLOYMENT_ROLE_PATH = "/github-deploy/";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

export interface DeploymentRolesProps {
  /** The environment's file name (`dev`), used in role names. */
  readonly environmentName: string;
  /** The environment's region; both roles are denied every other region. */
  readonly region: string;
  readonly oidcProvider: IamOpenidConnectProvider;
  readonly partition: DataAwsPartition;
  /** Exact `sub` claims that may assume the read-only plan role (pull requests, drift runs). */
  readonly planSubjects: readonly string[];
  /** The exact `sub` claim of the GitHub Environment whose jobs may apply. */
  readonly applySubject: string;
  /**
   * Session length of both roles in seconds. Defaults to 7200: an Aurora
   * cluster can take most of an hour to create, and credentials that expire
   * mid-apply leave half-applied state.
   */
  readonly maxSessionDuration?: number;
}

/**
 * Reads that return business data rather than configuration. A plan never
 * needs them, and a pull request's code must not be able to read trading data
 * through the plan role (PCI-DSS 7.2: least privilege).
 */
const DATA_READ_ACTIONS = [
  "dynamodb:BatchGetItem",
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "rds-data:*",
  "logs:GetLogEvents",
  "logs:FilterLogEvents",
  "logs:StartQuery",
  "logs:GetQueryResults",
  "athena:GetQueryResults",
  "secretsmanager:GetSecretValue",
  // Trade files and analytics output; bucket configuration stays readable.
  "s3:GetObject",
  "s3:GetObjectVersion",
] as const;

/** Changes to the deployment roles and the OIDC provider: only a person running the bootstrap may make them. */
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
 * The two roles GitHub Actions assumes for one environment: a read-only plan
 * role for pull requests and drift checks, and an apply role that only jobs
 * running in the environment's GitHub Environment (and so behind its
 * protection rules) can assume. Both trust policies compare `aud` and `sub`
 * with StringEquals on exact values: a wildcard `sub` would let any branch,
 * fork workflow or environment of the repository deploy.
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
      policy: policyDocument([
        regionGuard,
        { sid: "DenyBusinessDataReads", effect: "Deny", actions: [...DATA_READ_ACTIONS], resources: ["*"] },
      ]),
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
    const protectTrust: PolicyStatement = {
      sid: "DenyChangingDeploymentTrust",
      effect: "Deny",
      actions: [...TRUST_CHANGE_ACTIONS],
      resources: [`arn:${partition}:iam::*:role${DEPLOYMENT_ROLE_PATH}*`, props.oidcProvider.arn],
    };
    new IamRolePolicy(this, "apply-guardrails", {
      role: this.applyRole.name,
      name: "guardrails",
      policy: policyDocument([regionGuard, protectTrust]),
    });
  }
}

function trustPolicy(provider: IamOpenidConnectProvider, subjects: readonly string[]): string {
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
