import { Storage } from "../../../stacks/constructs/storage";
import { grantTestbed, testAccount } from "../../support/data-plane";
import { environmentData } from "../../support/environments";
import { environmentNames, synthesizedStacks } from "../../support/synth";
import { type ResourceRef, onlyResource, policyOf, resolveReference, resourcesOf } from "../../support/terraform-json";

const ACCOUNT = /\$\{data\.aws_caller_identity\.[^}]+\.account_id\}/.source;

describe.each(environmentNames)("S3 storage in %s", (environmentName) => {
  const stack = () => synthesizedStacks().stacks.get(environmentName)!;
  const settings = environmentData(environmentName);
  const suffix = settings.environmentSuffix;
  const buckets = () => resourcesOf(stack(), "aws_s3_bucket");
  const bucketNamed = (purpose: string) => onlyResource(stack(), "aws_s3_bucket", (body) => new RegExp(`^trading-${purpose}-${suffix}-${ACCOUNT}$`).test(body.bucket));
  /** The one resource of `type` configuring `bucket`. */
  const configOf = (type: string, bucket: ResourceRef) => onlyResource(stack(), type, (body) => resolveReference(stack(), body.bucket).address === bucket.address);
  const purposes = settings.ownsAccountSingletons ? ["access-logs", "ingestion", "analytics", "archival", "config"] : ["access-logs", "ingestion", "analytics", "archival"];

  it("bucket names carry the environment suffix and the account id", () => {
    expect(buckets()).toHaveLength(purposes.length);
    for (const purpose of purposes) expect(bucketNamed(purpose).body.force_destroy).toBe(!settings.protectData);
  });

  it("only the singleton-owning environment creates the Config bucket", () => {
    const configBuckets = buckets().filter((bucket) => bucket.body.bucket.startsWith("trading-config-"));
    expect(configBuckets).toHaveLength(settings.ownsAccountSingletons ? 1 : 0);
  });

  it("every bucket is versioned", () => {
    for (const bucket of buckets()) expect(configOf("aws_s3_bucket_versioning", bucket).body.versioning_configuration).toEqual({ status: "Enabled" });
  });

  it("every bucket blocks public access and disables ACLs", () => {
    for (const bucket of buckets()) {
      expect(configOf("aws_s3_bucket_public_access_block", bucket).body).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(configOf("aws_s3_bucket_ownership_controls", bucket).body.rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
    }
  });

  it("every data bucket uses SSE-KMS with the storage CMK and bucket keys; the access-log bucket uses SSE-S3", () => {
    for (const bucket of buckets()) {
      const [rule] = configOf("aws_s3_bucket_server_side_encryption_configuration", bucket).body.rule;
      if (bucket.address === bucketNamed("access-logs").address) {
        expect(rule.apply_server_side_encryption_by_default).toEqual({ sse_algorithm: "AES256" });
        continue;
      }
      expect(rule.bucket_key_enabled).toBe(true);
      expect(rule.apply_server_side_encryption_by_default.sse_algorithm).toBe("aws:kms");
      const key = resolveReference(stack(), rule.apply_server_side_encryption_by_default.kms_master_key_id);
      const alias = resourcesOf(stack(), "aws_kms_alias").find((a) => resolveReference(stack(), a.body.target_key_id).address === key.address)!;
      expect(alias.body.name).toBe(`alias/trading-storage-${suffix}`);
    }
  });

  it("lifecycle moves data to Glacier after 90 days (archival: Deep Archive), expires old versions and aborts stale uploads", () => {
    for (const purpose of purposes.filter((name) => name !== "access-logs")) {
      const [rule] = configOf("aws_s3_bucket_lifecycle_configuration", bucketNamed(purpose)).body.rule;
      expect(rule.expiration).toBeUndefined();
      expect(rule.status).toBe("Enabled");
      expect(rule.filter).toEqual([{ prefix: "" }]);
      expect(rule.transition).toEqual([{ days: 90, storage_class: purpose === "archival" ? "DEEP_ARCHIVE" : "GLACIER" }]);
      expect(rule.noncurrent_version_expiration).toEqual([{ noncurrent_days: purpose === "archival" ? 365 : 90 }]);
      expect(rule.abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 7 }]);
    }
  });

  it("access logs expire after the environment's log retention, noncurrent versions too", () => {
    const rules = configOf("aws_s3_bucket_lifecycle_configuration", bucketNamed("access-logs")).body.rule;
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    const retention = settings.logs.retentionDays;
    expect(rule).toMatchObject({ status: "Enabled", filter: [{ prefix: "" }], expiration: [{ days: retention }], noncurrent_version_expiration: [{ noncurrent_days: retention }] });
    // S3 refuses an expiration not later than the transition; a shorter retention archives nothing.
    if (retention > 90) expect(rule.transition).toEqual([{ days: 90, storage_class: "GLACIER" }]);
    else expect(rule.transition).toBeUndefined();
    expect(rule.abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 7 }]);
  });

  it("every bucket denies non-TLS", () => {
    for (const bucket of buckets()) {
      const statements = policyOf(configOf("aws_s3_bucket_policy", bucket).body.policy).Statement;
      expect(statements).toContainEqual({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`\${${bucket.address}.arn}`, `\${${bucket.address}.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    }
  });

  it("S3_BUCKET_LOGGING_ENABLED can pass: every bucket except the log bucket logs to it", () => {
    const logBucket = bucketNamed("access-logs");
    const loggings = resourcesOf(stack(), "aws_s3_bucket_logging");
    expect(loggings).toHaveLength(buckets().length - 1);
    for (const bucket of buckets().filter((b) => b.address !== logBucket.address)) {
      const logging = configOf("aws_s3_bucket_logging", bucket);
      expect(resolveReference(stack(), logging.body.target_bucket).address).toBe(logBucket.address);
      expect(logging.body.target_prefix).toBe(`${bucket.body.bucket}/`);
    }
  });

  it("the log bucket accepts deliveries from S3 logging for exactly this account's buckets", () => {
    const logBucket = bucketNamed("access-logs");
    const delivery = policyOf(configOf("aws_s3_bucket_policy", logBucket).body.policy).Statement.find((s) => s.Sid === "S3ServerAccessLogsDelivery");
    expect(delivery.Principal).toEqual({ Service: "logging.s3.amazonaws.com" });
    expect(delivery.Action).toBe("s3:PutObject");
    const sources = buckets().filter((b) => b.address !== logBucket.address);
    expect(delivery.Condition.ArnLike["aws:SourceArn"].sort()).toEqual(sources.map((b) => `\${${b.address}.arn}`).sort());
    expect(delivery.Condition.StringEquals["aws:SourceAccount"]).toMatch(new RegExp(`^${ACCOUNT}$`));
    expect(delivery.Resource.sort()).toEqual(sources.map((b) => `\${${logBucket.address}.arn}/${b.body.bucket}/*`).sort());
  });
});

describe("EncryptedBucket grants", () => {
  const grants = (apply: (storage: Storage, probe: ReturnType<typeof grantTestbed>["probe"]) => void) => {
    const testbed = grantTestbed();
    const storage = new Storage(testbed.stack, "storage", { environmentSuffix: "test", account: testAccount, kmsKey: testbed.keys.storage, protectData: false, createConfigBucket: false, accessLogRetentionDays: 30 });
    apply(storage, testbed.probe);
    const { json, statements } = testbed.synth();
    const ingestion = onlyResource(json, "aws_s3_bucket", (body) => body.bucket === "trading-ingestion-test-123456789012");
    const key = resolveReference(json, onlyResource(json, "aws_kms_alias", (body) => body.name === "alias/trading-storage-test").body.target_key_id);
    return { statements, bucketArn: `\${${ingestion.address}.arn}`, keyArn: `\${${key.address}.arn}` };
  };
  const viaS3 = { StringEquals: { "kms:ViaService": ["s3.us-east-1.amazonaws.com"] } };

  it("grantRead: objects of the exact bucket, List on the bucket, decrypt through S3", () => {
    const { statements, bucketArn, keyArn } = grants((storage, probe) => storage.ingestion.grantRead(probe));
    expect(statements).toEqual([
      { Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${bucketArn}/*` },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketArn },
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: keyArn, Condition: viaS3 },
    ]);
  });

  it("grantWrite: put objects under a key prefix, encrypt through S3, no delete", () => {
    const { statements, bucketArn, keyArn } = grants((storage, probe) => storage.ingestion.grantWrite(probe, "trades/*"));
    expect(statements).toEqual([
      { Effect: "Allow", Action: ["s3:AbortMultipartUpload", "s3:PutObject"], Resource: `${bucketArn}/trades/*` },
      {
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        Resource: keyArn,
        Condition: viaS3,
      },
    ]);
  });

  it("grants on the SSE-S3 access-log bucket add no KMS statement", () => {
    const { statements } = grants((storage, probe) => storage.accessLogs.grantRead(probe));
    expect(statements.map((statement) => statement.Action)).toEqual([["s3:GetObject", "s3:GetObjectVersion"], ["s3:ListBucket"]]);
  });

  it("a log retention longer than the archive age archives access logs first, then expires them", () => {
    const lifecycleOf = (accessLogRetentionDays: number) => {
      const testbed = grantTestbed();
      new Storage(testbed.stack, "storage", { environmentSuffix: "test", account: testAccount, kmsKey: testbed.keys.storage, protectData: false, createConfigBucket: false, accessLogRetentionDays });
      const { json } = testbed.synth();
      const logBucket = onlyResource(json, "aws_s3_bucket", (body) => body.bucket === "trading-access-logs-test-123456789012");
      return onlyResource(json, "aws_s3_bucket_lifecycle_configuration", (body) => resolveReference(json, body.bucket).address === logBucket.address).body.rule;
    };
    expect(lifecycleOf(365)).toEqual([
      expect.objectContaining({
        id: "archive-after-90-days-then-expire-after-365-days",
        transition: [{ days: 90, storage_class: "GLACIER" }],
        expiration: [{ days: 365 }],
        noncurrent_version_expiration: [{ noncurrent_days: 365 }],
      }),
    ]);
    const [short] = lifecycleOf(30);
    expect(short).toMatchObject({ id: "expire-after-30-days", expiration: [{ days: 30 }], noncurrent_version_expiration: [{ noncurrent_days: 30 }] });
    expect(short.transition).toBeUndefined();
  });

  it("refuses a bucket name longer than S3 allows", () => {
    const testbed = grantTestbed();
    expect(
      () => new Storage(testbed.stack, "storage", { environmentSuffix: "a".repeat(40), account: testAccount, kmsKey: testbed.keys.storage, protectData: false, createConfigBucket: false, accessLogRetentionDays: 30 }),
    ).toThrow("bucket name trading-access-logs-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-<account id> would be 73 characters; S3 allows at most 63");
  });
});
