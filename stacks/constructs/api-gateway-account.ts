import { Construct } from "constructs";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import type { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { AwsAccount } from "./aws-account";
import { ACCOUNT_BASELINE_PATH } from "./permissions-boundary";
import { ServiceRole } from "./service-role";

export interface ApiGatewayCloudWatchRoleProps {
  /** The account, and the region whose API Gateway setting this makes. */
  readonly account: AwsAccount;
}

/**
 * The account-level setting that lets API Gateway write execution logs in one
 * region: a role API Gateway assumes, set as the region's `cloudwatchRoleArn`.
 * API Gateway keeps one such setting per account and region, so the
 * account's bootstrap stack creates it, once per region its environments use,
 * before any environment is applied; environment stacks never touch it.
 *
 * The trust policy is the one AWS documents for this role ("Set up CloudWatch
 * logging for REST APIs in API Gateway", API Gateway Developer Guide, and the
 * `AWS::ApiGateway::Account` example in the CloudFormation reference): the
 * service principal alone. Neither page says API Gateway sends
 * `aws:SourceAccount` when it assumes the role, and a condition on a key the
 * service does not send would make every assume fail, so none is added.
 */
export class ApiGatewayCloudWatchRole extends Construct {
  readonly role: ServiceRole;
  readonly accountSettings: ApiGatewayAccount;

  constructor(scope: Construct, id: string, props: ApiGatewayCloudWatchRoleProps) {
    super(scope, id);
    const { account } = props;
    this.role = new ServiceRole(this, "role", {
      name: `apigateway-cloudwatch-logs-${account.region}`,
      path: ACCOUNT_BASELINE_PATH,
      description: `Lets API Gateway write execution and access logs for every REST API in this account in ${account.region}`,
      service: "apigateway",
      account,
      managedPolicyArns: [`arn:${account.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`],
      permissionsBoundary: { exemptBecause: "an account-level service role with AWS's managed logging policy, created by the bootstrap, not by a workload" },
      confusedDeputyCondition: { omittedBecause: "API Gateway's documented trust policy for its CloudWatch role has no aws:SourceAccount condition" },
    });
    this.accountSettings = new ApiGatewayAccount(this, "account", {
      cloudwatchRoleArn: this.role.role.arn,
      // API Gateway checks the role can write to CloudWatch when the setting is made.
      dependsOn: [this.role.node.findChild("managed-policy-0") as IamRolePolicyAttachment],
    });
  }
}
