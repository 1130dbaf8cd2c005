import type { FunctionManifest } from "../function-manifest";

export const manifest: FunctionManifest = {
  name: "process",
  description: "Streams each new ingestion object into 1-minute bars, written to the analytics bucket and upserted into Aurora",
  memorySize: 1024,
  timeout: 300,
  inVpc: true,
  // After connecting: the merge transaction (60 s per statement) and the S3 writes.
  database: { statementTimeoutMs: 60_000, reserveMs: 120_000 },
  environment: {
    ANALYTICS_BUCKET: { resource: "analyticsBucket", attribute: "name" },
    // Told about conflicting duplicate trades.
    ALERTS_TOPIC_ARN: { resource: "alertsTopic", attribute: "arn" },
    // Days a trade identity is kept after its first copy was counted; a copy arriving later may count again.
    TRADE_ID_RETENTION_DAYS: { value: "7" },
    DB_HOST: { resource: "database", attribute: "writerEndpoint" },
    DB_PORT: { resource: "database", attribute: "port" },
    DB_NAME: { resource: "database", attribute: "databaseName" },
    DB_SECRET_ARN: { resource: "database", attribute: "secretArn" },
    // Node 20+ runtimes no longer trust the Amazon RDS CAs by default; this bundle (shipped in the runtime) includes them.
    NODE_EXTRA_CA_CERTS: { value: "/var/runtime/ca-cert.pem" },
  },
  access: [
    { resource: "ingestionBucket", level: "readWrite" },
    { resource: "analyticsBucket", level: "write" },
    { resource: "database", level: "connect" },
    { resource: "alertsTopic", level: "publish" },
  ],
  trigger: { kind: "s3ObjectCreated", bucket: "ingestionBucket", prefix: "trades/", suffix: ".ndjson.gz" },
};
