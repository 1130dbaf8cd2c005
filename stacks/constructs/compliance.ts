import { Construct } from "constructs";
import { ConfigConfigRule } from "@cdktf/provider-aws/lib/config-config-rule";
import { ConfigConfigurationRecorder } from "@cdktf/provider-aws/lib/config-configuration-recorder";
import { ConfigConfigurationRecorderStatus } from "@cdktf/provider-aws/lib/config-configuration-recorder-status";
import { ConfigDeliveryChannel } from "@cdktf/provider-aws/lib/config-delivery-channel";
import type { AwsAccount } from "./aws-account";
import type { EncryptedBucket } from "./encrypted-bucket";
import { grantKeyUse } from "./encryption-keys";
import { ServiceRole } from "./service-role";

export interface ComplianceProps {
  readonly environmentSuffix: string;
  readonly account: AwsAccount;
  /** Receives configuration snapshots and history (`Storage.config`); must be KMS-encrypted. */
  readonly deliveryBucket: EncryptedBucket;
  /** The retention the platform sets on its log groups; `CW_LOGGROUP_RETENTION_PERIOD_CHECK` checks at least this. */
  readonly minimumLogRetentionDays: number;
}

/** The AWS managed policy for a Config recorder's role (the prior art's `service-role/ConfigRole` does not exist). */
export const CONFIG_MANAGED_POLICY_PATH = "policy/service-role/AWS_ConfigRole";

export interface ManagedRule {
  /** The managed rule's source identifier. */
  readonly identifier: string;
  /** What the rule checks, in this platform's terms. */
  readonly description: string;
  readonly inputParameters?: Readonly<Record<string, string>>;
}

/**
 * Managed rules from the Operational Best Practices for PCI DSS conformance
 * pack that apply to the resources this platform creates. Left out:
 * RDS_CLUSTER_DELETION_PROTECTION_ENABLED, because the rules evaluate the
 * whole account and non-protected environments (dev, staging) deliberately
 * run without deletion protection so they stay destroyable.
 */
export const PCI_MANAGED_RULES: readonly ManagedRule[] = [
  { identifier: "RDS_STORAGE_ENCRYPTED", description: "Aurora storage is encrypted at rest" },
  { identifier: "RDS_CLUSTER_MULTI_AZ_ENABLED", description: "Aurora clusters have instances in more than one AZ" },
  { identifier: "RDS_CLUSTER_IAM_AUTHENTICATION_ENABLED", description: "Aurora clusters accept IAM database authentication" },
  { identifier: "RDS_INSTANCE_PUBLIC_ACCESS_CHECK", description: "no database instance is publicly accessible" },
  { identifier: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", description: "every bucket has default encryption" },
  { identifier: "S3_DEFAULT_ENCRYPTION_KMS", description: "buckets encrypt with KMS (the access-log bucket is the documented SSE-S3 exception)" },
  { identifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED", description: "no bucket allows public reads" },
  { identifier: "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", description: "no bucket allows public writes" },
  { identifier: "S3_BUCKET_SSL_REQUESTS_ONLY", description: "bucket policies deny requests without TLS" },
  { identifier: "S3_BUCKET_LOGGING_ENABLED", description: "buckets log requests to the access-log bucket (which cannot log to itself)" },
  { identifier: "S3_BUCKET_VERSIONING_ENABLED", description: "buckets keep object versions" },
  { identifier: "DYNAMODB_TABLE_ENCRYPTED_KMS", description: "DynamoDB tables use a KMS key" },
  { identifier: "DYNAMODB_PITR_ENABLED", description: "DynamoDB tables have point-in-time recovery" },
  { identifier: "CLOUDWATCH_LOG_GROUP_ENCRYPTED", description: "log groups are KMS-encrypted" },
  { identifier: "API_GW_EXECUTION_LOGGING_ENABLED", description: "API Gateway stages log execution" },
  { identifier: "VPC_FLOW_LOGS_ENABLED", description: "VPCs record flow logs" },
  { identifier: "VPC_DEFAULT_SECURITY_GROUP_CLOSED", description: "default security groups have no rules" },
  { identifier: "RESTRICTED_INCOMING_TRAFFIC", description: "no security group opens common ports to the internet" },
  { identifier: "INCOMING_SSH_DISABLED", description: "no security group opens SSH to the internet" },
  { identifier: "LAMBDA_INSIDE_VPC", description: "Lambda functions run inside a VPC" },
  { identifier: "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED", description: "no Lambda function policy allows public invocation" },
  { identifier: "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", description: "no customer-managed policy grants *:*" },
  { identifier: "CMK_BACKING_KEY_ROTATION_ENABLED", description: "customer-managed keys rotate" },
  { identifier: "KMS_CMK_NOT_SCHEDULED_FOR_DELETION", description: "no customer-managed key is pending deletion" },
  { identifier: "SNS_ENCRYPTED_KMS", description: "SNS topics are KMS-encrypted" },
];

const ruleName = (identifier: string, suffix: string) => `${identifier.toLowerCase().replace(/_/g, "-")}-${suffix}`;

/**
 * AWS Config for the account and region. AWS allows one configuration
 * recorder and one delivery channel per account and region, so only the
 * environment that owns the account singletons creates this construct. The
 * managed rules belong here too: they evaluate every resource the recorder
 * records in the account (all environments sharing it), and report nothing
 * without a running recorder.
 *
 * Terraform needs an explicit order: recorder, then delivery channel (AWS
 * refuses a channel without a recorder), then recorder status (AWS refuses to
 * start recording without a channel), then the rules.
 */
export class Compliance extends Construct {
  readonly role: ServiceRole;
  readonly recorder: ConfigConfigurationRecorder;
  readonly deliveryChannel: ConfigDeliveryChannel;
  readonly recorderStatus: ConfigConfigurationRecorderStatus;
  readonly rules: ConfigConfigRule[];

  constructor(scope: Construct, id: string, props: ComplianceProps) {
    super(scope, id);
    const { account, deliveryBucket, environmentSuffix: suffix } = props;
    const { encryption } = deliveryBucket;
    if (encryption.kind !== "kms") throw new Error("Compliance: the Config delivery bucket must be encrypted with a customer-managed KMS key");
    const deliveryPrefix = `${deliveryBucket.bucket.arn}/AWSLogs/${account.accountId}/Config/*`;

    this.role = new ServiceRole(this, "role", {
      name: `trading-config-recorder-${suffix}`,
      description: "Lets AWS Config read resource configurations and deliver them to the Config bucket",
      service: "config",
      account,
      managedPolicyArns: [`arn:${account.partition}:iam::aws:${CONFIG_MANAGED_POLICY_PATH}`],
    });
    this.role.addToPrincipalPolicy({ sid: "CheckConfigBucket", actions: ["s3:GetBucketAcl", "s3:ListBucket"], resources: [deliveryBucket.bucket.arn] });
    // PutObjectAcl: Config sends bucket-owner-full-control with each object (accepted, and moot, with ACLs disabled).
    this.role.addToPrincipalPolicy({ sid: "DeliverToConfigBucket", actions: ["s3:PutObject", "s3:PutObjectAcl"], resources: [deliveryPrefix] });
    grantKeyUse(encryption.key, this.role, "encryptDecrypt");

    // Config checks the bucket with its service principal before delivering.
    const fromThisAccount = { StringEquals: { "aws:SourceAccount": account.accountId } };
    deliveryBucket.addToResourcePolicy({
      Sid: "AWSConfigBucketPermissionsCheck",
      Effect: "Allow",
      Principal: { Service: `config.${account.dnsSuffix}` },
      Action: ["s3:GetBucketAcl", "s3:ListBucket"],
      Resource: deliveryBucket.bucket.arn,
      Condition: fromThisAccount,
    });
    deliveryBucket.addToResourcePolicy({
      Sid: "AWSConfigBucketDelivery",
      Effect: "Allow",
      Principal: { Service: `config.${account.dnsSuffix}` },
      Action: "s3:PutObject",
      Resource: deliveryPrefix,
      Condition: { StringEquals: { "aws:SourceAccount": account.accountId, "s3:x-amz-acl": "bucket-owner-full-control" } },
    });

    this.recorder = new ConfigConfigurationRecorder(this, "recorder", {
      name: `trading-config-${suffix}`,
      roleArn: this.role.role.arn,
      recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
    });
    this.deliveryChannel = new ConfigDeliveryChannel(this, "delivery-channel", {
      name: `trading-config-${suffix}`,
      s3BucketName: deliveryBucket.bucket.bucket,
      s3KmsKeyArn: encryption.key.arn,
      snapshotDeliveryProperties: { deliveryFrequency: "TwentyFour_Hours" },
      dependsOn: [this.recorder],
    });
    this.recorderStatus = new ConfigConfigurationRecorderStatus(this, "recorder-status", {
      name: this.recorder.name,
      isEnabled: true,
      dependsOn: [this.deliveryChannel],
    });

    const rules: readonly ManagedRule[] = [
      ...PCI_MANAGED_RULES,
      {
        // The rule's default is 365 days; the platform's requirement is the environment's retention (30).
        identifier: "CW_LOGGROUP_RETENTION_PERIOD_CHECK",
        description: `log groups keep events at least ${props.minimumLogRetentionDays} days`,
        inputParameters: { MinRetentionTime: String(props.minimumLogRetentionDays) },
      },
    ];
    this.rules = rules.map(
      (rule) =>
        new ConfigConfigRule(this, `rule-${rule.identifier.toLowerCase()}`, {
          name: ruleName(rule.identifier, suffix),
          description: `PCI-DSS: ${rule.description}`,
          source: { owner: "AWS", sourceIdentifier: rule.identifier },
          inputParameters: rule.inputParameters ? JSON.stringify(rule.inputParameters) : undefined,
          dependsOn: [this.recorderStatus],
        }),
    );
  }
}
