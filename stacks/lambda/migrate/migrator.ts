import { createHash } from "node:crypto";
import type { ClientBase } from "pg";

/** A migration as written: `file` is its name without extension, `NNNN_description`. */
export interface MigrationSource {
  readonly file: string;
  readonly sql: string;
}

export interface Migration extends MigrationSource {
  readonly version: number;
  /** sha256 (hex) of the SQL with line endings normalised. */
  readonly checksum: string;
}

export interface MigrationResult {
  /** Files applied by this run, in order. */
  readonly applied: readonly string[];
  /** Highest version now in the database. */
  readonly currentVersion: number;
}

const FILE_PATTERN = /^(\d{4})_[a-z0-9_]+$/;

/**
 * Serialises migrators across concurrent invocations (two applies, or a retry
 * racing the first attempt). Transaction-scoped, so it is released by COMMIT
 * or ROLLBACK even if the function dies mid-way.
 */
export const MIGRATION_LOCK_KEY = 727_001_001;

export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql.replace(/\r\n/g, "\n")).digest("hex");
}

/** Checks names and order and computes checksums; throws naming the offending file. */
export function prepareMigrations(sources: readonly MigrationSource[]): Migration[] {
  const prepared: Migration[] = [];
  for (const source of sources) {
    const match = FILE_PATTERN.exec(source.file);
    if (!match) throw new Error(`Migration ${source.file}: expected a name like 0001_create_bars (four digits, underscore, lower-case words)`);
    const version = Number(match[1]);
    const previous = prepared.at(-1);
    if (previous && version <= previous.version) {
      throw new Error(`Migration ${source.file}: version ${version} must be greater than the previous migration's (${previous.file})`);
    }
    if (source.sql.trim() === "") throw new Error(`Migration ${source.file}: the SQL is empty`);
    prepared.push({ ...source, version, checksum: migrationChecksum(source.sql) });
  }
  return prepared;
}

/**
 * One hash over every migration's version and checksum. The stack puts it in
 * the trigger of the `aws_lambda_invocation` that runs migrate, so an apply
 * re-runs migrations exactly when they changed.
 */
export function migrationsHash(sources: readonly MigrationSource[]): string {
  const hash = createHash("sha256");
  for (const migration of prepareMigrations(sources)) hash.update(`${migration.file}\0${migration.checksum}\n`);
  return hash.digest("hex");
}

interface AppliedRow {
  version: number;
  file: string;
  checksum: string;
}

/**
 * Applies the pending migrations in one transaction under an advisory lock.
 * Already-applied ones are verified: a changed checksum, or a migration the
 * database has but the code does not, is an error naming the file and nothing
 * is applied. Safe to re-run; concurrent runs wait for each other.
 */
export async function applyMigrations(client: ClientBase, sources: readonly MigrationSource[]): Promise<MigrationResult> {
  const migrations = prepareMigrations(sources);
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer     PRIMARY KEY,
      file       text        NOT NULL,
      checksum   text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<AppliedRow>("SELECT version, file, checksum FROM schema_migrations ORDER BY version");
    const known = new Map(migrations.map((migration) => [migration.version, migration]));
    for (const row of rows) {
      const migration = known.get(row.version);
      if (!migration) {
        throw new Error(
          `Migration ${row.file} (version ${row.version}) is applied in the database but missing from this code; deploy code that includes it (migrations are never removed)`,
        );
      }
      if (migration.checksum !== row.checksum) {
        throw new Error(
          `Migration ${migration.file} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${migration.checksum.slice(0, 12)}… in the code); restore the file and add a new migration instead`,
        );
      }
    }
    const appliedVersions = new Set(rows.map((row) => row.version));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (appliedVersions.has(migration.version)) continue;
      try {
        await client.query(migration.sql);
      } catch (error) {
        throw new Error(`Migration ${migration.file} failed: ${(error as Error).message}`, { cause: error });
      }
      await client.query("INSERT INTO schema_migrations (version, file, checksum) VALUES ($1, $2, $3)", [migration.version, migration.file, migration.checksum]);
      applied.push(migration.file);
    }
    await client.query("COMMIT");
    const currentVersion = Math.max(0, ...rows.map((row) => row.version), ...migrations.filter((m) => applied.includes(m.file)).map((m) => m.version));
    return { applied, currentVersion };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
