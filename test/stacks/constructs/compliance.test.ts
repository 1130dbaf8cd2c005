import { environmentData } from "../../support/environments";
import { environmentNames, synthesizedStacks } from "../../support/synth";
import { dependsOn, onlyResource, policyOf, resolveReference, resourcesOf } from "../../support/terraform-json";

const CONFIG_TYPES = ["aws_config_configuration_recorder", "aws_config_delivery_channel", "aws_config_configuration_recorder_status", "aws_config_config_rule"];

const EXPECTED_RULES = [
  "API_GW_EXECUTION_LOGGING_ENABLED",
  "CLOUDWATCH_LOG_GROUP_ENCRYPTED",
  "CMK_BACKING_KEY_ROTATION_ENABLED",
  "CW_LOGGROUP_RETENTION_PERIOD_CHECK",
  "DYNAMODB_PITR_ENABLED",
  "DYNAMODB_TABLE_ENCRYPTED_KMS",
  "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS",
  "INCOMING_SSH_DISABLED",
  "KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
  "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED",
  "LAMBDA_INSIDE_VPC",
  "RDS_CLUSTER_IAM_AUTHENTICATION_ENABLED",
  "RDS_CLUSTER_MULTI_AZ_ENABLED",
  "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
  "RDS_STORAGE_ENCRYPTED",
  "RESTRICTED_INCOMING_TRAFFIC",
  "S3_BUCKET_LOGGING_ENABLED",
  "S3_BUCKET_PUBLIC_READ_PROHIBITED",
  "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
  "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
  "S3_BUCKET_SSL_REQUESTS_ONLY",
  "S3_BUCKET_VERSIONING_ENABLED",
  "S3_DEFAULT_ENCRYPTION_KMS",
  "SNS_ENCRYPTED_KMS",
  "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
  "VPC_FLOW_LOGS_ENABLED",
];

describe.each(environmentNames)("AWS Config in %s", (environmentName) => {
  const stack = () => synthesizedStacks().stacks.get(environmentName)!;
  const settings = environmentData(environmentName);
  const suffix = settings.environmentSuffix;

  it("only the singleton-owning environment creates Config", () => {
    for (const type of CONFIG_TYPES) expect(resourcesOf(stack(), type).length > 0).toBe(settings.ownsAccountSingletons);
    expect(resourcesOf(stack(), "aws_iam_role").some((role) => role.body.name.startsWith("trading-config-recorder-"))).toBe(settings.ownsAccountSingletons);
  });

  if (!settings.ownsAccountSingletons) return;

  const recorder = () => onlyResource(stack(), "aws_config_configuration_recorder");
  const channel = () => onlyResource(stack(), "aws_config_delivery_channel");
  const status = () => onlyResource(stack(), "aws_config_configuration_recorder_status");

  it("the recorder records every supported resource type, global ones included", () => {
    expect(recorder().body.name).toBe(`trading-config-${suffix}`);
    expect(recorder().body.recording_group).toEqual({ all_supported: true, include_global_resource_types: true });
  });

  it("Config recorder status depends on the delivery channel which depends on the recorder", () => {
    expect(dependsOn(channel().body)).toEqual([recorder().address]);
    expect(dependsOn(status().body)).toEqual([channel().address]);
    expect(status().body.is_enabled).toBe(true);
    expect(resolveReference(stack(), status().body.name).address).toBe(recorder().address);
  });

  it("the delivery channel writes to the KMS-encrypted Config bucket", () => {
    const bucket = resolveReference(stack(), channel().body.s3_bucket_name);
    expect(bucket.type).toBe("aws_s3_bucket");
    expect(bucket.body.bucket).toMatch(new RegExp(`^trading-config-${suffix}-`));
    const key = resolveReference(stack(), channel().body.s3_kms_key_arn);
    const alias = resourcesOf(stack(), "aws_kms_alias").find((a) => resolveReference(stack(), a.body.target_key_id).address === key.address)!;
    expect(alias.body.name).toBe(`alias/trading-storage-${suffix}`);
  });

  it("the Config bucket policy merges Config's delivery statements with the TLS-only deny", () => {
    const bucket = resolveReference(stack(), channel().body.s3_bucket_name);
    const policy = onlyResource(stack(), "aws_s3_bucket_policy", (body) => resolveReference(stack(), body.bucket).address === bucket.address);
    const statements = policyOf(policy.body.policy).Statement;
    expect(statements.map((s) => s.Sid)).toEqual(["DenyInsecureTransport", "AWSConfigBucketPermissionsCheck", "AWSConfigBucketDelivery"]);
    for (const statement of statements.slice(1)) {
      expect(statement.Principal).toEqual({ Service: "config.amazonaws.com" });
      expect(statement.Condition.StringEquals["aws:SourceAccount"]).toMatch(/^\$\{data\.aws_caller_identity\.[^}]+\.account_id\}$/);
    }
  });

  it("Config role uses service-role/AWS_ConfigRole", () => {
    const role = resolveReference(stack(), recorder().body.role_arn);
    const attachments = resourcesOf(stack(), "aws_iam_role_policy_attachment").filter((a) => resolveReference(stack(), a.body.role).address === role.address);
    expect(attachments.map((a) => a.body.policy_arn)).toEqual([expect.stringMatching(/^arn:\$\{data\.aws_partition\.[^}]+\}:iam::aws:policy\/service-role\/AWS_ConfigRole$/)]);
    expect(policyOf(role.body.assume_role_policy).Statement[0].Principal).toEqual({ Service: "config.amazonaws.com" });
  });

  it("Config role's own policy is scoped to the Config bucket and carries the region guard", () => {
    const role = resolveReference(stack(), recorder().body.role_arn);
    const bucket = resolveReference(stack(), channel().body.s3_bucket_name);
    const inline = onlyResource(stack(), "aws_iam_role_policy", (body) => resolveReference(stack(), body.role).address === role.address);
    const statements = policyOf(inline.body.policy).Statement;
    expect(statements.find((s) => s.Sid === "DenyOutsideApprovedRegions")).toMatchObject({ Effect: "Deny", Condition: { StringNotEquals: { "aws:RequestedRegion": ["us-east-1"] } } });
    expect(statements.find((s) => s.Sid === "DeliverToConfigBucket").Action).toEqual(["s3:PutObject", "s3:PutObjectAcl"]);
    expect(statements.find((s) => s.Sid === "DeliverToConfigBucket").Resource).toMatch(
      new RegExp(`^\\$\\{${bucket.address.replace(".", "\\.")}\\.arn\\}/AWSLogs/\\$\\{data\\.aws_caller_identity\\.[^}]+\\.account_id\\}/Config/\\*$`),
    );
    for (const statement of statements.filter((s) => s.Effect === "Allow")) expect(statement.Resource).not.toBe("*");
  });

  it("PCI-DSS managed rules, named with the suffix, each waiting for the recorder to run", () => {
    const rules = resourcesOf(stack(), "aws_config_config_rule");
    expect(rules.map((rule) => rule.body.source.source_identifier).sort()).toEqual(EXPECTED_RULES);
    for (const rule of rules) {
      expect(rule.body.source.owner).toBe("AWS");
      expect(rule.body.name).toBe(`${rule.body.source.source_identifier.toLowerCase().replace(/_/g, "-")}-${suffix}`);
      expect(dependsOn(rule.body)).toEqual([status().address]);
    }
  });

  it("the log retention rule checks the platform's retention, not the 365-day default", () => {
    const rule = onlyResource(stack(), "aws_config_config_rule", (body) => body.source.source_identifier === "CW_LOGGROUP_RETENTION_PERIOD_CHECK");
    expect(JSON.parse(rule.body.input_parameters)).toEqual({ MinRetentionTime: "30" });
  });
});
