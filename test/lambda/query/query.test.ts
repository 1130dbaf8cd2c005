import type { APIGatewayProxyEvent } from "aws-lambda";
import { Client } from "pg";
import { applyMigrations } from "../../../stacks/lambda/migrate/migrator";
import { migrations } from "../../../stacks/lambda/migrate/migrations";
import { createQueryHandler } from "../../../stacks/lambda/query/handler";
import { manifest } from "../../../stacks/lambda/query/manifest";
import type { Database } from "../../../stacks/lambda/shared/database";
import { createLogger } from "../../../stacks/lambda/shared/logger";
import { resetDatabase, testDatabase } from "../../support/database";
import { startTestPostgres, type TestPostgres } from "../../../harness/postgres";
import { apiGatewayEvent } from "../shared/recorded-events";

let server: TestPostgres;
let database: Database;
let sql: Client;
let logLines: Record<string, unknown>[] = [];
const handlerWith = (db: Database) => createQueryHandler({ database: db, logger: createLogger({ write: (line) => logLines.push(JSON.parse(line)) }) });

function barsEvent(symbol: string, query: Record<string, string>): APIGatewayProxyEvent {
  return {
    ...apiGatewayEvent({ method: "GET", route: "/v1/bars/{symbol}", pathParameters: { symbol }, requestId: "req-1" }),
    queryStringParameters: query,
    multiValueQueryStringParameters: Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]])),
  };
}

async function get(symbol: string, query: Record<string, string>, db: Database = database) {
  const response = await handlerWith(db)(barsEvent(symbol, query));
  return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(response.body) };
}

/** One 1-minute row: minute offset from 03:00, prices, and first/last trade seconds within the minute. */
async function insertMinute(symbol: string, minute: number, bar: { open: number; high: number; low: number; close: number; volume: number; trades: number; spq: number }) {
  const start = new Date(Date.UTC(2026, 10, 22, 3, minute));
  await sql.query(
    `INSERT INTO bars_1m (symbol, bucket_start, open, high, low, close, volume, trade_count, sum_price_qty, first_trade_at, first_trade_id, last_trade_at, last_trade_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $2::timestamptz + interval '1 second', 'a', $2::timestamptz + interval '59 seconds', 'z')`,
    [symbol, start, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.trades, bar.spq],
  );
}

beforeAll(async () => {
  server = await startTestPostgres();
  await resetDatabase(server);
  sql = new Client(server.connection);
  await sql.connect();
  await applyMigrations(sql, migrations);
  database = testDatabase(server);
  // AAPL: minutes 0..11 (03:00-03:11) with open = 100 + minute, close = open + 0.5.
  for (let minute = 0; minute < 12; minute += 1) {
    await insertMinute("AAPL", minute, { open: 100 + minute, high: 101 + minute, low: 99 + minute, close: 100.5 + minute, volume: 10, trades: 2, spq: 10 * (100 + minute) });
  }
  await insertMinute("MSFT", 0, { open: 400, high: 400, low: 400, close: 400, volume: 1, trades: 1, spq: 400 });
});
afterAll(async () => {
  await sql?.end();
  await database?.end();
  await server?.stop();
});
beforeEach(() => {
  logLines = [];
});

describe("query handler", () => {
  it("serves GET /v1/bars/{symbol}", () => {
    expect(manifest.trigger).toEqual({ kind: "api", routes: [{ method: "GET", path: "/v1/bars/{symbol}" }] });
  });

  it("returns 1-minute bars in [from, to) with VWAP", async () => {
    const { status, headers, body } = await get("AAPL", { from: "2026-11-22T03:02:00Z", to: "2026-11-22T03:04:00Z" });
    expect(status).toBe(200);
    expect(headers["Content-Type"]).toBe("application/json");
    expect(body).toEqual({
      symbol: "AAPL",
      interval: "1m",
      from: "2026-11-22T03:02:00Z",
      to: "2026-11-22T03:04:00Z",
      bars: [
        { start: "2026-11-22T03:02:00.000Z", open: 102, high: 103, low: 101, close: 102.5, volume: 10, tradeCount: 2, vwap: 102, duplicatesSkipped: 0, conflictingDuplicates: 0 },
        { start: "2026-11-22T03:03:00.000Z", open: 103, high: 104, low: 102, close: 103.5, volume: 10, tradeCount: 2, vwap: 103, duplicatesSkipped: 0, conflictingDuplicates: 0 },
      ],
      nextCursor: null,
    });
  });

  it("reports per bar the duplicates process skipped, summed in roll-ups", async () => {
    const minute = (m: number) => new Date(Date.UTC(2026, 10, 22, 3, m));
    await sql.query("INSERT INTO bar_duplicates (symbol, bucket_start, duplicates_skipped, conflicting_duplicates) VALUES ('AAPL', $1, 5, 0), ('AAPL', $2, 3, 1), ('MSFT', $1, 9, 9)", [
      minute(6),
      minute(8),
    ]);
    try {
      const oneMinute = await get("AAPL", { from: "2026-11-22T03:06:00Z", to: "2026-11-22T03:09:00Z" });
      expect(oneMinute.body.bars.map((bar: { start: string; duplicatesSkipped: number; conflictingDuplicates: number; tradeCount: number }) => [bar.start, bar.tradeCount, bar.duplicatesSkipped, bar.conflictingDuplicates])).toEqual([
        ["2026-11-22T03:06:00.000Z", 2, 5, 0],
        ["2026-11-22T03:07:00.000Z", 2, 0, 0],
        ["2026-11-22T03:08:00.000Z", 2, 3, 1],
      ]);
      const fiveMinutes = await get("AAPL", { from: "2026-11-22T03:00:00Z", to: "2026-11-22T03:10:00Z", interval: "5m" });
      expect(fiveMinutes.body.bars.map((bar: { duplicatesSkipped: number; conflictingDuplicates: number; tradeCount: number }) => [bar.tradeCount, bar.duplicatesSkipped, bar.conflictingDuplicates])).toEqual([
        [10, 0, 0],
        [10, 8, 1],
      ]);
    } finally {
      await sql.query("DELETE FROM bar_duplicates");
    }
  });

  it("rolls 5-minute bars up from the 1-minute rows: first open, last close, max, min, sums", async () => {
    const { body } = await get("AAPL", { from: "2026-11-22T03:00:00Z", to: "2026-11-22T04:00:00Z", interval: "5m" });
    expect(body.bars).toEqual([
      { start: "2026-11-22T03:00:00.000Z", open: 100, high: 105, low: 99, close: 104.5, volume: 50, tradeCount: 10, vwap: 102, duplicatesSkipped: 0, conflictingDuplicates: 0 },
      { start: "2026-11-22T03:05:00.000Z", open: 105, high: 110, low: 104, close: 109.5, volume: 50, tradeCount: 10, vwap: 107, duplicatesSkipped: 0, conflictingDuplicates: 0 },
      { start: "2026-11-22T03:10:00.000Z", open: 110, high: 112, low: 109, close: 111.5, volume: 20, tradeCount: 4, vwap: 110.5, duplicatesSkipped: 0, conflictingDuplicates: 0 },
    ]);
    const hourly = await get("AAPL", { from: "2026-11-22T03:00:00+00:00", to: "2026-11-22T05:00:00+01:00", interval: "1h" });
    expect(hourly.body.bars).toEqual([{ start: "2026-11-22T03:00:00.000Z", open: 100, high: 112, low: 99, close: 111.5, volume: 120, tradeCount: 24, vwap: 105.5, duplicatesSkipped: 0, conflictingDuplicates: 0 }]);
  });

  it("returns whole buckets that start in the range, never partial ones", async () => {
    const { body } = await get("AAPL", { from: "2026-11-22T03:03:00Z", to: "2026-11-22T03:10:30Z", interval: "5m" });
    expect(body.bars.map((bar: { start: string; tradeCount: number }) => [bar.start, bar.tradeCount])).toEqual([
      ["2026-11-22T03:05:00.000Z", 10],
      ["2026-11-22T03:10:00.000Z", 4],
    ]);
  });

  it("pages with an opaque cursor until every bar was returned once", async () => {
    const query = { from: "2026-11-22T03:00:00Z", to: "2026-11-22T03:12:00Z", limit: "5" };
    const starts: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: { bars: { start: string }[]; nextCursor: string | null } } = await get("AAPL", cursor ? { ...query, cursor } : query);
      starts.push(...page.body.bars.map((bar) => bar.start));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(starts).toEqual(Array.from({ length: 12 }, (_, minute) => new Date(Date.UTC(2026, 10, 22, 3, minute)).toISOString()));
  });

  it("returns no bars for a symbol without trades", async () => {
    const { status, body } = await get("NVDA", { from: "2026-11-22T03:00:00Z", to: "2026-11-22T04:00:00Z" });
    expect(status).toBe(200);
    expect(body.bars).toEqual([]);
  });

  it("answers 400 listing every problem with the parameters", async () => {
    const { status, headers, body } = await get("aapl", { from: "yesterday", to: "2026-11-22T04:00:00", interval: "2m", limit: "5000", intervall: "1m" });
    expect(status).toBe(400);
    expect(headers["Content-Type"]).toBe("application/problem+json");
    expect(body).toMatchObject({ title: "Invalid bars query", status: 400, requestId: "req-1" });
    expect(body.errors.map((error: { parameter: string }) => error.parameter)).toEqual(["symbol", "intervall", "interval", "from", "to", "limit"]);
    expect(body.errors[3].message).toBe('expected an ISO-8601 date-time with a timezone, e.g. "2026-11-22T03:00:00Z", found "yesterday"');
  });

  it("rejects an empty or reversed range, a range too long for the interval, and missing bounds", async () => {
    const reversed = await get("AAPL", { from: "2026-11-22T04:00:00Z", to: "2026-11-22T03:00:00Z" });
    expect(reversed.body.errors).toEqual([{ parameter: "to", message: "must be later than from" }]);
    const tooLong = await get("AAPL", { from: "2026-11-01T00:00:00Z", to: "2026-11-09T00:00:01Z" });
    expect(tooLong.body.errors).toEqual([{ parameter: "to", message: "the range may span at most 7 days for interval 1m" }]);
    expect((await get("AAPL", { from: "2026-11-01T00:00:00Z", to: "2026-11-09T00:00:01Z", interval: "5m" })).status).toBe(200);
    const missing = await get("AAPL", {});
    expect(missing.body.errors.map((error: { parameter: string }) => error.parameter)).toEqual(["from", "to"]);
  });

  it("rejects a forged cursor or one from another query", async () => {
    const first = await get("AAPL", { from: "2026-11-22T03:00:00Z", to: "2026-11-22T03:12:00Z", limit: "2" });
    const cursor = first.body.nextCursor as string;
    const other = await get("AAPL", { from: "2026-11-22T03:00:00Z", to: "2026-11-22T03:12:00Z", limit: "2", interval: "5m", cursor });
    expect(other.body.errors).toEqual([{ parameter: "cursor", message: "belongs to a different query; repeat the same symbol, from, to and interval with the cursor" }]);
    const forged = await get("AAPL", { from: "2026-11-22T03:00:00Z", to: "2026-11-22T03:12:00Z", cursor: "bm90LWEtY3Vyc29y" });
    expect(forged.body.errors).toEqual([{ parameter: "cursor", message: "not a cursor returned by this API" }]);
  });

  it("answers 503 with Retry-After when the database is down", async () => {
    const down = testDatabase(server, { port: await server.unusedPort(), connectAttemptTimeoutMs: 2_000 });
    try {
      const { status, headers, body } = await get("AAPL", { from: "2026-11-22T03:00:00Z", to: "2026-11-22T04:00:00Z" }, down);
      expect(status).toBe(503);
      expect(headers["Retry-After"]).toBe("5");
      expect(body).toMatchObject({ title: "Service unavailable", requestId: "req-1" });
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
      expect(logLines).toContainEqual(expect.objectContaining({ level: "ERROR", message: "Database unavailable" }));
    } finally {
      await down.end();
    }
  });
});
