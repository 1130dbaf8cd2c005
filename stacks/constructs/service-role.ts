import { Lazy } from "cdktf";
import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { AwsAccount } from "./aws-account";
import { type Grantable, type PolicyStatement, policyDocument } from "./grants";
import { type BoundaryExemption, type PermissionsBoundary, permissionsBoundaryArgument } from "./permissions-boundary";
import { regionGuardStatement } from "./region-guard";

export interface ServiceRoleProps {
  /** The role name; include the environment suffix. */
  readonly name: string;
  readonly description: string;
  /** The service that assumes the role, without the DNS suffix (`vpc-flow-logs`, `config`). */
  readonly service: string;
  readonly account: AwsAccount;
  /** AWS managed policies to attach, by ARN. Default: none. */
  readonly managedPolicyArns?: readonly string[];
  /** The workload boundary (`workloadBoundaryOf(account)`), or why this role has none. */
  readonly permissionsBoundary: PermissionsBoundary | BoundaryExemption;
  /** The role's IAM path. Default: `/`. */
  readonly path?: string;
  /**
   * How the trust policy limits which account's resources may make the
   * service assume the role. Default `sourceAccount`: `aws:SourceAccount`
   * must be this account. Omit it only where the service's documented trust
   * policy has no such condition, with the reason.
   */
  readonly confusedDeputyCondition?: "sourceAccount" | { readonly omittedBecause: string };
}

/**
 * A role an AWS service assumes on this account's behalf (flow logs, Config,
 * API Gateway logging). Only this account's resources may make the service
 * assume it (`aws:SourceAccount`, the confused-deputy guard) unless the
 * service's documented trust says otherwise, it carries the region guard and
 * a permissions boundary (or a stated exemption), and statements granted to
 * it are rendered at synth time into one inline policy.
 */
export class ServiceRole extends Construct implements Grantable {
  readonly grantName: string;
  readonly role: IamRole;
  private readonly statements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    const { account } = props;
    this.grantName = props.name;
    const withSourceAccount = (props.confusedDeputyCondition ?? "sourceAccount") === "sourceAccount";
    this.role = new IamRole(this, "role", {
      name: props.name,
      path: props.path,
      description: props.description,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: `${props.service}.${account.dnsSuffix}` },
            Action: "sts:AssumeRole",
            ...(withSourceAccount ? { Condition: { StringEquals: { "aws:SourceAccount": account.accountId } } } : {}),
          },
        ],
      }),
      permissionsBoundary: permissionsBoundaryArgument(props.permissionsBoundary),
    });
    this.addToPrincipalPolicy(regionGuardStatement([account.region]));
    new IamRolePolicy(this, "policy", {
      name: `${props.name}-policy`,
      role: this.role.id,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
    });
    (props.managedPolicyArns ?? []).forEach((policyArn, index) => {
      new IamRolePolicyAttachment(this, `managed-policy-${index}`, { role: this.role.name, policyArn });
    });
  }

  addToPrincipalPolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
  }
}
