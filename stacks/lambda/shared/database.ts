/**
 * PostgreSQL (Aurora) access for the handlers: a `pg` pool whose credentials
 * come from the Secrets Manager secret Aurora manages, cached across
 * invocations with a TTL because the secret rotates. The secret is fetched
 * through an injected function, so tests pass a plain one and only the entry
 * files create SDK clients.
 */
import { readFileSync } from "node:fs";
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Pool, type PoolClient, type PoolConfig } from "pg";
import { CONNECT_ATTEMPT_TIMEOUT_MS, CONNECT_ATTEMPTS, CONNECT_RETRY_DELAY_MS, connectBudgetMs, MIN_CONNECT_ATTEMPT_MS } from "./connect-budget";

export interface DatabaseCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * TLS to the database. In Lambda always `verify-full`: the certificate must
 * chain to a trusted CA and name the host. Aurora's certificates are issued by
 * the Amazon RDS CAs, which are not in Node's default store; the functions set
 * NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem (the runtime's bundle, which
 * includes the RDS CAs), or DB_CA_BUNDLE_PATH points at a downloaded
 * global-bundle.pem. `disable` exists for the loopback test server only.
 */
export type DatabaseTls = { readonly mode: "verify-full"; readonly ca?: string } | { readonly mode: "disable" };

export interface DatabaseSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly tls: DatabaseTls;
  /** Connections per Lambda container; one invocation at a time runs in it. Default 2. */
  readonly maxConnections?: number;
  /**
   * How long one connection attempt waits; default CONNECT_ATTEMPT_TIMEOUT_MS
   * (20 s), longer than an Aurora Serverless v2 resume (see connect-budget.ts).
   */
  readonly connectAttemptTimeoutMs?: number;
  /** Attempts per connect(); default CONNECT_ATTEMPTS (2: one retry). */
  readonly connectAttempts?: number;
  /** Pause before a retry; default CONNECT_RETRY_DELAY_MS. */
  readonly connectRetryDelayMs?: number;
  /** Server-side statement_timeout; default 60 s. */
  readonly statementTimeoutMs?: number;
  /**
   * Kept back from the invocation's remaining time when connecting (the
   * function's `manifest.database.reserveMs`); default 0.
   */
  readonly reserveMs?: number;
  /** Shown in pg_stat_activity. */
  readonly applicationName?: string;
}

export type CredentialsSource = () => Promise<DatabaseCredentials>;

/** Parses the Aurora-managed secret (`{"username": ..., "password": ...}`), naming the secret on error. */
export function parseDatabaseSecret(secretString: string | undefined, secretId: string): DatabaseCredentials {
  if (secretString === undefined || secretString === "") throw new Error(`Database secret ${secretId}: the secret has no SecretString`);
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    throw new Error(`Database secret ${secretId}: expected a JSON object with "username" and "password", found text that is not JSON`);
  }
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const missing = ["username", "password"].filter((field) => typeof record[field] !== "string" || record[field] === "");
  if (missing.length > 0) throw new Error(`Database secret ${secretId}: expected non-empty string field(s) ${missing.join(", ")}`);
  return { username: record.username as string, password: record.password as string };
}

export interface CachedCredentials {
  readonly get: CredentialsSource;
  /** Forget the cached value (after an authentication failure: the secret has probably rotated). */
  invalidate(): void;
}

/**
 * Caches credentials for `ttlMs` (default 5 minutes) so warm invocations do
 * not call Secrets Manager, while a rotated password is picked up within the
 * TTL, or at once after `invalidate()`. Concurrent callers share one fetch.
 */
export function cacheCredentials(fetch: CredentialsSource, ttlMs = 5 * 60_000, now: () => number = Date.now): CachedCredentials {
  let cached: { value: Promise<DatabaseCredentials>; expiresAt: number } | undefined;
  return {
    get: () => {
      if (!cached || now() >= cached.expiresAt) {
        const value = fetch();
        cached = { value, expiresAt: now() + ttlMs };
        // A failed fetch must not be cached.
        value.catch(() => {
          if (cached?.value === value) cached = undefined;
        });
      }
      return cached.value;
    },
    invalidate: () => {
      cached = undefined;
    },
  };
}

export function tlsFromEnvironment(env: Readonly<Record<string, string | undefined>>): DatabaseTls {
  const path = env.DB_CA_BUNDLE_PATH;
  if (path === undefined || path === "") return { mode: "verify-full" };
  try {
    return { mode: "verify-full", ca: readFileSync(path, "utf8") };
  } catch (error) {
    throw new Error(`DB_CA_BUNDLE_PATH: cannot read the CA bundle at ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads DB_HOST, DB_PORT, DB_NAME (and DB_CA_BUNDLE_PATH) as the manifests bind them. */
export function databaseSettingsFromEnvironment(env: Readonly<Record<string, string | undefined>>, applicationName: string): DatabaseSettings {
  const problems: string[] = [];
  const host = env.DB_HOST ?? "";
  const database = env.DB_NAME ?? "";
  const port = Number(env.DB_PORT);
  if (host === "") problems.push("DB_HOST is not set");
  if (database === "") problems.push("DB_NAME is not set");
  if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`DB_PORT: found ${JSON.stringify(env.DB_PORT)}, expected a port number`);
  if (problems.length > 0) throw new Error(`Invalid database environment: ${problems.join("; ")}`);
  return { host, port, database, tls: tlsFromEnvironment(env), applicationName };
}

const AUTH_FAILED = "28P01";

/** Duck-typed: errors from node:net come from another realm under jest, and `instanceof Error` fails there. */
function reasonOf(error: unknown): string {
  const details = (typeof error === "object" && error !== null ? error : {}) as { message?: string; code?: string };
  return details.message || details.code || String(error);
}

/** How a connect went: attempts made, time spent, and the budget it had. */
export interface ConnectReport {
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly budgetMs: number;
}

/** The database could not be reached or refused us: the invocation should fail and be retried. */
export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";
  constructor(settings: Pick<DatabaseSettings, "host" | "port" | "database">, cause: unknown, report?: ConnectReport) {
    const tried = report
      ? ` (${report.attempts} attempt${report.attempts === 1 ? "" : "s"} in ${report.elapsedMs} ms of a ${report.budgetMs} ms connect budget)`
      : "";
    super(`Database ${settings.database} at ${settings.host}:${settings.port} is unavailable: ${reasonOf(cause)}${tried}`, { cause });
  }
}

/**
 * A certificate that does not verify will not verify on a retry either;
 * retrying would only spend the budget.
 */
function isPermanent(error: unknown): boolean {
  const code = (typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined) ?? "";
  return typeof code === "string" && /CERT|ALTNAME|UNABLE_TO_VERIFY|SELF_SIGNED/.test(code);
}

export interface ConnectOptions {
  /**
   * Milliseconds the invocation has left (`invocationRemainingMs(context, …)`).
   * The connect spends at most this minus `settings.reserveMs`; without it,
   * every attempt runs in full.
   */
  readonly remainingMs?: number;
}

export interface Database {
  /**
   * A pooled connection; `release()` it. Waits out an Aurora resume and
   * retries once, within the invocation's budget. Throws
   * DatabaseUnavailableError when the server cannot be reached or refuses the
   * login in that time.
   */
  connect(options?: ConnectOptions): Promise<PoolClient>;
  /** Closes the pool (tests; Lambda containers just freeze). */
  end(): Promise<void>;
}

/**
 * One pool per container, created on first use. Every new connection asks the
 * credential cache for the password, so a rotated secret is used as soon as
 * the cache refreshes; a rejected password drops the cache so the next attempt
 * (the retry of this invocation) fetches the new one.
 */
export function createDatabase(
  settings: DatabaseSettings,
  fetchCredentials: CredentialsSource,
  ttlMs?: number,
): Database {
  const credentials = cacheCredentials(fetchCredentials, ttlMs);
  const attemptTimeoutMs = settings.connectAttemptTimeoutMs ?? CONNECT_ATTEMPT_TIMEOUT_MS;
  const attempts = settings.connectAttempts ?? CONNECT_ATTEMPTS;
  const retryDelayMs = settings.connectRetryDelayMs ?? CONNECT_RETRY_DELAY_MS;
  let pool: Pool | undefined;
  const poolFor = (initial: DatabaseCredentials): Pool => {
    if (pool) return pool;
    const config: PoolConfig = {
      host: settings.host,
      port: settings.port,
      database: settings.database,
      // Aurora's managed secret rotates the password only; the user name is fixed.
      user: initial.username,
      password: async () => (await credentials.get()).password,
      ssl: settings.tls.mode === "disable" ? false : { rejectUnauthorized: true, ...(settings.tls.ca ? { ca: settings.tls.ca } : {}) },
      max: settings.maxConnections ?? 2,
      // Set per attempt in connectOnce().
      connectionTimeoutMillis: attemptTimeoutMs,
      idleTimeoutMillis: 60_000,
      // Idle connections must not keep a process alive (scripts, tests); Lambda's runtime loop keeps its own.
      allowExitOnIdle: true,
      statement_timeout: settings.statementTimeoutMs ?? 60_000,
      application_name: settings.applicationName,
    };
    pool = new Pool(config);
    // An idle client losing its connection (failover, scale-down) must not crash the container.
    pool.on("error", () => undefined);
    return pool;
  };
  /**
   * One attempt limited to `timeoutMs`. pg-pool reads `options.connectionTimeoutMillis`
   * when connect() is called, both for the wait on a free slot and for the new
   * client's handshake timer (which covers TCP, TLS and authentication until
   * the server is ready for queries), so setting it here bounds this attempt.
   */
  const connectOnce = async (timeoutMs: number): Promise<PoolClient> => {
    const current = poolFor(await credentials.get());
    current.options.connectionTimeoutMillis = timeoutMs;
    return current.connect();
  };
  return {
    async connect(options: ConnectOptions = {}) {
      const startedAt = Date.now();
      const budgetMs =
        options.remainingMs === undefined ? attempts * attemptTimeoutMs + (attempts - 1) * retryDelayMs : connectBudgetMs(options.remainingMs, settings.reserveMs ?? 0);
      const deadline = startedAt + budgetMs;
      let made = 0;
      let lastError: unknown = new Error(`no time left to connect (${budgetMs} ms budget)`);
      while (made < attempts) {
        const timeoutMs = Math.min(attemptTimeoutMs, deadline - Date.now());
        if (timeoutMs < MIN_CONNECT_ATTEMPT_MS) break;
        made += 1;
        try {
          return await connectOnce(timeoutMs);
        } catch (error) {
          lastError = error;
          // The secret has probably rotated: the retry fetches the new password.
          if ((error as { code?: string }).code === AUTH_FAILED) credentials.invalidate();
          if (isPermanent(error)) break;
          const pause = Math.min(retryDelayMs, deadline - Date.now() - MIN_CONNECT_ATTEMPT_MS);
          if (made < attempts && pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
        }
      }
      throw new DatabaseUnavailableError(settings, lastError, { attempts: made, elapsedMs: Date.now() - startedAt, budgetMs });
    },
    async end() {
      const current = pool;
      pool = undefined;
      await current?.end();
    },
  };
}

/** The credentials getter the entry files pass to createDatabase. */
export function secretsManagerCredentials(client: SecretsManagerClient, secretId: string): CredentialsSource {
  return async () => {
    const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    return parseDatabaseSecret(result.SecretString, secretId);
  };
}
