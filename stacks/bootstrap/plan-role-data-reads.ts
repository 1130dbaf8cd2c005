import type { PolicyStatement } from "../constructs/grants";

/**
 * Reads the plan role must not make, although `ReadOnlyAccess` allows them:
 * they return stored data (objects, items, records, log events, secret and
 * parameter values, query results, database logs) rather than the
 * configuration a `terraform plan` refreshes. A pull request's code runs with
 * the plan role's credentials, so without these denies it could read trading
 * data (PCI-DSS 7.2: access limited to what the job needs).
 *
 * Compiled from the services `ReadOnlyAccess` (policy version v188) grants
 * `Get*`, `List*`, `Describe*`, `Batch*`, `Query*`, `Receive*`, `Select*` or
 * `Download*` on, checked against each service's API reference for what the
 * response holds. Exact action names except `s3:GetObject*` (every object
 * read, including ones S3 may add): a wider wildcard such as `dynamodb:Get*`
 * or `kinesis:Get*` would also catch configuration reads
 * (`dynamodb:GetResourcePolicy`), and `aws_s3_bucket` refreshes read
 * `s3:GetBucketObjectLockConfiguration`, which `s3:GetObject*` does not
 * match. What stays readable on purpose: bucket, table, queue, topic, key and secret
 * *configuration* (`s3:GetBucket*`, `s3:ListBucket` for HeadBucket,
 * `dynamodb:DescribeTable`, `secretsmanager:DescribeSecret`), and
 * `apigateway:GET`, which also returns API key values but is the only way
 * Terraform can refresh `aws_api_gateway_api_key` (state holds the value too).
 */
export interface DataReadGroup {
  /** Names the statement: `DenyDataReads<sid>`. */
  readonly sid: string;
  /** Why these actions return data rather than configuration. */
  readonly why: string;
  readonly actions: readonly string[];
}

export const DATA_READ_GROUPS: readonly DataReadGroup[] = [
  {
    sid: "S3Objects",
    why: "object contents (trade files, analytics output) and everything else read per object; S3 Select and replication reads return contents too; a directory-bucket session reads objects",
    actions: ["s3:GetObject*", "s3-object-lambda:GetObject*", "s3express:CreateSession"],
  },
  {
    sid: "DynamoDbItems",
    why: "table items (sessions, API key records) and stream records, through the API, PartiQL, streams or DAX",
    actions: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PartiQLSelect", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dax:BatchGetItem", "dax:GetItem", "dax:Query", "dax:Scan"],
  },
  {
    sid: "Databases",
    why: "rows through the RDS Data API, database log files (statements with their literal values), Performance Insights' SQL text, and rows of other managed databases",
    actions: [
      "rds-data:ExecuteStatement",
      "rds-data:BatchExecuteStatement",
      "rds:DownloadDBLogFilePortion",
      "rds:DownloadCompleteDBLogFile",
      "pi:DescribeDimensionKeys",
      "pi:GetDimensionKeyDetails",
      "pi:GetResourceMetrics",
      "cassandra:Select",
      "sdb:GetAttributes",
      "sdb:Select",
      "qldb:GetBlock",
      "qldb:GetRevision",
      "es:ESHttpGet",
      "es:ESHttpHead",
    ],
  },
  {
    sid: "Logs",
    why: "log events and records (what the functions and API logged), through reads, Insights queries, live tail, unmasking and anomaly samples",
    actions: ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:GetLogRecord", "logs:StartQuery", "logs:GetQueryResults", "logs:StartLiveTail", "logs:Unmask", "logs:ListAnomalies"],
  },
  {
    sid: "SecretsAndParameters",
    why: "secret and parameter values, and command output (ReadOnlyAccess has no GetSecretValue today; denied so no future version adds it)",
    actions: ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory", "ssm:GetCommandInvocation"],
  },
  {
    sid: "Streams",
    why: "records of streams and queued messages; ReceiveMessage also hides the message from its consumer",
    actions: ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:SubscribeToShard", "sqs:ReceiveMessage", "kinesisvideo:GetMedia", "kinesisvideo:GetMediaForFragmentList", "kinesisvideo:GetClip", "kinesisvideo:GetImages", "kinesisvideo:GetHLSStreamingSessionURL", "kinesisvideo:GetDASHStreamingSessionURL"],
  },
  {
    sid: "QueryResults",
    why: "results of queries over stored data: Athena, CloudTrail Lake, and the account's API activity with its request parameters",
    actions: ["athena:GetQueryResults", "athena:GetQueryResultsStream", "cloudtrail:GetQueryResults", "cloudtrail:LookupEvents", "glacier:GetJobOutput"],
  },
  {
    sid: "Traces",
    why: "X-Ray traces: request URLs, annotations and metadata recorded by the functions",
    actions: ["xray:BatchGetTraces", "xray:GetTraceSummaries", "xray:StartTraceRetrieval", "xray:ListRetrievedTraces"],
  },
  {
    sid: "CodeAndExecutions",
    why: "repository files, container image layers, workflow inputs and outputs, and instance console output or passwords",
    actions: [
      "codecommit:GitPull",
      "codecommit:GetBlob",
      "codecommit:GetFile",
      "codecommit:GetFolder",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
      "states:GetExecutionHistory",
      "states:DescribeExecution",
      "ec2:GetConsoleOutput",
      "ec2:GetConsoleScreenshot",
      "ec2:GetPasswordData",
    ],
  },
  {
    sid: "PeopleAndRecords",
    why: "end-user and customer records: user pool users, synced records, health records, IoT data sets, contact-centre data, search results",
    actions: [
      "cognito-idp:AdminGetUser",
      "cognito-idp:ListUsers",
      "cognito-idp:ListUsersInGroup",
      "cognito-sync:ListRecords",
      "cognito-sync:QueryRecords",
      "healthlake:ReadResource",
      "healthlake:SearchWithGet",
      "healthlake:SearchWithPost",
      "iotanalytics:GetDatasetContent",
      "iotanalytics:SampleChannelData",
      "connect:GetContactAttributes",
      "connect:GetFederationToken",
      "kendra:Query",
      "rum:GetAppMonitorData",
    ],
  },
];

/** Every denied action, for tests and reviews. */
export const DATA_READ_ACTIONS: readonly string[] = DATA_READ_GROUPS.flatMap((group) => group.actions);

/** One deny statement per group, so the plan shows which kind of data each covers. */
export function dataReadDenyStatements(): PolicyStatement[] {
  return DATA_READ_GROUPS.map((group) => ({ sid: `DenyDataReads${group.sid}`, effect: "Deny", actions: group.actions, resources: ["*"] }));
}
