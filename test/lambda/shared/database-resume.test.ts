/**
 * @waits about 7 s: connections held through scaled-down Aurora resumes (jest.sequencer.js starts it beside a file that computes).
 */
import { Client } from "pg";
import { createMigrateHandler } from "../../../stacks/lambda/migrate/handler";
import { applyMigrations } from "../../../stacks/lambda/migrate/migrator";
import { migrations } from "../../../stacks/lambda/migrate/migrations";
import { createQueryHandler } from "../../../stacks/lambda/query/handler";
import { manifest as queryManifest } from "../../../stacks/lambda/query/manifest";
import { createDatabase, type Database, DatabaseUnavailableError, type DatabaseSettings } from "../../../stacks/lambda/shared/database";
import { createLogger } from "../../../stacks/lambda/shared/logger";
import { resetDatabase } from "../../support/database";
import { type PausedDatabaseProxy, startPausedDatabaseProxy } from "../../support/paused-database-proxy";
import { startTestPostgres, type TestPostgres } from "../../../harness/postgres";
import { apiGatewayEvent } from "./recorded-events";

/**
 * The database functions against a paused Aurora Serverless v2: a real TCP
 * proxy in front of the test PostgreSQL holds every new connection until it
 * has "resumed". Resume times and budgets are scaled down (about a second)
 * so the suite stays quick; the relation between them is what AWS's ~15 s
 * resume and the functions' budgets have. The real ~18 s resume is
 * database-resume-real-length.test.ts, a file of its own so that the other
 * jest worker runs other files while it waits.
 */
let server: TestPostgres;
const proxies: PausedDatabaseProxy[] = [];
const databases: Database[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
  await resetDatabase(server);
});
afterAll(async () => {
  await Promise.all(databases.map((database) => database.end()));
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await server?.stop();
});

async function pausedProxy(resumeMs: number | "never"): Promise<PausedDatabaseProxy> {
  const proxy = await startPausedDatabaseProxy({ host: "127.0.0.1", port: server.connection.port }, { resumeMs });
  proxies.push(proxy);
  return proxy;
}

/** The handlers' own factory, pointed at the proxy. */
function databaseBehind(proxy: PausedDatabaseProxy, settings: Partial<DatabaseSettings> = {}): Database {
  const { database, user } = server.connection;
  const db = createDatabase({ host: proxy.host, port: proxy.port, database, tls: { mode: "disable" }, applicationName: "resume-test", ...settings }, async () => ({
    username: user,
    password: "unused",
  }));
  databases.push(db);
  return db;
}

async function selectOne(db: Database, options?: Parameters<Database["connect"]>[0]): Promise<number> {
  const client = await db.connect(options);
  try {
    return (await client.query<{ one: number }>("SELECT 1 AS one")).rows[0].one;
  } finally {
    client.release();
  }
}

/** Runs `work` and says how long it took (to check deadlines, never speed). */
async function timed<T>(work: () => Promise<T>): Promise<{ outcome: PromiseSettledResult<T>; elapsedMs: number }> {
  const startedAt = Date.now();
  const [outcome] = await Promise.allSettled([work()]);
  return { outcome, elapsedMs: Date.now() - startedAt };
}

const quietLogger = () => createLogger({ write: () => undefined });

describe("connecting while Aurora resumes (a proxy that holds new connections)", () => {
  it("a connection attempt that outlasts the resume gets the connection, on the first attempt", async () => {
    const proxy = await pausedProxy(500);
    expect(await selectOne(databaseBehind(proxy, { connectAttemptTimeoutMs: 2_000 }))).toBe(1);
    expect({ accepted: proxy.accepted, forwarded: proxy.forwarded }).toEqual({ accepted: 1, forwarded: 1 });
  });

  it("an attempt shorter than the resume is retried once, and the retry finds the resumed database", async () => {
    const proxy = await pausedProxy(900);
    const db = databaseBehind(proxy, { connectAttemptTimeoutMs: 500, connectAttempts: 2, connectRetryDelayMs: 100 });
    expect(await selectOne(db)).toBe(1);
    // The first attempt gave up (and still started the resume); the second was forwarded.
    expect({ accepted: proxy.accepted, forwarded: proxy.forwarded }).toEqual({ accepted: 2, forwarded: 1 });
  });

  it("without the retry, an attempt shorter than the resume fails: the old 5 s timeout against a ~15 s resume", async () => {
    const proxy = await pausedProxy(900);
    const failure = selectOne(databaseBehind(proxy, { connectAttemptTimeoutMs: 500, connectAttempts: 1 }));
    await expect(failure).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(failure).rejects.toThrow(/is unavailable: .*timeout.* \(1 attempt in \d+ ms of a 500 ms connect budget\)/);
  });

  it("a database that never answers fails within the invocation's budget with a clear error", async () => {
    const proxy = await pausedProxy("never");
    // Production attempt length (20 s), clipped by what the invocation has left: 1.5 s minus a 0.5 s reserve.
    const db = databaseBehind(proxy, { reserveMs: 500 });
    const { outcome, elapsedMs } = await timed(() => selectOne(db, { remainingMs: 1_500 }));
    expect(outcome.status).toBe("rejected");
    const error = (outcome as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error.message).toMatch(/^Database postgres at 127\.0\.0\.1:\d+ is unavailable: .*timeout.* \(1 attempt in \d+ ms of a 1000 ms connect budget\)$/);
    // Gave up at its budget, leaving the reserve: before the invocation's 1.5 s were over.
    expect(elapsedMs).toBeLessThan(1_500);
    expect(proxy.forwarded).toBe(0);
  });

  it("with no time left for an attempt it fails at once, saying so", async () => {
    const proxy = await pausedProxy("never");
    const failure = selectOne(databaseBehind(proxy, { reserveMs: 6_000 }), { remainingMs: 5_000 });
    await expect(failure).rejects.toThrow(/is unavailable: no time left to connect \(0 ms budget\) \(0 attempts in \d+ ms of a 0 ms connect budget\)/);
    expect(proxy.accepted).toBe(0);
  });
});

describe("the database functions against a paused Aurora", () => {
  const barsEvent = (requestTimeEpoch: number) => {
    const event = apiGatewayEvent({ method: "GET", route: "/v1/bars/{symbol}", pathParameters: { symbol: "AAPL" }, requestId: "req-resume" });
    return {
      ...event,
      requestContext: { ...event.requestContext, requestTimeEpoch },
      queryStringParameters: { from: "2026-11-22T03:00:00Z", to: "2026-11-22T04:00:00Z" },
      multiValueQueryStringParameters: { from: ["2026-11-22T03:00:00Z"], to: ["2026-11-22T04:00:00Z"] },
    };
  };

  beforeAll(async () => {
    await resetDatabase(server);
    const admin = new Client(server.connection);
    await admin.connect();
    try {
      await applyMigrations(admin, migrations);
    } finally {
      await admin.end();
    }
  });

  it("query waits out a resume that fits its budget and answers 200", async () => {
    const proxy = await pausedProxy(700);
    const handler = createQueryHandler({ database: databaseBehind(proxy, { ...queryManifest.database }), logger: quietLogger() });
    // Lambda says 7.5 s are left: 1.5 s to connect once the reserve is kept back.
    const response = await handler(barsEvent(Date.now()), { getRemainingTimeInMillis: () => queryManifest.database!.reserveMs + 1_500 });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).bars).toEqual([]);
  });

  it("query answers 503 with Retry-After before its deadline when the database does not answer in time", async () => {
    const proxy = await pausedProxy("never");
    const handler = createQueryHandler({ database: databaseBehind(proxy, { ...queryManifest.database }), logger: quietLogger() });
    const remainingMs = queryManifest.database!.reserveMs + 800;
    const { outcome, elapsedMs } = await timed(() => handler(barsEvent(Date.now()), { getRemainingTimeInMillis: () => remainingMs }));
    expect(outcome.status).toBe("fulfilled");
    const response = (outcome as PromiseFulfilledResult<Awaited<ReturnType<typeof handler>>>).value;
    expect(response.statusCode).toBe(503);
    expect(response.headers?.["Retry-After"]).toBe("5");
    expect(elapsedMs).toBeLessThan(remainingMs);
  });

  it("query's budget also counts what API Gateway has already waited (a cold start before the handler ran)", async () => {
    const proxy = await pausedProxy("never");
    const handler = createQueryHandler({ database: databaseBehind(proxy, { ...queryManifest.database }), logger: quietLogger() });
    // API Gateway received the request 26.5 s ago: 1.5 s are left before it gives up (29 s less the 1 s margin), however long Lambda would wait.
    const { outcome, elapsedMs } = await timed(() => handler(barsEvent(Date.now() - 26_500), { getRemainingTimeInMillis: () => 28_000 }));
    expect((outcome as PromiseFulfilledResult<{ statusCode: number }>).value.statusCode).toBe(503);
    expect(elapsedMs).toBeLessThan(1_500);
  });

  it("migrate fails within its budget with an error naming the database when it never answers", async () => {
    const proxy = await pausedProxy("never");
    const handler = createMigrateHandler({ database: databaseBehind(proxy, { reserveMs: 500 }), migrations, logger: quietLogger() });
    const { outcome, elapsedMs } = await timed(() => handler({}, { getRemainingTimeInMillis: () => 1_500 }));
    expect(outcome.status).toBe("rejected");
    expect((outcome as PromiseRejectedResult).reason.message).toMatch(/^Database postgres at 127\.0\.0\.1:\d+ is unavailable: .* of a 1000 ms connect budget\)$/);
    expect(elapsedMs).toBeLessThan(1_500);
  });

  it("migrate waits out a resume and applies nothing new to an up-to-date schema", async () => {
    const proxy = await pausedProxy(600);
    const handler = createMigrateHandler({ database: databaseBehind(proxy), migrations, logger: quietLogger() });
    await expect(handler({}, { getRemainingTimeInMillis: () => 10_000 })).resolves.toEqual({ applied: [], currentVersion: migrations.length });
  });
});
