import { CONFIG_KEY_ALIAS } from "../../../stacks/bootstrap/regional-baseline";
import { ACCOUNT_BASELINE_PATH } from "../../../stacks/constructs/permissions-boundary";
import { repoBootstrapStacks } from "../../support/bootstrap";
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

const regionsOfAccounts = [...repoBootstrapStacks().values()].flatMap(({ account, environments, stack }) =>
  [...new Set(environments.map((environment) => environment.config.region))].sort().map((region, index) => ({ account, environments, stack, region, home: index === 0 })),
);

describe.each(regionsOfAccounts.map((entry) => [`${entry.account.name} ${entry.region}`, entry] as const))("AWS Config of account and region %s (bootstrap)", (_label, { account, environments, stack, region, home }) => {
  const inRegion = (type: string) => resourcesOf(stack, type).filter((resource) => resource.name.startsWith(`region-${region}_`));
  const only = (type: string) => {
    const found = inRegion(type);
    if (found.length !== 1) throw new Error(`expected one ${type} in ${region}, found ${found.length}`);
    return found[0];
  };
  const recorder = () => only("aws_config_configuration_recorder");
  const channel = () => only("aws_config_delivery_channel");
  const status = () => only("aws_config_configuration_recorder_status");

  it("records every supported type except network interfaces, with the exclusion recording strategy", () => {
    expect(recorder().body.name).toBe("trading-config");
    expect(recorder().body.recording_group).toEqual({
      all_supported: false,
      include_global_resource_types: false,
      recording_strategy: [{ use_only: "EXCLUSION_BY_RESOURCE_TYPES" }],
      exclusion_by_resource_types: [{ resource_types: home ? ["AWS::EC2::NetworkInterface"] : expect.arrayContaining(["AWS::EC2::NetworkInterface", "AWS::IAM::Role"]) }],
    });
  });

  it("Config recorder status depends on the delivery channel which depends on the recorder", () => {
    expect(dependsOn(channel().body)).toEqual([recorder().address]);
    expect(dependsOn(status().body)).toEqual([channel().address]);
    expect(status().body.is_enabled).toBe(true);
    expect(resolveReference(stack, status().body.name).address).toBe(recorder().address);
  });

  it("the delivery channel writes to a Config bucket of this region and account, encrypted with a key only S3 may use", () => {
    const bucket = resolveReference(stack, channel().body.s3_bucket_name);
    expect(bucket.type).toBe("aws_s3_bucket");
    expect(bucket.body).toMatchObject({ bucket: `trading-config-${region}-${account.id}`, force_destroy: false });
    const key = resolveReference(stack, channel().body.s3_kms_key_arn);
    const alias = resourcesOf(stack, "aws_kms_alias").find((candidate) => resolveReference(stack, candidate.body.target_key_id).address === key.address)!;
    expect(alias.body.name).toBe(CONFIG_KEY_ALIAS);
    expect(key.body).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    const deny = policyOf(key.body.policy).Statement.find((statement) => statement.Sid === "DenyUseThroughOtherServices");
    expect(deny.Condition.StringNotEquals["kms:ViaService"]).toEqual([`s3.${region}.amazonaws.com`]);
    const logging = onlyResource(stack, "aws_s3_bucket_logging", (body) => resolveReference(stack, body.bucket).address === bucket.address);
    expect(resolveReference(stack, logging.body.target_bucket).body.bucket).toBe(`trading-config-access-logs-${region}-${account.id}`);
  });

  it("the Config bucket policy merges Config's delivery statements with the TLS-only deny", () => {
    const bucket = resolveReference(stack, channel().body.s3_bucket_name);
    const policy = onlyResource(stack, "aws_s3_bucket_policy", (body) => resolveReference(stack, body.bucket).address === bucket.address);
    const statements = policyOf(policy.body.policy).Statement;
    expect(statements.map((s) => s.Sid)).toEqual(["DenyInsecureTransport", "AWSConfigBucketPermissionsCheck", "AWSConfigBucketDelivery"]);
    for (const statement of statements.slice(1)) {
      expect(statement.Principal).toEqual({ Service: "config.amazonaws.com" });
      expect(statement.Condition.StringEquals["aws:SourceAccount"]).toBe(account.id);
    }
  });

  it("Config role uses service-role/AWS_ConfigRole, lives under the baseline path, and trusts Config for this account only", () => {
    const role = resolveReference(stack, recorder().body.role_arn);
    expect(role.body).toMatchObject({ name: `trading-config-recorder-${region}`, path: ACCOUNT_BASELINE_PATH });
    expect(role.body.permissions_boundary).toBeUndefined();
    const attachments = resourcesOf(stack, "aws_iam_role_policy_attachment").filter((a) => resolveReference(stack, a.body.role).address === role.address);
    expect(attachments.map((a) => a.body.policy_arn)).toEqual([expect.stringMatching(/^arn:\$\{data\.aws_partition\.[^}]+\}:iam::aws:policy\/service-role\/AWS_ConfigRole$/)]);
    expect(policyOf(role.body.assume_role_policy).Statement[0]).toMatchObject({ Principal: { Service: "config.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": account.id } } });
  });

  it("Config role's own policy is scoped to the Config bucket and carries the region guard", () => {
    const role = resolveReference(stack, recorder().body.role_arn);
    const bucket = resolveReference(stack, channel().body.s3_bucket_name);
    const inline = onlyResource(stack, "aws_iam_role_policy", (body) => resolveReference(stack, body.role).address === role.address);
    const statements = policyOf(inline.body.policy).Statement;
    expect(statements.find((s) => s.Sid === "DenyOutsideApprovedRegions")).toMatchObject({ Effect: "Deny", Condition: { StringNotEquals: { "aws:RequestedRegion": [region] } } });
    expect(statements.find((s) => s.Sid === "DeliverToConfigBucket").Action).toEqual(["s3:PutObject", "s3:PutObjectAcl"]);
    expect(statements.find((s) => s.Sid === "DeliverToConfigBucket").Resource).toBe(`\${${bucket.address}.arn}/AWSLogs/${account.id}/Config/*`);
    for (const statement of statements.filter((s) => s.Effect === "Allow")) expect(statement.Resource).not.toBe("*");
  });

  it("PCI-DSS managed rules, named trading-pci-<rule>, each waiting for the recorder to run", () => {
    const rules = inRegion("aws_config_config_rule");
    expect(rules.map((rule) => rule.body.source.source_identifier).sort()).toEqual(EXPECTED_RULES);
    for (const rule of rules) {
      expect(rule.body.source.owner).toBe("AWS");
      expect(rule.body.name).toBe(`trading-pci-${rule.body.source.source_identifier.toLowerCase().replace(/_/g, "-")}`);
      expect(dependsOn(rule.body)).toEqual([status().address]);
    }
  });

  it("the log retention rule checks the shortest retention of the region's environments, not the 365-day default", () => {
    const rule = inRegion("aws_config_config_rule").find((candidate) => candidate.body.source.source_identifier === "CW_LOGGROUP_RETENTION_PERIOD_CHECK")!;
    const shortest = Math.min(...environments.filter((environment) => environment.config.region === region).map((environment) => environment.config.logs.retentionDays));
    expect(JSON.parse(rule.body.input_parameters)).toEqual({ MinRetentionTime: String(shortest) });
  });
});

describe.each(environmentNames)("AWS Config in the %s environment stack", (environmentName) => {
  it("is absent: recorders and rules are account-level, created by the account's bootstrap", () => {
    const stack = synthesizedStacks().stacks.get(environmentName)!;
    for (const type of CONFIG_TYPES) expect([type, resourcesOf(stack, type)]).toEqual([type, []]);
    expect(resourcesOf(stack, "aws_iam_role").filter((role) => role.body.name.startsWith("trading-config-recorder-"))).toEqual([]);
  });
});
