import { Aspects, type TerraformProvider, TerraformDataSource, TerraformResource } from "cdktf";
import { Construct, type IConstruct } from "constructs";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { ApiGatewayCloudWatchRole } from "../constructs/api-gateway-account";
import type { AwsAccount } from "../constructs/aws-account";
import { Compliance } from "../constructs/compliance";
import { EncryptedBucket } from "../constructs/encrypted-bucket";
import { createServiceKey } from "../constructs/encryption-keys";

/** Every Config bucket (history and its access logs) starts with this; the apply roles may not change them. */
export const CONFIG_BUCKET_PREFIX = "trading-config-";
/** The alias of each region's Config bucket key; the apply roles may not disable it. */
export const CONFIG_KEY_ALIAS = "alias/trading-config";

export interface RegionalBaselineProps {
  /** The account, with the region this baseline covers. */
  readonly account: AwsAccount;
  /** From accounts.json: `existing` when an organization recorder already records the account (rules only). */
  readonly awsConfig: "create" | "existing";
  /** Whether this region's recorder records the global IAM types (one region per account does). */
  readonly recordGlobalResourceTypes: boolean;
  /** The shortest log retention of the environments in this region. */
  readonly minimumLogRetentionDays: number;
  /** The provider for this region, when it is not the stack's default one. */
  readonly provider?: TerraformProvider;
}

/**
 * What an account needs once per region before any environment there is
 * applied: API Gateway's CloudWatch role setting (stages cannot enable
 * execution logging without it) and AWS Config: a KMS-encrypted history
 * bucket with its access-log bucket, the recorder and the PCI-DSS rules, or
 * the rules alone where an organization recorder already records the account.
 * Account and region are AWS's limit for both (one recorder, one API Gateway
 * setting), so this is created exactly once per account and region.
 */
export class RegionalBaseline extends Construct {
  readonly apiGatewayAccount: ApiGatewayCloudWatchRole;
  readonly compliance: Compliance;
  /** The Config buckets and their key; absent with an existing recorder. */
  readonly configStorage?: { readonly history: EncryptedBucket; readonly accessLogs: EncryptedBucket; readonly key: KmsKey };

  constructor(scope: Construct, id: string, props: RegionalBaselineProps) {
    super(scope, id);
    const { account } = props;
    if (props.provider) useProvider(this, props.provider);

    this.apiGatewayAccount = new ApiGatewayCloudWatchRole(this, "api-gateway-account", { account });
    this.configStorage = props.awsConfig === "create" ? configStorage(this, account) : undefined;
    this.compliance = new Compliance(this, "compliance", {
      account,
      recording: this.configStorage
        ? { kind: "create", deliveryBucket: this.configStorage.history, recordGlobalResourceTypes: props.recordGlobalResourceTypes }
        : { kind: "existing" },
      minimumLogRetentionDays: props.minimumLogRetentionDays,
    });
  }
}

/**
 * The Config history bucket, encrypted with a key of its own (only S3 may use
 * it), versioned, never force-destroyed (it is audit evidence), logging to
 * an access-log bucket beside it. Names carry region and account id, which
 * makes them globally unique and at most 54 characters.
 */
function configStorage(scope: Construct, account: AwsAccount) {
  const { region, accountId } = account;
  const key = createServiceKey(scope, "config-key", {
    description: `AWS Config history of this account in ${region}`,
    aliasName: CONFIG_KEY_ALIAS,
    account,
    viaServices: [`s3.${region}.${account.dnsSuffix}`],
    deletionWindowInDays: 30,
  });
  const accessLogs = new EncryptedBucket(scope, "config-access-logs", {
    bucketName: `${CONFIG_BUCKET_PREFIX}access-logs-${region}-${accountId}`,
    accountId,
    encryption: { kind: "s3Managed", reason: "S3 server access log delivery supports only SSE-S3 default encryption on its destination bucket" },
    archiveStorageClass: "GLACIER",
    protectData: true,
  });
  const history = new EncryptedBucket(scope, "config-bucket", {
    bucketName: `${CONFIG_BUCKET_PREFIX}${region}-${accountId}`,
    accountId,
    encryption: { kind: "kms", key },
    archiveStorageClass: "GLACIER",
    accessLogs,
    protectData: true,
  });
  return { history, accessLogs, key };
}

/** Puts every resource and data source under `scope` on `provider` (a region's aliased provider). */
function useProvider(scope: IConstruct, provider: TerraformProvider): void {
  Aspects.of(scope).add({
    visit(node: IConstruct) {
      if (node instanceof TerraformResource || node instanceof TerraformDataSource) node.provider = provider;
    },
  });
}
