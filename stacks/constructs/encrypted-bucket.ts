import { Lazy, Token } from "cdktf";
import { Construct } from "constructs";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, type S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { grantKeyUse } from "./encryption-keys";
import type { Grantable } from "./grants";

/** A bucket-policy statement (resource policies name principals, unlike `grants.ts` statements). */
export interface BucketPolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal: "*" | { readonly Service: string } | { readonly AWS: string | readonly string[] };
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export type BucketEncryption =
  /** SSE-KMS with a customer-managed key and S3 Bucket Keys (one KMS call per bucket key, not per object). */
  | { readonly kind: "kms"; readonly key: KmsKey }
  /**
   * SSE-S3 (AES-256 with S3-managed keys): only for buckets a service must
   * write to without KMS permissions, with the reason stated.
   */
  | { readonly kind: "s3Managed"; readonly reason: string };

export interface EncryptedBucketProps {
  /** The globally unique bucket name (3–63 characters). */
  readonly bucketName: string;
  /** The owning account: log delivery into this bucket is accepted only from its buckets. */
  readonly accountId: string;
  readonly encryption: BucketEncryption;
  /** The storage class current versions move to after `transitionAfterDays`: `GLACIER` or `DEEP_ARCHIVE`. */
  readonly archiveStorageClass: "GLACIER" | "DEEP_ARCHIVE";
  /** Default: 90 (requirement 4). */
  readonly transitionAfterDays?: number;
  /** Days a replaced or deleted object version is kept. Default: 90, or `expireAfterDays` when that is set. */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Days after which objects expire (logs past their retention). In a
   * versioned bucket expiring adds a delete marker and the object becomes a
   * noncurrent version, removed `noncurrentVersionExpirationDays` later; S3
   * then removes the expired delete marker itself (S3 User Guide, "Expiring
   * objects" and "Managing delete markers"). Default: objects never expire.
   */
  readonly expireAfterDays?: number;
  /** Where S3 server access logs of this bucket go. Omit only for the access-log bucket itself. */
  readonly accessLogs?: AccessLogBucket;
  /** False allows `terraform destroy` to delete a bucket that still holds objects. */
  readonly protectData: boolean;
}

/**
 * The bucket's one lifecycle rule: archive current versions, expire them if
 * the bucket has a retention, expire noncurrent versions, clean up stale
 * multipart uploads. S3 refuses a rule whose expiration is not later than its
 * transition, and an archive tier would bill its minimum storage duration
 * for objects about to expire anyway, so a retention no longer than the
 * transition age drops the transition.
 */
function lifecycleRule(props: EncryptedBucketProps): S3BucketLifecycleConfigurationRule {
  const transitionDays = props.transitionAfterDays ?? 90;
  const expireDays = props.expireAfterDays;
  const archives = expireDays === undefined || transitionDays < expireDays;
  const id = [archives ? `archive-after-${transitionDays}-days` : undefined, expireDays !== undefined ? `expire-after-${expireDays}-days` : undefined]
    .filter(Boolean)
    .join("-then-");
  return {
    id,
    status: "Enabled",
    filter: [{ prefix: "" }],
    ...(archives ? { transition: [{ days: transitionDays, storageClass: props.archiveStorageClass }] } : {}),
    ...(expireDays !== undefined ? { expiration: [{ days: expireDays }] } : {}),
    noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays ?? expireDays ?? 90 }],
    abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
  };
}

/** A bucket that receives S3 server access logs: `EncryptedBucket.acceptAccessLogsFrom` registers each source. */
export interface AccessLogBucket {
  readonly bucket: S3Bucket;
  acceptAccessLogsFrom(source: EncryptedBucket): void;
}

/**
 * An S3 bucket the way the platform needs every bucket: versioned, encrypted
 * by default, ACLs disabled, all public access blocked, TLS-only by policy,
 * lifecycle to an archive tier, incomplete uploads cleaned up, and server
 * access logging to the access-log bucket (so `S3_BUCKET_LOGGING_ENABLED`
 * can pass). Further policy statements (service deliveries) are merged into
 * the one bucket policy with `addToResourcePolicy`.
 */
export class EncryptedBucket extends Construct implements AccessLogBucket {
  readonly bucket: S3Bucket;
  readonly bucketName: string;
  readonly encryption: BucketEncryption;
  private readonly policyStatements: BucketPolicyStatement[] = [];
  private readonly logSources: EncryptedBucket[] = [];
  private readonly accountId: string;

  constructor(scope: Construct, id: string, props: EncryptedBucketProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.bucketName) && props.bucketName.length > 63) {
      throw new Error(`EncryptedBucket: bucket name "${props.bucketName}" is ${props.bucketName.length} characters; S3 allows at most 63`);
    }
    this.bucketName = props.bucketName;
    this.encryption = props.encryption;
    this.accountId = props.accountId;
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: !props.protectData,
    });
    const bucketId = this.bucket.id;

    new S3BucketOwnershipControls(this, "ownership", {
      bucket: bucketId,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: bucketId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const versioning = new S3BucketVersioningA(this, "versioning", {
      bucket: bucketId,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: bucketId,
      rule: [
        props.encryption.kind === "kms"
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.encryption.key.arn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: bucketId,
      rule: [lifecycleRule(props)],
      // Lifecycle rules on a bucket whose versioning is still being enabled are rejected.
      dependsOn: [versioning],
    });

    this.addToResourcePolicy({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    new S3BucketPolicy(this, "policy", {
      bucket: bucketId,
      policy: Lazy.stringValue({ produce: () => JSON.stringify({ Version: "2012-10-17", Statement: this.renderedStatements() }) }),
    });

    if (props.accessLogs) {
      new S3BucketLoggingA(this, "access-logging", {
        bucket: bucketId,
        targetBucket: props.accessLogs.bucket.id,
        targetPrefix: `${props.bucketName}/`,
      });
      props.accessLogs.acceptAccessLogsFrom(this);
    }
  }

  /** Adds a statement (e.g. a service's delivery permission) to this bucket's policy. */
  addToResourcePolicy(statement: BucketPolicyStatement): void {
    this.policyStatements.push(statement);
  }

  /** Lets S3 server access logging write the logs of `source` into this bucket. */
  acceptAccessLogsFrom(source: EncryptedBucket): void {
    this.logSources.push(source);
  }

  /** Read objects (all, or those matching `keyPattern`) and list the bucket. */
  grantRead(grantee: Grantable, keyPattern = "*"): void {
    grantee.addToPrincipalPolicy({ actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: [`${this.bucket.arn}/${keyPattern}`] });
    grantee.addToPrincipalPolicy({ actions: ["s3:ListBucket"], resources: [this.bucket.arn] });
    if (this.encryption.kind === "kms") grantKeyUse(this.encryption.key, grantee, "decrypt");
  }

  /** Write objects (all, or those matching `keyPattern`); no delete, no overwrite protection bypass. */
  grantWrite(grantee: Grantable, keyPattern = "*"): void {
    grantee.addToPrincipalPolicy({ actions: ["s3:PutObject", "s3:AbortMultipartUpload"], resources: [`${this.bucket.arn}/${keyPattern}`] });
    // Multipart uploads decrypt the data key of earlier parts, so writers need Decrypt too.
    if (this.encryption.kind === "kms") grantKeyUse(this.encryption.key, grantee, "encryptDecrypt");
  }

  grantReadWrite(grantee: Grantable, keyPattern = "*"): void {
    this.grantRead(grantee, keyPattern);
    this.grantWrite(grantee, keyPattern);
  }

  private renderedStatements(): BucketPolicyStatement[] {
    if (this.logSources.length === 0) return this.policyStatements;
    return [
      ...this.policyStatements,
      {
        Sid: "S3ServerAccessLogsDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: this.logSources.map((source) => `${this.bucket.arn}/${source.bucketName}/*`),
        Condition: {
          ArnLike: { "aws:SourceArn": this.logSources.map((source) => source.bucket.arn) },
          StringEquals: { "aws:SourceAccount": this.accountId },
        },
      },
    ];
  }
}
