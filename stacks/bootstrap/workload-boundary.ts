import { Construct } from "constructs";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { type PolicyStatement, policyDocument } from "../constructs/grants";
import { ACCOUNT_BASELINE_PATH, type PermissionsBoundary, WORKLOAD_BOUNDARY_NAME } from "../constructs/permissions-boundary";
import { regionGuardStatement } from "../constructs/region-guard";

export interface WorkloadBoundaryProps {
  readonly partition: string;
  readonly accountId: string;
  /** The regions the account's environments use; everything else is denied. */
  readonly regions: readonly string[];
  /** The DNS suffix of service endpoints (`amazonaws.com`). */
  readonly dnsSuffix: string;
}

/**
 * The services whose endpoints may use the platform's keys on a role's
 * behalf (`kms:ViaService`): S3 objects, DynamoDB items, the database secret
 * and Aurora, Lambda environment variables, the alert topic, log groups.
 */
const KEY_USING_SERVICES = ["s3", "dynamodb", "secretsmanager", "rds", "lambda", "sns", "logs"] as const;

/**
 * What any role of the workload may ever do, whatever policy is attached to
 * it: the union of what the platform's roles actually do, each limited to
 * this account's resources, plus the region guard. A role still gets only
 * what its own policy grants (a boundary grants nothing); the boundary caps
 * what a mistaken or malicious grant in an environment stack could add.
 *
 * - Lambda functions: their log streams, X-Ray segments, VPC network
 *   interfaces, keys through the data services, S3 objects, DynamoDB items,
 *   the database secret and `rds-db:connect`, publishing alerts;
 * - the VPC flow-log role: log streams and finding its group.
 *
 * No IAM, no KMS administration, no deletes of buckets or tables, no
 * resources of other accounts. AWS Config and API Gateway's logging role are
 * account-level roles of the bootstrap, outside this boundary.
 */
export function workloadBoundaryStatements(props: WorkloadBoundaryProps): PolicyStatement[] {
  const { partition, accountId } = props;
  const inAccount = (service: string, resource: string) => `arn:${partition}:${service}:*:${accountId}:${resource}`;
  const viaServices = KEY_USING_SERVICES.flatMap((service) => props.regions.map((region) => `${service}.${region}.${props.dnsSuffix}`));
  return [
    {
      sid: "WriteLogs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:DescribeLogGroups"],
      resources: [inAccount("logs", "log-group:*")],
    },
    {
      sid: "UseKeysThroughDataServices",
      actions: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
      resources: [inAccount("kms", "key/*")],
      conditions: [{ test: "StringEquals", variable: "kms:ViaService", values: viaServices }],
    },
    {
      sid: "ObjectsOfThisAccount",
      // Bucket ARNs carry no account id: aws:ResourceAccount keeps writes out of other accounts' buckets.
      actions: ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:PutObject", "s3:AbortMultipartUpload"],
      resources: [`arn:${partition}:s3:::*`, `arn:${partition}:s3:::*/*`],
      conditions: [{ test: "StringEquals", variable: "aws:ResourceAccount", values: [accountId] }],
    },
    {
      sid: "ItemsOfThisAccount",
      actions: [
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:UpdateItem",
      ],
      resources: [inAccount("dynamodb", "table/*")],
    },
    {
      sid: "DatabaseCredentials",
      actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      resources: [inAccount("secretsmanager", "secret:*")],
    },
    { sid: "DatabaseIamAuthentication", actions: ["rds-db:connect"], resources: [inAccount("rds-db", "dbuser:*/*")] },
    { sid: "PublishAlerts", actions: ["sns:Publish"], resources: [inAccount("sns", "*")] },
    // X-Ray's trace APIs and EC2's network interface APIs have no resource-level permissions.
    { sid: "Tracing", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
    {
      sid: "VpcNetworkInterfaces",
      actions: [
        "ec2:AssignPrivateIpAddresses",
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:UnassignPrivateIpAddresses",
      ],
      resources: ["*"],
    },
    regionGuardStatement(props.regions),
  ];
}

/**
 * The account's workload boundary: a customer managed policy at a fixed path
 * and name (`permissions-boundary.ts`), so environment stacks derive its ARN
 * instead of looking it up. The apply roles may create and change roles only
 * with this boundary set, and may not change the policy itself.
 */
export class WorkloadBoundary extends Construct {
  readonly policy: IamPolicy;
  readonly boundary: PermissionsBoundary;

  constructor(scope: Construct, id: string, props: WorkloadBoundaryProps) {
    super(scope, id);
    this.policy = new IamPolicy(this, "policy", {
      name: WORKLOAD_BOUNDARY_NAME,
      path: ACCOUNT_BASELINE_PATH,
      description: "Permissions boundary of every role the trading platform's environment stacks create",
      policy: policyDocument(workloadBoundaryStatements(props)),
    });
    this.boundary = { policyArn: this.policy.arn };
  }
}
