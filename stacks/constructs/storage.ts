import { Construct } from "constructs";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { AwsAccount } from "./aws-account";
import { EncryptedBucket } from "./encrypted-bucket";

export interface StorageProps {
  readonly environmentSuffix: string;
  readonly account: AwsAccount;
  /** Encrypts every data bucket and the Config bucket (`EncryptionKeys.storage`). */
  readonly kmsKey: KmsKey;
  readonly protectData: boolean;
  /** Creates the AWS Config delivery bucket; only the environment that owns the account singletons records Config. */
  readonly createConfigBucket: boolean;
  /** Days S3 server access logs are kept (the environment's `logs.retentionDays`). */
  readonly accessLogRetentionDays: number;
}

const ACCOUNT_ID_LENGTH = 12;

/**
 * The platform's buckets, named `trading-<purpose>-<suffix>-<account id>` so
 * the names are globally unique and stay within S3's 63 characters (at most
 * 20 + 12 + 1 + 12 = 45 with the schema's 12-character suffix).
 */
export class Storage extends Construct {
  /**
   * Receives S3 server access logs of every other bucket. SSE-S3 rather than
   * the storage CMK: the S3 User Guide ("Enabling Amazon S3 server access
   * logging") supports default encryption of a log destination bucket only
   * with SSE-S3; log delivery (logging.s3.amazonaws.com) writes without KMS
   * permissions. The logs hold request metadata, not cardholder data. It does
   * not log to itself (that loops), so `S3_BUCKET_LOGGING_ENABLED` and
   * `S3_DEFAULT_ENCRYPTION_KMS` report this one bucket as the expected exception.
   * Logs expire after the environment's log retention; a log deleted or
   * expired is kept as a noncurrent version for the same time, so none is
   * irrecoverably gone before its retention ends.
   */
  readonly accessLogs: EncryptedBucket;
  /** Raw market data as it arrives (the ingest function writes, process reads). */
  readonly ingestion: EncryptedBucket;
  /** Processed analytics results. */
  readonly analytics: EncryptedBucket;
  /** Long-term retention: Deep Archive after 90 days. */
  readonly archival: EncryptedBucket;
  /** AWS Config snapshots and history; only where `createConfigBucket` is true. */
  readonly config?: EncryptedBucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const nameOf = (purpose: string) => {
      const length = `trading-${purpose}-${props.environmentSuffix}-`.length + ACCOUNT_ID_LENGTH;
      if (length > 63) {
        throw new Error(`Storage: bucket name trading-${purpose}-${props.environmentSuffix}-<account id> would be ${length} characters; S3 allows at most 63 (shorten environmentSuffix)`);
      }
      return `trading-${purpose}-${props.environmentSuffix}-${props.account.accountId}`;
    };
    const kms = { kind: "kms", key: props.kmsKey } as const;
    const common = { accountId: props.account.accountId, protectData: props.protectData };

    this.accessLogs = new EncryptedBucket(this, "access-logs", {
      ...common,
      bucketName: nameOf("access-logs"),
      encryption: { kind: "s3Managed", reason: "S3 server access log delivery supports only SSE-S3 default encryption on its destination bucket" },
      archiveStorageClass: "GLACIER",
      expireAfterDays: props.accessLogRetentionDays,
    });
    const dataBucket = (purpose: string, archiveStorageClass: "GLACIER" | "DEEP_ARCHIVE", noncurrentVersionExpirationDays?: number) =>
      new EncryptedBucket(this, purpose, {
        ...common,
        bucketName: nameOf(purpose),
        encryption: kms,
        archiveStorageClass,
        noncurrentVersionExpirationDays,
        accessLogs: this.accessLogs,
      });
    this.ingestion = dataBucket("ingestion", "GLACIER");
    this.analytics = dataBucket("analytics", "GLACIER");
    this.archival = dataBucket("archival", "DEEP_ARCHIVE", 365);
    if (props.createConfigBucket) this.config = dataBucket("config", "GLACIER");
  }

  /** Every bucket by purpose (`accessLogs`, `ingestion`, `analytics`, `archival`, `config` where created). */
  get allBucketsByPurpose(): Record<string, EncryptedBucket> {
    return {
      accessLogs: this.accessLogs,
      ingestion: this.ingestion,
      analytics: this.analytics,
      archival: this.archival,
      ...(this.config ? { config: this.config } : {}),
    };
  }
}
