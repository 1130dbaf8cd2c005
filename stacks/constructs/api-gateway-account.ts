import { Construct } from "constructs";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import type { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { AwsAccount } from "./aws-account";
import { ServiceRole } from "./service-role";

export interface ApiGatewayCloudWatchRoleProps {
  readonly environmentSuffix: string;
  readonly account: AwsAccount;
}

/**
 * The account-level setting that lets API Gateway write execution logs:
 * one role per account and region, so only the environment that owns the
 * account singletons creates it. Every other environment's stage logging
 * relies on it, so in a new account that environment must be applied first.
 */
export class ApiGatewayCloudWatchRole extends Construct {
  readonly role: ServiceRole;
  readonly accountSettings: ApiGatewayAccount;

  constructor(scope: Construct, id: string, props: ApiGatewayCloudWatchRoleProps) {
    super(scope, id);
    const { account } = props;
    this.role = new ServiceRole(this, "role", {
      name: `apigateway-cloudwatch-logs-${props.environmentSuffix}`,
      description: "Lets API Gateway write execution and access logs for every REST API in this account and region",
      service: "apigateway",
      account,
      managedPolicyArns: [`arn:${account.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`],
    });
    this.accountSettings = new ApiGatewayAccount(this, "account", {
      cloudwatchRoleArn: this.role.role.arn,
      // API Gateway checks the role can write to CloudWatch when the setting is made.
      dependsOn: [this.role.node.findChild("managed-policy-0") as IamRolePolicyAttachment],
    });
  }
}
