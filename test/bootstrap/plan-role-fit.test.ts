// The plan role is ReadOnlyAccess minus reads of stored data. This keeps
// that deny honest in both directions: it covers the documented
// data-returning reads, and a plan of the platform still refreshes every
// resource and data source without needing any of them.
import { DATA_READ_ACTIONS, DATA_READ_GROUPS, dataReadDenyStatements } from "../../stacks/bootstrap/plan-role-data-reads";
import { policyDocument } from "../../stacks/constructs/grants";
import { actionMatches, inlineStatementsOfRole, repoBootstrapStacks } from "../support/bootstrap";
import { environmentNames, synthesizedStacks } from "../support/synth";

/**
 * Reads that return stored data and that ReadOnlyAccess (v188) grants through
 * its `Get*`/`Query`/`Scan`/`Receive*`/`Download*`/`Start*` entries, or that a
 * future version could (secret values, the RDS Data API). Each must be denied.
 */
const DATA_RETURNING_READS = [
  // object and item contents
  "s3:GetObject",
  "s3:GetObjectVersion",
  "s3:GetObjectTorrent",
  "s3:GetObjectVersionForReplication",
  "s3-object-lambda:GetObject",
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:PartiQLSelect",
  "dynamodb:GetRecords",
  "dax:GetItem",
  // database rows, logs and statements
  "rds-data:ExecuteStatement",
  "rds:DownloadDBLogFilePortion",
  "rds:DownloadCompleteDBLogFile",
  "pi:GetResourceMetrics",
  "pi:GetDimensionKeyDetails",
  "cassandra:Select",
  "es:ESHttpGet",
  // log events
  "logs:GetLogEvents",
  "logs:FilterLogEvents",
  "logs:GetLogRecord",
  "logs:StartQuery",
  "logs:GetQueryResults",
  "logs:StartLiveTail",
  "logs:Unmask",
  // secret and parameter values
  "secretsmanager:GetSecretValue",
  "secretsmanager:BatchGetSecretValue",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
  "ssm:GetParameterHistory",
  // stream records and messages
  "kinesis:GetRecords",
  "sqs:ReceiveMessage",
  // query results and archives
  "athena:GetQueryResults",
  "cloudtrail:GetQueryResults",
  "glacier:GetJobOutput",
  // traces and execution payloads
  "xray:BatchGetTraces",
  "states:GetExecutionHistory",
];

/**
 * The IAM actions of the API calls the AWS provider makes to refresh each
 * resource and data source type the environment stacks use (the `read`
 * functions of terraform-provider-aws). A type missing here fails the test,
 * so a new type cannot slip past this check.
 */
const REFRESH_ACTIONS: Record<string, readonly string[]> = {
  aws_api_gateway_api_key: ["apigateway:GET"],
  aws_api_gateway_deployment: ["apigateway:GET"],
  aws_api_gateway_integration: ["apigateway:GET"],
  aws_api_gateway_method: ["apigateway:GET"],
  aws_api_gateway_method_settings: ["apigateway:GET"],
  aws_api_gateway_resource: ["apigateway:GET"],
  aws_api_gateway_rest_api: ["apigateway:GET"],
  aws_api_gateway_stage: ["apigateway:GET"],
  aws_api_gateway_usage_plan: ["apigateway:GET"],
  aws_api_gateway_usage_plan_key: ["apigateway:GET"],
  aws_cloudwatch_log_group: ["logs:DescribeLogGroups", "logs:ListTagsForResource"],
  aws_cloudwatch_log_subscription_filter: ["logs:DescribeSubscriptionFilters"],
  aws_cloudwatch_metric_alarm: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
  aws_db_subnet_group: ["rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"],
  aws_default_security_group: ["ec2:DescribeSecurityGroups"],
  aws_dynamodb_table: ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTimeToLive", "dynamodb:ListTagsOfResource", "dynamodb:DescribeKinesisStreamingDestination", "dynamodb:GetResourcePolicy"],
  aws_eip: ["ec2:DescribeAddresses"],
  aws_flow_log: ["ec2:DescribeFlowLogs"],
  aws_iam_role: ["iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"],
  aws_iam_role_policy: ["iam:GetRolePolicy"],
  aws_internet_gateway: ["ec2:DescribeInternetGateways"],
  aws_kms_alias: ["kms:ListAliases"],
  aws_kms_key: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
  aws_lambda_function: ["lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:ListVersionsByFunction", "lambda:GetRuntimeManagementConfig"],
  aws_lambda_function_event_invoke_config: ["lambda:GetFunctionEventInvokeConfig"],
  aws_lambda_invocation: [], // its result lives in state; a refresh calls nothing
  aws_lambda_permission: ["lambda:GetPolicy"],
  aws_nat_gateway: ["ec2:DescribeNatGateways"],
  aws_rds_cluster: ["rds:DescribeDBClusters", "rds:ListTagsForResource"],
  aws_rds_cluster_instance: ["rds:DescribeDBInstances", "rds:ListTagsForResource"],
  aws_rds_cluster_parameter_group: ["rds:DescribeDBClusterParameterGroups", "rds:DescribeDBClusterParameters", "rds:ListTagsForResource"],
  aws_route: ["ec2:DescribeRouteTables"],
  aws_route_table: ["ec2:DescribeRouteTables"],
  aws_route_table_association: ["ec2:DescribeRouteTables"],
  aws_s3_bucket: [
    "s3:ListBucket", // HeadBucket
    "s3:GetBucketPolicy",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketWebsite",
    "s3:GetBucketVersioning",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketLogging",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketTagging",
  ],
  aws_s3_bucket_lifecycle_configuration: ["s3:GetLifecycleConfiguration"],
  aws_s3_bucket_logging: ["s3:GetBucketLogging"],
  aws_s3_bucket_notification: ["s3:GetBucketNotification"],
  aws_s3_bucket_ownership_controls: ["s3:GetBucketOwnershipControls"],
  aws_s3_bucket_policy: ["s3:GetBucketPolicy"],
  aws_s3_bucket_public_access_block: ["s3:GetBucketPublicAccessBlock"],
  aws_s3_bucket_server_side_encryption_configuration: ["s3:GetEncryptionConfiguration"],
  aws_s3_bucket_versioning: ["s3:GetBucketVersioning"],
  aws_security_group: ["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"],
  aws_sns_topic: ["sns:GetTopicAttributes", "sns:ListTagsForResource"],
  aws_sns_topic_policy: ["sns:GetTopicAttributes"],
  aws_sns_topic_subscription: ["sns:GetSubscriptionAttributes"],
  aws_subnet: ["ec2:DescribeSubnets"],
  aws_vpc: ["ec2:DescribeVpcs", "ec2:DescribeVpcAttribute"],
  aws_vpc_endpoint: ["ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists"],
  aws_vpc_security_group_egress_rule: ["ec2:DescribeSecurityGroupRules"],
  aws_vpc_security_group_ingress_rule: ["ec2:DescribeSecurityGroupRules"],
  // data sources
  aws_availability_zones: ["ec2:DescribeAvailabilityZones"],
  aws_caller_identity: ["sts:GetCallerIdentity"],
  aws_partition: [],
};

const deniedBy = (action: string): string[] => DATA_READ_ACTIONS.filter((pattern) => actionMatches(pattern, action));

describe("the plan role's deny of data reads", () => {
  it("covers every documented data-returning read", () => {
    const uncovered = DATA_RETURNING_READS.filter((action) => deniedBy(action).length === 0);
    expect(uncovered).toEqual([]);
  });

  it("is organised by kind of data, with a reason for each group, and lists no action twice", () => {
    for (const group of DATA_READ_GROUPS) {
      expect(group.sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(group.why.length).toBeGreaterThan(20);
      expect(group.actions.length).toBeGreaterThan(0);
    }
    expect(new Set(DATA_READ_ACTIONS.map((action) => action.toLowerCase())).size).toBe(DATA_READ_ACTIONS.length);
  });

  it("is what every plan role of every account carries, beside the region guard", () => {
    const expected = JSON.parse(policyDocument(dataReadDenyStatements())).Statement;
    for (const { environments, stack } of repoBootstrapStacks().values()) {
      for (const environment of environments) {
        const statements = inlineStatementsOfRole(stack, `github-plan-${environment.name}`);
        expect(statements.map((statement) => statement.Sid)).toEqual(["DenyOutsideApprovedRegions", ...expected.map((statement: { Sid: string }) => statement.Sid)]);
        expect(statements.slice(1)).toEqual(expected);
      }
    }
  });
});

describe("the read-only plan role fits what the platform's plans read", () => {
  const { stacks } = synthesizedStacks();

  it.each(environmentNames)("every resource and data source type of %s has known refresh reads", (environment) => {
    const stack = stacks.get(environment)!;
    const types = [...Object.keys(stack.resource ?? {}), ...Object.keys(stack.data ?? {})];
    expect(types.filter((type) => !(type in REFRESH_ACTIONS))).toEqual([]);
  });

  it.each(environmentNames)("no refresh of %s needs a read the plan role denies", (environment) => {
    const stack = stacks.get(environment)!;
    const types = [...Object.keys(stack.resource ?? {}), ...Object.keys(stack.data ?? {})];
    const blocked = types.flatMap((type) => (REFRESH_ACTIONS[type] ?? []).filter((action) => deniedBy(action).length > 0).map((action) => `${type}: ${action} (denied by ${deniedBy(action).join(", ")})`));
    expect(blocked).toEqual([]);
  });
});
