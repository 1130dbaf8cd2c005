import type { FunctionManifest } from "../function-manifest";

export const manifest: FunctionManifest = {
  name: "query",
  description: "GET /v1/bars/{symbol}: serves 1m/5m/1h bars from the Aurora reader",
  memorySize: 512,
  timeout: 15,
  inVpc: true,
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
