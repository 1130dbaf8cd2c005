import type { AwsAccount } from "./aws-account";

/**
 * The IAM path of everything the account's bootstrap creates for the account
 * itself (the workload boundary, the Config and API Gateway service roles).
 * The deployment roles' guardrails deny changes under it.
 */
export const ACCOUNT_BASELINE_PATH = "/account-baseline/";

/** The name of the managed policy that bounds every role the environment stacks create. */
export const WORKLOAD_BOUNDARY_NAME = "trading-workload-boundary";

/** A managed policy set as a role's permissions boundary: the most the role can ever do, whatever is attached to it. */
export interface PermissionsBoundary {
  readonly policyArn: string;
}

/**
 * Why a role has no permissions boundary. Only the account-level service
 * roles the bootstrap creates (AWS Config reads every resource type; API
 * Gateway's logging role is AWS's managed policy) use this: the workload
 * boundary is sized for the workload, and the apply role cannot change these
 * roles anyway (its guardrails require the boundary on every role it touches).
 */
export interface BoundaryExemption {
  readonly exemptBecause: string;
}

/** The ARN of the workload boundary in an account: a fixed path and name, so no stack needs to look it up. */
export const workloadBoundaryArn = (partition: string, accountId: string): string =>
  `arn:${partition}:iam::${accountId}:policy${ACCOUNT_BASELINE_PATH}${WORKLOAD_BOUNDARY_NAME}`;

/**
 * The workload boundary of the account a stack deploys into. The bootstrap
 * creates it before any environment is applied; an environment stack only
 * names it (derived from the account id), so environment stacks apply in any
 * order and never wait for each other.
 */
export const workloadBoundaryOf = (account: Pick<AwsAccount, "partition" | "accountId">): PermissionsBoundary => ({
  policyArn: workloadBoundaryArn(account.partition, account.accountId),
});

/** The `permissions_boundary` argument of an `aws_iam_role` for either choice. */
export const permissionsBoundaryArgument = (boundary: PermissionsBoundary | BoundaryExemption): string | undefined =>
  "policyArn" in boundary ? boundary.policyArn : undefined;
