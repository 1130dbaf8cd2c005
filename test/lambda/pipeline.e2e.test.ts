/**
 * The data pipeline end to end on real local services: trades posted through
 * ingest's handler land in s3rver, process turns the object ingest wrote into
 * bars in PostgreSQL (and the analytics bucket), query reads them back.
 * Each handler is built exactly as its index.ts builds it, with clients
 * pointed at the local services.
 */
import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { Client } from "pg";
import { createIngestHandler } from "../../stacks/lambda/ingest/ingest";
import { createMigrateHandler } from "../../stacks/lambda/migrate/handler";
import { migrations } from "../../stacks/lambda/migrate/migrations";
import { createProcessHandler } from "../../stacks/lambda/process/handler";
import { createQueryHandler } from "../../stacks/lambda/query/handler";
import type { Database } from "../../stacks/lambda/shared/database";
import { createLogger } from "../../stacks/lambda/shared/logger";
import type { Trade } from "../../stacks/lambda/shared/trade";
import { resetDatabase, testDatabase } from "../support/database";
import { type LocalDynamo, type LocalS3, startLocalDynamo, startLocalS3, tableShapes } from "../support/local-services";
import { startTestPostgres, type TestPostgres } from "../support/postgres";
import { apiGatewayEvent, s3ObjectCreatedEvent } from "./shared/recorded-events";

const INGESTION = "pipeline-ingestion";
const ANALYTICS = "pipeline-analytics";
const API_KEYS = "pipeline-api-keys";
const API_KEY_ID = "k7pipeline1";

let s3: LocalS3;
let dynamo: LocalDynamo;
let server: TestPostgres;
let database: Database;
const logLines: Record<string, unknown>[] = [];
const logger = createLogger({ write: (line) => logLines.push(JSON.parse(line)) });

beforeAll(async () => {
  [s3, dynamo, server] = await Promise.all([startLocalS3(), startLocalDynamo(), startTestPostgres()]);
  await Promise.all([s3.createBucket(INGESTION), s3.createBucket(ANALYTICS), dynamo.createTable(API_KEYS, tableShapes.apiKeys)]);
  await dynamo.documents.send(new PutCommand({ TableName: API_KEYS, Item: { apiKeyId: API_KEY_ID, clientId: "pipeline-capital", enabled: true } }));
  await resetDatabase(server);
  database = testDatabase(server);
});
afterAll(async () => {
  await database?.end();
  await Promise.all([s3?.stop(), dynamo?.stop(), server?.stop()]);
});

const ingest = () =>
  createIngestHandler({ s3: s3.client, documents: dynamo.documents, config: { bucket: INGESTION, apiKeysTable: API_KEYS }, logger, now: () => new Date("2026-11-22T04:00:00Z") });
const processObjects = () => createProcessHandler({ s3: s3.client, analyticsBucket: ANALYTICS, database, logger });
const query = () => createQueryHandler({ database, logger });

async function post(trades: readonly Trade[], idempotencyKey: string) {
  const response = await ingest()(
    apiGatewayEvent({
      method: "POST",
      route: "/v1/trades",
      body: JSON.stringify({ trades }),
      headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
      apiKeyId: API_KEY_ID,
    }),
  );
  return { status: response.statusCode, body: JSON.parse(response.body) };
}

/** The notification S3 sends when ingest's PutObject completes. */
async function objectCreated(key: string) {
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: INGESTION, Key: key }));
  const event = s3ObjectCreatedEvent(INGESTION, key, head.ContentLength ?? 0);
  event.Records[0].s3.object.eTag = (head.ETag ?? "").replace(/"/g, "");
  return event;
}

async function bars(symbol: string, interval: string) {
  const response = await query()({
    ...apiGatewayEvent({ method: "GET", route: "/v1/bars/{symbol}", pathParameters: { symbol } }),
    queryStringParameters: { from: "2026-11-22T03:00:00Z", to: "2026-11-22T04:00:00Z", interval },
  });
  expect(response.statusCode).toBe(200);
  return JSON.parse(response.body).bars;
}

/** Bars computed the obvious way from the trades, to compare with what the pipeline serves. */
function expectedBars(trades: readonly Trade[], minutes: number) {
  const groups = new Map<string, Trade[]>();
  for (const trade of trades) {
    const ms = Date.parse(trade.timestamp);
    const start = new Date(Math.floor(ms / (minutes * 60_000)) * minutes * 60_000).toISOString();
    groups.set(start, [...(groups.get(start) ?? []), trade]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([start, group]) => {
      const ordered = [...group].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.tradeId < b.tradeId ? -1 : 1));
      const volume = group.reduce((sum, trade) => sum + trade.quantity, 0);
      return {
        start,
        open: ordered[0].price,
        high: Math.max(...group.map((trade) => trade.price)),
        low: Math.min(...group.map((trade) => trade.price)),
        close: ordered.at(-1)!.price,
        volume,
        tradeCount: group.length,
        vwap: expect.closeTo(group.reduce((sum, trade) => sum + trade.price * trade.quantity, 0) / volume, 9),
      };
    });
}

const trade = (id: string, minute: number, second: number, price: number, quantity: number): Trade => ({
  tradeId: id,
  symbol: "AAPL",
  price,
  quantity,
  side: id.endsWith("s") ? "sell" : "buy",
  timestamp: `2026-11-22T03:${String(minute).padStart(2, "0")}:${String(second).padStart(2, "0")}.250Z`,
  venue: "XNAS",
});

describe("data pipeline end to end", () => {
  it("serves the bars of trades posted in several batches, each counted exactly once", async () => {
    expect(await createMigrateHandler({ database, migrations, logger })({})).toEqual({ applied: ["0001_market_data_schema"], currentVersion: 1 });

    const morning = [trade("A-1", 1, 5, 187.1, 100), trade("A-2s", 1, 40, 187.3, 50), trade("A-3", 2, 10, 186.9, 20), trade("A-4", 7, 0, 188, 10)];
    const later = [trade("B-1", 1, 20, 187.5, 30), trade("B-2", 1, 59, 187.0, 5), trade("B-3s", 6, 30, 187.8, 70), { ...trade("B-4", 2, 0, 410.5, 3), symbol: "MSFT" }];

    const first = await post(morning, "batch-morning-0001");
    expect(first).toMatchObject({ status: 201, body: { accepted: 4, replayed: false } });
    const retried = await post(morning, "batch-morning-0001");
    expect(retried).toMatchObject({ status: 200, body: { objectKey: first.body.objectKey, replayed: true } });
    const second = await post(later, "batch-later-00002");
    expect(second).toMatchObject({ status: 201, body: { accepted: 4 } });

    const listing = await s3.client.send(new ListObjectsV2Command({ Bucket: INGESTION, Prefix: "trades/" }));
    expect((listing.Contents ?? []).map((object) => object.Key).sort()).toEqual([first.body.objectKey, second.body.objectKey].sort());

    // S3 delivers at least once: the first object's notification arrives twice.
    const outcomes = [];
    for (const key of [first.body.objectKey, second.body.objectKey, first.body.objectKey]) {
      outcomes.push(...(await processObjects()(await objectCreated(key))).objects.map((object) => object.outcome));
    }
    expect(outcomes).toEqual(["merged", "merged", "duplicate"]);

    const aapl = [...morning, ...later].filter((t) => t.symbol === "AAPL");
    expect(await bars("AAPL", "1m")).toEqual(expectedBars(aapl, 1));
    expect(await bars("AAPL", "5m")).toEqual(expectedBars(aapl, 5));
    expect(await bars("AAPL", "1h")).toEqual(expectedBars(aapl, 60));
    expect(await bars("MSFT", "1m")).toEqual(expectedBars([later[3]], 1));

    const analytics = await s3.client.send(new ListObjectsV2Command({ Bucket: ANALYTICS, Prefix: "bars-1m/" }));
    expect(analytics.Contents).toHaveLength(2);
    expect(logLines.filter((line) => line.level === "ERROR")).toEqual([]);

    const sql = new Client(server.connection);
    await sql.connect();
    try {
      const { rows } = await sql.query("SELECT sum(trade_count)::int AS trades FROM processed_objects");
      expect(rows[0].trades).toBe(8);
    } finally {
      await sql.end();
    }
  });
});
