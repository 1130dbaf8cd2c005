import type { FunctionManifest } from "../function-manifest";

export const manifest: FunctionManifest = {
  name: "ingest",
  description: "POST /v1/trades: validates a batch of executed trades and writes it as gzip NDJSON to the ingestion bucket",
  memorySize: 512,
  // Below API Gateway's 29 s integration timeout: a longer run would answer nobody.
  timeout: 28,
  inVpc: true,
  environment: {
    INGESTION_BUCKET: { resource: "ingestionBucket", attribute: "name" },
    API_KEYS_TABLE: { resource: "apiKeysTable", attribute: "name" },
  },
  access: [
    { resource: "ingestionBucket", level: "readWrite" },
    { resource: "apiKeysTable", level: "read" },
  ],
  trigger: { kind: "api", routes: [{ method: "POST", path: "/v1/trades" }] },
};
