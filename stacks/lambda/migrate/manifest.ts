import type { FunctionManifest } from "../function-manifest";

export const manifest: FunctionManifest = {
  name: "migrate",
  description: "Applies the versioned SQL migrations to Aurora on every apply; safe to re-run",
  memorySize: 256,
  // A resume (both connect attempts, 41 s) plus the longest migration statement, with room to spare.
  timeout: 180,
  inVpc: true,
  database: { statementTimeoutMs: 100_000, reserveMs: 101_000 },
  environment: {
    DB_HOST: { resource: "database", attribute: "writerEndpoint" },
    DB_PORT: { resource: "database", attribute: "port" },
    DB_NAME: { resource: "database", attribute: "databaseName" },
    DB_SECRET_ARN: { resource: "database", attribute: "secretArn" },
    // Node 20+ runtimes no longer trust the Amazon RDS CAs by default; this bundle (shipped in the runtime) includes them.
    NODE_EXTRA_CA_CERTS: { value: "/var/runtime/ca-cert.pem" },
  },
  access: [{ resource: "database", level: "connect" }],
  trigger: { kind: "deployInvocation" },
};
