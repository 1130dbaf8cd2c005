import { Construct } from "constructs";
import { ConfigConfigRule } from "@cdktf/provider-aws/lib/config-config-rule";
import { ConfigConfigurationRecorder } from "@cdktf/provider-aws/lib/config-configuration-recorder";
import { ConfigConfigurationRecorderStatus } from "@cdktf/provider-aws/lib/config-configuration-recorder-status";
import { ConfigDeliveryChannel } from "@cdktf/provider-aws/lib/config-delivery-channel";
import type { AwsAccount } from "./aws-account";
import type { EncryptedBucket } from "./encrypted-bucket";
import { grantKeyUse } from "./encryption-keys";
import { ACCOUNT_BASELINE_PATH } from "./permissions-boundary";
import { ServiceRole } from "./service-role";

/** How the region's configuration gets recorded. */
export type ConfigRecording =
  /** This construct creates the recorder, its role, delivery channel and status, delivering to `deliveryBucket`. */
  | {
      readonly kind: "create";
      /** Receives configuration snapshots and history; must be KMS-encrypted. */
      readonly deliveryBucket: EncryptedBucket;
      /**
       * Records IAM users, groups, roles and policies. Global types are the
       * same in every region, so only one region of an account records them.
       */
      readonly recordGlobalResourceTypes: boolean;
    }
  /** An organization or Control Tower recorder already records the account: rules only. */
  | { readonly kind: "existing" };

export interface ComplianceProps {
  /** The account, and the region this construct covers (Config recorders and rules are regional). */
  readonly account: AwsAccount;
  readonly recording: ConfigRecording;
  /** The shortest retention of the platform's log groups here; `CW_LOGGROUP_RETENTION_PERIOD_CHECK` checks at least this. */
  readonly minimumLogRetentionDays: number;
}

/**
 * Resource types the recorder leaves out. Every Lambda function in a VPC
 * creates and deletes network interfaces as it scales, and AWS Config bills
 * each recorded configuration item, so ENI churn in dev and staging would
 * dominate the Config bill while the security groups and subnets those
 * interfaces use are still recorded.
 */
export const UNRECORDED_RESOURCE_TYPES: readonly string[] = ["AWS::EC2::NetworkInterface"];

/** The global IAM types, recorded in one region per account only (AWS Config Developer Guide, "Recording global resources"). */
export const GLOBAL_IAM_RESOURCE_TYPES: readonly string[] = ["AWS::IAM::Group", "AWS::IAM::Policy", "AWS::IAM::Role", "AWS::IAM::User"];

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

/** `trading-pci-<identifier in lower case with dashes>`: rule names are unique per account and region. */
export const ruleName = (identifier: string) => `trading-pci-${identifier.toLowerCase().replace(/_/g, "-")}`;

/**
 * AWS Config in one account and region. AWS allows one customer managed
 * configuration recorder and one delivery channel per account and region,
 * and rules evaluate every recorded resource of the region, whichever
 * environment created it; so the account's bootstrap stack creates this once
 * per region its environments use, and environment stacks never do.
 *
 * The recorder records every supported type except `UNRECORDED_RESOURCE_TYPES`
 * (and, outside the one region that records them, the global IAM types), with
 * the exclusion recording strategy: `recording_group.all_supported = false`,
 * `recording_strategy.use_only = "EXCLUSION_BY_RESOURCE_TYPES"` and
 * `exclusion_by_resource_types.resource_types` (argument names from the
 * provider's generated `ConfigConfigurationRecorderRecordingGroup`; AWS Config
 * API Reference, `RecordingGroup`, `RecordingStrategy`, `ExclusionByResourceTypes`:
 * the strategy is required when listing exclusions, and `includeGlobalResourceTypes`
 * applies only to ALL_SUPPORTED_RESOURCE_TYPES).
 *
 * Terraform needs an explicit order: recorder, then delivery channel (AWS
 * refuses a channel without a recorder), then recorder status (AWS refuses to
 * start recording without a channel), then the rules.
 */
export class Compliance extends Construct {
  /** The recorder's role, recorder, channel and status; absent when an existing recorder is used. */
  readonly recording?: {
    readonly role: ServiceRole;
    readonly recorder: ConfigConfigurationRecorder;
    readonly deliveryChannel: ConfigDeliveryChannel;
    readonly recorderStatus: ConfigConfigurationRecorderStatus;
  };
  readonly rules: ConfigConfigRule[];

  constructor(scope: Construct, id: string, props: ComplianceProps) {
    super(scope, id);
    this.recording = props.recording.kind === "create" ? this.createRecording(props.account, props.recording) : undefined;
    const recorderStatus = this.recording?.recorderStatus;

    const rules: readonly ManagedRule[] = [
      ...PCI_MANAGED_RULES,
      {
        // The rule's default is 365 days; the platform's requirement is the environments' retention (30).
        identifier: "CW_LOGGROUP_RETENTION_PERIOD_CHECK",
        description: `log groups keep events at least ${props.minimumLogRetentionDays} days`,
        inputParameters: { MinRetentionTime: String(props.minimumLogRetentionDays) },
      },
    ];
    this.rules = rules.map(
      (rule) =>
        new ConfigConfigRule(this, `rule-${rule.identifier.toLowerCase()}`, {
          name: ruleName(rule.identifier),
          description: `PCI-DSS: ${rule.description}`,
          source: { owner: "AWS", sourceIdentifier: rule.identifier },
          inputParameters: rule.inputParameters ? JSON.stringify(rule.inputParameters) : undefined,
          // Rules report nothing until a recorder runs; an existing recorder already does.
          dependsOn: recorderStatus ? [recorderStatus] : undefined,
        }),
    );
  }

  private createRecording(account: AwsAccount, recording: Extract<ConfigRecording, { kind: "create" }>): NonNullable<Compliance["recording"]> {
    const { deliveryBucket } = recording;
    const { encryption } = deliveryBucket;
    if (encryption.kind !== "kms") throw new Error("Compliance: the Config delivery bucket must be encrypted with a customer-managed KMS key");
    const deliveryPrefix = `${deliveryBucket.bucket.arn}/AWSLogs/${account.accountId}/Config/*`;

    const role = new ServiceRole(this, "role", {
      name: `trading-config-recorder-${account.region}`,
      path: ACCOUNT_BASELINE_PATH,
      description: `Lets AWS Config read resource configurations in ${account.region} and deliver them to the Config bucket`,
      service: "config",
      account,
      managedPolicyArns: [`arn:${account.partition}:iam::aws:${CONFIG_MANAGED_POLICY_PATH}`],
      permissionsBoundary: { exemptBecause: "AWS Config reads the configuration of every resource type (service-role/AWS_ConfigRole); the workload boundary does not allow that" },
    });
    role.addToPrincipalPolicy({ sid: "CheckConfigBucket", actions: ["s3:GetBucketAcl", "s3:ListBucket"], resources: [deliveryBucket.bucket.arn] });
    // PutObjectAcl: Config sends bucket-owner-full-control with each object (accepted, and moot, with ACLs disabled).
    role.addToPrincipalPolicy({ sid: "DeliverToConfigBucket", actions: ["s3:PutObject", "s3:PutObjectAcl"], resources: [deliveryPrefix] });
    grantKeyUse(encryption.key, role, "encryptDecrypt");

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

    const excluded = [...UNRECORDED_RESOURCE_TYPES, ...(recording.recordGlobalResourceTypes ? [] : GLOBAL_IAM_RESOURCE_TYPES)];
    const recorder = new ConfigConfigurationRecorder(this, "recorder", {
      name: "trading-config",
      roleArn: role.role.arn,
      recordingGroup: {
        allSupported: false,
        includeGlobalResourceTypes: false,
        recordingStrategy: [{ useOnly: "EXCLUSION_BY_RESOURCE_TYPES" }],
        exclusionByResourceTypes: [{ resourceTypes: excluded }],
      },
    });
    const deliveryChannel = new ConfigDeliveryChannel(this, "delivery-channel", {
      name: "trading-config",
      s3BucketName: deliveryBucket.bucket.bucket,
      s3KmsKeyArn: encryption.key.arn,
      snapshotDeliveryProperties: { deliveryFrequency: "TwentyFour_Hours" },
      dependsOn: [recorder],
    });
    const recorderStatus = new ConfigConfigurationRecorderStatus(this, "recorder-status", {
      name: recorder.name,
      isEnabled: true,
      dependsOn: [deliveryChannel],
    });
    return { role, recorder, deliveryChannel, recorderStatus };
  }
}
