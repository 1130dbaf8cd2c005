import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cacheCredentials,
  createDatabase,
  databaseSettingsFromEnvironment,
  DatabaseUnavailableError,
  type DatabaseCredentials,
  type DatabaseTls,
  parseDatabaseSecret,
} from "../../../stacks/lambda/shared/database";
import { manifest as migrateManifest } from "../../../stacks/lambda/migrate/manifest";
import { manifest as processManifest } from "../../../stacks/lambda/process/manifest";
import { manifest as queryManifest } from "../../../stacks/lambda/query/manifest";
import { testDatabase } from "../../support/database";
import { findPostgresBinaries, startTestPostgres, type TestPostgres } from "../../../harness/postgres";

describe("database credentials", () => {
  it("reads the Aurora-managed secret and names the secret when it is unusable", () => {
    expect(parseDatabaseSecret('{"username":"app","password":"p@ss","engine":"postgres"}', "arn:secret")).toEqual({ username: "app", password: "p@ss" });
    expect(() => parseDatabaseSecret(undefined, "arn:secret")).toThrow("Database secret arn:secret: the secret has no SecretString");
    expect(() => parseDatabaseSecret("hunter2", "arn:secret")).toThrow(/arn:secret: expected a JSON object .* found text that is not JSON/);
    expect(() => parseDatabaseSecret('{"username":"app"}', "arn:secret")).toThrow("Database secret arn:secret: expected non-empty string field(s) password");
  });

  it("caches the secret for the TTL, refetches after it or after invalidate(), and never caches a failure", async () => {
    let now = 0;
    let calls = 0;
    let fail = false;
    const fetch = async (): Promise<DatabaseCredentials> => {
      calls += 1;
      if (fail) throw new Error("throttled");
      return { username: "app", password: `v${calls}` };
    };
    const cache = cacheCredentials(fetch, 1000, () => now);
    expect(await Promise.all([cache.get(), cache.get()])).toEqual([
      { username: "app", password: "v1" },
      { username: "app", password: "v1" },
    ]);
    now = 999;
    expect((await cache.get()).password).toBe("v1");
    now = 1000;
    expect((await cache.get()).password).toBe("v2");
    cache.invalidate();
    expect((await cache.get()).password).toBe("v3");
    cache.invalidate();
    fail = true;
    await expect(cache.get()).rejects.toThrow("throttled");
    fail = false;
    expect((await cache.get()).password).toBe("v5");
  });
});

describe("database settings", () => {
  it("requires verify-full TLS from the environment and reads an optional CA bundle", () => {
    const dir = mkdtempSync(join(tmpdir(), "ca-"));
    try {
      writeFileSync(join(dir, "bundle.pem"), "-----BEGIN CERTIFICATE-----\n...");
      expect(databaseSettingsFromEnvironment({ DB_HOST: "db.example", DB_PORT: "5432", DB_NAME: "trading" }, "query")).toEqual({
        host: "db.example",
        port: 5432,
        database: "trading",
        tls: { mode: "verify-full" },
        applicationName: "query",
      });
      expect(databaseSettingsFromEnvironment({ DB_HOST: "h", DB_PORT: "5432", DB_NAME: "d", DB_CA_BUNDLE_PATH: join(dir, "bundle.pem") }, "q").tls).toEqual({
        mode: "verify-full",
        ca: "-----BEGIN CERTIFICATE-----\n...",
      });
      expect(() => databaseSettingsFromEnvironment({ DB_HOST: "h", DB_PORT: "5432", DB_NAME: "d", DB_CA_BUNDLE_PATH: join(dir, "missing.pem") }, "q")).toThrow(
        /DB_CA_BUNDLE_PATH: cannot read the CA bundle at .*missing\.pem/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => databaseSettingsFromEnvironment({ DB_PORT: "postgres" }, "q")).toThrow(
      'Invalid database environment: DB_HOST is not set; DB_NAME is not set; DB_PORT: found "postgres", expected a port number',
    );
  });

  it("is what the database functions' manifests bind, including the runtime's RDS CA bundle", () => {
    for (const manifest of [processManifest, queryManifest, migrateManifest]) {
      expect(manifest.environment).toMatchObject({
        DB_HOST: { resource: "database" },
        DB_PORT: { resource: "database", attribute: "port" },
        DB_NAME: { resource: "database", attribute: "databaseName" },
        DB_SECRET_ARN: { resource: "database", attribute: "secretArn" },
        NODE_EXTRA_CA_CERTS: { value: "/var/runtime/ca-cert.pem" },
      });
      expect(manifest.access).toContainEqual({ resource: "database", level: "connect" });
      expect(manifest.inVpc).toBe(true);
    }
    expect(queryManifest.environment.DB_HOST).toEqual({ resource: "database", attribute: "readerEndpoint" });
    expect(processManifest.environment.DB_HOST).toEqual({ resource: "database", attribute: "writerEndpoint" });
  });
});

describe("database pool", () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("connects as the user the credentials getter returns, with its application name", async () => {
    const db = testDatabase(server);
    try {
      const client = await db.connect();
      try {
        const { rows } = await client.query("SELECT current_user AS user, current_setting('application_name') AS app");
        // PGlite ignores startup parameters such as application_name; a real server applies them.
        expect(rows[0]).toEqual({ user: server.connection.user, app: server.kind === "native" ? "test" : "" });
      } finally {
        client.release();
      }
    } finally {
      await db.end();
    }
  });
});

// verify-full against a server with a self-signed certificate: needs the native server and openssl.
const tlsServerAvailable = process.env.TEST_POSTGRES !== "pglite" && findPostgresBinaries() !== undefined && spawnSync("openssl", ["version"]).status === 0;
if (!tlsServerAvailable) console.log("database TLS tests skipped: they need the native PostgreSQL binaries and openssl");
(tlsServerAvailable ? describe : describe.skip)("database TLS (native PostgreSQL with a self-signed certificate)", () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres({ tls: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const connectWith = async (tls: DatabaseTls) => {
    const { host, port, database, user } = server.connection;
    const db = createDatabase({ host, port, database, tls, connectAttemptTimeoutMs: 5_000 }, async () => ({ username: user, password: "unused" }));
    try {
      const client = await db.connect();
      try {
        return (await client.query("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).rows[0];
      } finally {
        client.release();
      }
    } finally {
      await db.end();
    }
  };

  it("connects over TLS when the certificate chains to the configured CA and names the host", async () => {
    expect(await connectWith({ mode: "verify-full", ca: server.tlsCertificate })).toEqual({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) });
  });

  it("refuses a certificate that does not chain to a trusted CA (Node's default store)", async () => {
    const failure = connectWith({ mode: "verify-full" });
    await expect(failure).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(failure).rejects.toThrow(/self[- ]signed certificate/);
  });
});
