import type { FunctionManifest } from "../function-manifest";

export const manifest: FunctionManifest = {
  name: "query",
  description: "GET /v1/bars/{symbol}: serves 1m/5m/1h bars from the Aurora reader",
  memorySize: 512,
  // Below API Gateway's 29 s: long enough to wait out an Aurora resume and still answer.
  timeout: 28,
  inVpc: true,
  // Bars reads are indexed and LIMITed: 5 s per statement, 1 s more to answer.
  database: { statementTimeoutMs: 5_000, reserveMs: 6_000 },
  environment: {
    DB_HOST: { resource: "database", attribute: "readerEndpoint" },
    DB_PORT: { resource: "database", attribute: "port" },
    DB_NAME: { resource: "database", attribute: "databaseName" },
    DB_SECRET_ARN: { resource: "database", attribute: "secretArn" },
    // Node 20+ runtimes no longer trust the Amazon RDS CAs by default; this bundle (shipped in the runtime) includes them.
    NODE_EXTRA_CA_CERTS: { value: "/var/runtime/ca-cert.pem" },
  },
  access: [{ resource: "database", level: "connect" }],
  trigger: { kind: "api", routes: [{ method: "GET", path: "/v1/bars/{symbol}" }] },
};
