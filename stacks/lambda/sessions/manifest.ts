import type { FunctionManifest } from "../function-manifest";

export const manifest: FunctionManifest = {
  name: "sessions",
  description: "POST /v1/sessions, GET and DELETE /v1/sessions/{id}: dashboard sessions with a TTL",
  memorySize: 256,
  timeout: 10,
  inVpc: true,
  environment: {
    SESSIONS_TABLE: { resource: "sessionsTable", attribute: "name" },
    SESSION_TTL_SECONDS: { value: "3600" },
  },
  access: [{ resource: "sessionsTable", level: "readWrite" }],
  trigger: {
    kind: "api",
    routes: [
      { method: "POST", path: "/v1/sessions" },
      { method: "GET", path: "/v1/sessions/{id}" },
      { method: "DELETE", path: "/v1/sessions/{id}" },
    ],
  },
};
