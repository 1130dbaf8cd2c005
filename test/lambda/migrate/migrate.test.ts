import { Client } from "pg";
import { createMigrateHandler } from "../../../stacks/lambda/migrate/handler";
import { applyMigrations, migrationChecksum, migrationsHash, prepareMigrations } from "../../../stacks/lambda/migrate/migrator";
import { migrations } from "../../../stacks/lambda/migrate/migrations";
import { currentMigrationsHash } from "../../../stacks/lambda/migrate/migrations-hash";
import { DatabaseUnavailableError, type Database } from "../../../stacks/lambda/shared/database";
import { createLogger } from "../../../stacks/lambda/shared/logger";
import { resetDatabase, testDatabase } from "../../support/database";
import { startTestPostgres, type TestPostgres } from "../../../harness/postgres";

const quietLogger = () => {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger({ write: (line) => lines.push(JSON.parse(line)) }) };
};

describe("migrate", () => {
  let server: TestPostgres;
  const opened: Database[] = [];
  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.end()));
    await server?.stop();
  });

  async function freshDatabase(): Promise<{ db: Database; scratch: TestPostgres }> {
    await resetDatabase(server);
    const db = testDatabase(server);
    opened.push(db);
    return { db, scratch: server };
  }

  async function tables(db: Database): Promise<string[]> {
    const client = await db.connect();
    try {
      const { rows } = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      return rows.map((row) => row.table_name);
    } finally {
      client.release();
    }
  }

  it("applies the schema to an empty database through the handler, then re-runs as a no-op", async () => {
    const { db } = await freshDatabase();
    const { logger, lines } = quietLogger();
    const handler = createMigrateHandler({ database: db, migrations, logger });

    const latest = prepareMigrations(migrations).at(-1)!.version;
    await expect(handler({})).resolves.toEqual({ applied: migrations.map((migration) => migration.file), currentVersion: latest });
    expect(await tables(db)).toEqual(["bar_contributions", "bar_duplicates", "bars_1m", "processed_objects", "schema_migrations", "trade_identities"]);
    await expect(handler({})).resolves.toEqual({ applied: [], currentVersion: latest });
    expect(lines.map((line) => line.message)).toEqual(["Applied migrations", "Schema already up to date"]);

    const client = await db.connect();
    try {
      const { rows } = await client.query("SELECT version, file, checksum FROM schema_migrations ORDER BY version");
      expect(rows).toEqual(prepareMigrations(migrations).map(({ version, file, checksum }) => ({ version, file, checksum })));
      expect(rows[0].checksum).toBe(migrationChecksum(migrations[0].sql));
    } finally {
      client.release();
    }
  });

  it("upgrades a database holding processed objects to trade identities: existing objects get ids and zero duplicates", async () => {
    const { db } = await freshDatabase();
    const client = await db.connect();
    try {
      await applyMigrations(client, migrations.slice(0, 1));
      await client.query(
        `INSERT INTO processed_objects (source_bucket, source_key, source_etag, trade_count, rejected_line_count, bar_count)
         VALUES ('b', 'trades/one.ndjson.gz', 'e1', 3, 0, 1), ('b', 'trades/two.ndjson.gz', 'e2', 5, 1, 2)`,
      );
      await expect(applyMigrations(client, migrations)).resolves.toMatchObject({ applied: migrations.slice(1).map((migration) => migration.file) });
      const { rows } = await client.query("SELECT source_key, object_id IS NOT NULL AS has_id, duplicate_count::int AS duplicates, conflict_count::int AS conflicts FROM processed_objects ORDER BY source_key");
      expect(rows).toEqual([
        { source_key: "trades/one.ndjson.gz", has_id: true, duplicates: 0, conflicts: 0 },
        { source_key: "trades/two.ndjson.gz", has_id: true, duplicates: 0, conflicts: 0 },
      ]);
      // New objects keep getting distinct ids.
      const added = await client.query("INSERT INTO processed_objects (source_bucket, source_key, source_etag, trade_count, rejected_line_count, bar_count) VALUES ('b', 'k3', 'e3', 0, 0, 0) RETURNING object_id");
      const ids = await client.query("SELECT count(DISTINCT object_id)::int AS n FROM processed_objects");
      expect(added.rows[0].object_id).toBeDefined();
      expect(ids.rows[0].n).toBe(3);
    } finally {
      client.release();
    }
  });

  it("applies only the new migrations of a later release", async () => {
    const { db } = await freshDatabase();
    const first = [{ file: "0001_a", sql: "CREATE TABLE a (id int)" }];
    const later = [...first, { file: "0002_b", sql: "CREATE TABLE b (id int)" }, { file: "0003_c", sql: "ALTER TABLE b ADD COLUMN name text" }];
    const client = await db.connect();
    try {
      await expect(applyMigrations(client, first)).resolves.toEqual({ applied: ["0001_a"], currentVersion: 1 });
      await expect(applyMigrations(client, later)).resolves.toEqual({ applied: ["0002_b", "0003_c"], currentVersion: 3 });
    } finally {
      client.release();
    }
    expect(await tables(db)).toEqual(["a", "b", "schema_migrations"]);
  });

  it("refuses an applied migration whose SQL changed, naming the file, and applies nothing else", async () => {
    const { db } = await freshDatabase();
    const client = await db.connect();
    try {
      await applyMigrations(client, [{ file: "0001_a", sql: "CREATE TABLE a (id int)" }]);
      const edited = [
        { file: "0001_a", sql: "CREATE TABLE a (id bigint)" },
        { file: "0002_b", sql: "CREATE TABLE b (id int)" },
      ];
      await expect(applyMigrations(client, edited)).rejects.toThrow(/Migration 0001_a was changed after it was applied/);
    } finally {
      client.release();
    }
    expect(await tables(db)).toEqual(["a", "schema_migrations"]);
  });

  it("treats CRLF line endings as the same migration", async () => {
    expect(migrationChecksum("CREATE TABLE a (id int);\r\nSELECT 1;\r\n")).toBe(migrationChecksum("CREATE TABLE a (id int);\nSELECT 1;\n"));
  });

  it("rolls back every migration of the run when one fails", async () => {
    const { db } = await freshDatabase();
    const { logger, lines } = quietLogger();
    const handler = createMigrateHandler({
      database: db,
      logger,
      migrations: [
        { file: "0001_a", sql: "CREATE TABLE a (id int)" },
        { file: "0002_broken", sql: "CREATE TABLE b (id int REFERENCES nowhere (id))" },
      ],
    });
    await expect(handler({})).rejects.toThrow(/Migration 0002_broken failed: relation "nowhere" does not exist/);
    expect(await tables(db)).toEqual([]);
    expect(lines.at(-1)).toMatchObject({ level: "ERROR", message: "Migrations failed; nothing was applied" });
  });

  it("refuses to run when the database has a migration the code does not know", async () => {
    const { db } = await freshDatabase();
    const client = await db.connect();
    try {
      await applyMigrations(client, [
        { file: "0001_a", sql: "CREATE TABLE a (id int)" },
        { file: "0002_b", sql: "CREATE TABLE b (id int)" },
      ]);
      await expect(applyMigrations(client, [{ file: "0001_a", sql: "CREATE TABLE a (id int)" }])).rejects.toThrow(
        /Migration 0002_b \(version 2\) is applied in the database but missing from this code/,
      );
    } finally {
      client.release();
    }
  });

  it("lets concurrent runs wait for each other: the schema is applied exactly once", async () => {
    const { scratch } = await freshDatabase();
    const clients = [new Client(scratch.connection), new Client(scratch.connection), new Client(scratch.connection)];
    await Promise.all(clients.map((client) => client.connect()));
    try {
      const results = await Promise.all(clients.map((client) => applyMigrations(client, migrations)));
      expect(results.map((result) => result.applied.length).sort()).toEqual([0, 0, migrations.length]);
      const { rows } = await clients[0].query("SELECT count(*)::int AS n FROM schema_migrations");
      expect(rows[0].n).toBe(migrations.length);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });

  it("fails with a clear error when the database is down", async () => {
    const down = testDatabase(server, { port: await server.unusedPort(), connectAttemptTimeoutMs: 2_000 });
    opened.push(down);
    const { logger } = quietLogger();
    const handler = createMigrateHandler({ database: down, migrations, logger });
    const failure = handler({});
    await expect(failure).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(failure).rejects.toThrow(/Database postgres at 127\.0\.0\.1:\d+ is unavailable: connect ECONNREFUSED/);
  });
});

describe("migration list", () => {
  it("rejects badly named or out-of-order migrations, naming the file", () => {
    expect(() => prepareMigrations([{ file: "1_a", sql: "SELECT 1" }])).toThrow(/Migration 1_a: expected a name like 0001_create_bars/);
    expect(() =>
      prepareMigrations([
        { file: "0002_b", sql: "SELECT 1" },
        { file: "0001_a", sql: "SELECT 1" },
      ]),
    ).toThrow(/Migration 0001_a: version 1 must be greater than the previous migration's \(0002_b\)/);
    expect(() => prepareMigrations([{ file: "0001_a", sql: "  " }])).toThrow(/Migration 0001_a: the SQL is empty/);
  });

  it("has a hash that changes exactly when a migration is added or edited", () => {
    const base = [{ file: "0001_a", sql: "CREATE TABLE a (id int)" }];
    expect(migrationsHash(base)).toBe(migrationsHash([{ ...base[0] }]));
    expect(migrationsHash([{ file: "0001_a", sql: "CREATE TABLE a (id bigint)" }])).not.toBe(migrationsHash(base));
    expect(migrationsHash([...base, { file: "0002_b", sql: "SELECT 1" }])).not.toBe(migrationsHash(base));
    expect(currentMigrationsHash()).toMatch(/^[0-9a-f]{64}$/);
    expect(currentMigrationsHash()).toBe(migrationsHash(migrations));
  });
});
