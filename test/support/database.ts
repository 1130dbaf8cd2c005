import { Client } from "pg";
import { createDatabase, type Database } from "../../stacks/lambda/shared/database";
import type { TestPostgres } from "../../harness/postgres";

/** A Database (the handlers' own factory) on the test server, without TLS, with the password from a plain getter. */
export function testDatabase(server: TestPostgres, overrides: { port?: number; connectAttemptTimeoutMs?: number; connectAttempts?: number } = {}): Database {
  const { host, port, database, user, password } = server.connection;
  return createDatabase(
    { host, port: overrides.port ?? port, database, tls: { mode: "disable" }, maxConnections: 4, connectAttemptTimeoutMs: overrides.connectAttemptTimeoutMs ?? 5_000, connectAttempts: overrides.connectAttempts, connectRetryDelayMs: 100, applicationName: "test" },
    async () => ({ username: user, password: typeof password === "string" && password !== "" ? password : "unused" }),
  );
}

/**
 * Drops everything in the public schema. PGlite serves a single database, so
 * tests isolate by resetting rather than by creating databases.
 */
export async function resetDatabase(server: TestPostgres): Promise<void> {
  const admin = new Client(server.connection);
  await admin.connect();
  try {
    await admin.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  } finally {
    await admin.end();
  }
}
