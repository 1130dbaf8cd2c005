import { gzipSync, gunzipSync } from "node:zlib";
import { PublishCommand } from "@aws-sdk/client-sns";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import { Client } from "pg";
import { applyMigrations } from "../../../stacks/lambda/migrate/migrator";
import { migrations } from "../../../stacks/lambda/migrate/migrations";
import { ReplacedObjectError } from "../../../stacks/lambda/process/bar-store";
import { barsKeyFor, createProcessHandler, processConfigFromEnv } from "../../../stacks/lambda/process/handler";
import { manifest } from "../../../stacks/lambda/process/manifest";
import { QuarantineSpool } from "../../../stacks/lambda/process/quarantine";
import { CorruptObjectError } from "../../../stacks/lambda/process/trade-stream";
import { type Database, DatabaseUnavailableError } from "../../../stacks/lambda/shared/database";
import { createLogger } from "../../../stacks/lambda/shared/logger";
import { type Trade, tradeToNdjsonLine } from "../../../stacks/lambda/shared/trade";
import { resetDatabase, testDatabase } from "../../support/database";
import { type LocalS3, type LocalSns, startLocalS3, startLocalSns } from "../../support/local-services";
import { startTestPostgres, type TestPostgres } from "../../../harness/postgres";
import { s3ObjectCreatedEvent } from "../shared/recorded-events";

const INGESTION = "ingestion";
const ANALYTICS = "analytics";

let s3: LocalS3;
let sns: LocalSns;
let alertsTopicArn: string;
let server: TestPostgres;
let database: Database;
let sql: Client;
let logLines: Record<string, unknown>[];

const logger = () => createLogger({ write: (line) => logLines.push(JSON.parse(line)) });
const RETENTION_DAYS = 7;
const handlerWith = (db: Database, retentionDays = RETENTION_DAYS) =>
  createProcessHandler({
    s3: s3.client,
    database: db,
    publisher: { publish: (input) => sns.client.send(new PublishCommand(input)) },
    config: { analyticsBucket: ANALYTICS, alertsTopicArn, tradeIdRetentionDays: retentionDays },
    logger: logger(),
  });

beforeAll(async () => {
  [s3, sns, server] = await Promise.all([startLocalS3(), startLocalSns(), startTestPostgres()]);
  alertsTopicArn = sns.createTopic("alerts-test");
  await Promise.all([s3.createBucket(INGESTION), s3.createBucket(ANALYTICS)]);
  await resetDatabase(server);
  database = testDatabase(server);
  sql = new Client(server.connection);
  await sql.connect();
  await applyMigrations(sql, migrations);
});
afterAll(async () => {
  await sql?.end();
  await database?.end();
  await Promise.all([s3?.stop(), sns?.stop(), server?.stop()]);
});
beforeEach(async () => {
  logLines = [];
  sns.published.length = 0;
  await sql.query("TRUNCATE processed_objects, bar_contributions, bars_1m, trade_identities, bar_duplicates");
});

const trade = (overrides: Partial<Trade> = {}): Trade => ({
  tradeId: "T-1",
  symbol: "AAPL",
  price: 100,
  quantity: 10,
  side: "buy",
  timestamp: "2026-11-22T03:04:05.000Z",
  venue: "XNAS",
  ...overrides,
});

/** Stores an object as ingest does, `client-id` metadata included (null: an object written without it). */
async function putObject(key: string, body: Buffer, clientId: string | null = "client-a"): Promise<S3Event> {
  await s3.client.send(new PutObjectCommand({ Bucket: INGESTION, Key: key, Body: body, ...(clientId === null ? {} : { Metadata: { "client-id": clientId } }) }));
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: INGESTION, Key: key }));
  const event = s3ObjectCreatedEvent(INGESTION, key, body.length);
  event.Records[0].s3.object.eTag = (head.ETag ?? "").replace(/"/g, "");
  return event;
}

const gzipLines = (lines: readonly string[]) => gzipSync(lines.map((line) => `${line}\n`).join(""));

async function bars(symbol?: string) {
  const { rows } = await sql.query(
    `SELECT symbol, to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS minute, open::float8 AS open, high::float8 AS high, low::float8 AS low,
            close::float8 AS close, volume::float8 AS volume, trade_count::int AS trades, sum_price_qty::float8 AS spq, first_trade_id, last_trade_id
     FROM bars_1m ${symbol ? "WHERE symbol = $1" : ""} ORDER BY symbol, bucket_start`,
    symbol ? [symbol] : [],
  );
  return rows;
}

async function readObject(bucket: string, key: string): Promise<Buffer> {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const listing = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listing.Contents ?? []).map((object) => object.Key!);
}

describe("process handler", () => {
  it("is triggered by the objects ingest writes", () => {
    expect(manifest.trigger).toEqual({ kind: "s3ObjectCreated", bucket: "ingestionBucket", prefix: "trades/", suffix: ".ndjson.gz" });
  });

  it("reads its configuration from the variables its manifest binds, naming a bad one", () => {
    for (const name of ["ANALYTICS_BUCKET", "ALERTS_TOPIC_ARN", "TRADE_ID_RETENTION_DAYS"]) expect(Object.keys(manifest.environment)).toContain(name);
    const env = { ANALYTICS_BUCKET: "analytics", ALERTS_TOPIC_ARN: "arn:aws:sns:us-east-1:111122223333:alerts", TRADE_ID_RETENTION_DAYS: "7" };
    expect(processConfigFromEnv(env)).toEqual({ analyticsBucket: "analytics", alertsTopicArn: env.ALERTS_TOPIC_ARN, tradeIdRetentionDays: 7 });
    expect(() => processConfigFromEnv({ ...env, TRADE_ID_RETENTION_DAYS: "a week" })).toThrow(/TRADE_ID_RETENTION_DAYS must be a positive whole number, found "a week"/);
    expect(() => processConfigFromEnv({ ...env, ALERTS_TOPIC_ARN: undefined })).toThrow(/ALERTS_TOPIC_ARN is missing or empty/);
  });

  it("aggregates an object into 1-minute bars in Aurora and the analytics bucket", async () => {
    const key = "trades/2026/11/22/03/client-a batch+1.ndjson.gz"; // a space and a plus: the event URL-encodes the key
    const event = await putObject(
      key,
      gzipLines([
        tradeToNdjsonLine(trade({ tradeId: "A-2", price: 101, quantity: 5, timestamp: "2026-11-22T03:04:30Z" })),
        tradeToNdjsonLine(trade({ tradeId: "A-1", price: 100, quantity: 10, timestamp: "2026-11-22T03:04:05Z" })),
        tradeToNdjsonLine(trade({ tradeId: "A-3", price: 99.5, quantity: 2, side: "sell", timestamp: "2026-11-22T03:04:59.999999Z" })),
        tradeToNdjsonLine(trade({ tradeId: "A-4", price: 102, quantity: 1, timestamp: "2026-11-22T03:05:00Z" })),
        tradeToNdjsonLine(trade({ tradeId: "M-1", symbol: "MSFT", price: 410.25, quantity: 3, timestamp: "2026-11-22T05:04:10+02:00" })),
      ]),
    );
    const result = await handlerWith(database)(event);
    expect(result.objects).toEqual([
      { bucket: INGESTION, key, outcome: "merged", trades: 5, rejectedLines: 0, duplicates: 0, conflictingDuplicates: 0, bars: 3, barsKey: "bars-1m/2026/11/22/03/client-a batch+1.ndjson.gz" },
    ]);
    expect(await bars()).toEqual([
      { symbol: "AAPL", minute: "2026-11-22T03:04", open: 100, high: 101, low: 99.5, close: 99.5, volume: 17, trades: 3, spq: 1000 + 505 + 199, first_trade_id: "A-1", last_trade_id: "A-3" },
      { symbol: "AAPL", minute: "2026-11-22T03:05", open: 102, high: 102, low: 102, close: 102, volume: 1, trades: 1, spq: 102, first_trade_id: "A-4", last_trade_id: "A-4" },
      { symbol: "MSFT", minute: "2026-11-22T03:04", open: 410.25, high: 410.25, low: 410.25, close: 410.25, volume: 3, trades: 1, spq: 1230.75, first_trade_id: "M-1", last_trade_id: "M-1" },
    ]);
    const written = gunzipSync(await readObject(ANALYTICS, barsKeyFor(key)))
      .toString()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(written.map((bar) => [bar.symbol, bar.start, bar.vwap])).toEqual([
      ["AAPL", "2026-11-22T03:04:00.000000Z", 1704 / 17],
      ["AAPL", "2026-11-22T03:05:00.000000Z", 102],
      ["MSFT", "2026-11-22T03:04:00.000000Z", 410.25],
    ]);
    expect(written[0]).toMatchObject({ firstTradeAt: "2026-11-22T03:04:05.000000Z", lastTradeAt: "2026-11-22T03:04:59.999999Z", source: `s3://${INGESTION}/${key}` });
    expect(await keysUnder(INGESTION, "quarantine/")).toEqual([]);
  });

  it("quarantines bad lines with their line number and reason and still counts the good ones", async () => {
    const key = "trades/2026/11/22/03/bad-lines.ndjson.gz";
    const event = await putObject(
      key,
      gzipLines([
        tradeToNdjsonLine(trade({ tradeId: "G-1" })),
        '{"tradeId":"B-1","symbol":"AAPL","price":100,',
        JSON.stringify({ ...trade({ tradeId: "B-2" }), price: "100", side: "hold" }),
        JSON.stringify({ ...trade({ tradeId: "B-3" }), symbol: "aapl" }),
        `{"tradeId":"B-4","note":"${"x".repeat(70_000)}"}`,
        tradeToNdjsonLine(trade({ tradeId: "G-2", price: 105 })),
      ]),
    );
    const result = await handlerWith(database)(event);
    expect(result.objects[0]).toMatchObject({ outcome: "merged", trades: 2, rejectedLines: 4, quarantineKey: `quarantine/${key}.ndjson` });
    expect(await bars()).toEqual([expect.objectContaining({ symbol: "AAPL", trades: 2, open: 100, close: 105, volume: 20 })]);

    const records = (await readObject(INGESTION, `quarantine/${key}.ndjson`))
      .toString()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(records.map((record) => [record.line, record.reason])).toEqual([
      [2, expect.stringMatching(/^not valid JSON: /)],
      [3, 'price: expected a positive number, found "100"; side: expected "buy" or "sell", found "hold"'],
      [4, expect.stringMatching(/^symbol: expected an upper-case ticker/)],
      [5, "line longer than 65536 bytes; not a trade record"],
    ]);
    expect(records[3]).toMatchObject({ raw: expect.stringMatching(/^\{"tradeId":"B-4","note":"x+$/) });
    expect(records[3].raw).toHaveLength(1024);
    expect(records[0]).toMatchObject({ source: `s3://${INGESTION}/${key}`, raw: '{"tradeId":"B-1","symbol":"AAPL","price":100,' });
    expect(logLines).toContainEqual(expect.objectContaining({ level: "WARN", message: "Lines quarantined", rejectedLines: 4 }));
  });

  it("counts an object once however often it is processed, and rewrites the same outputs", async () => {
    const key = "trades/2026/11/22/03/replayed.ndjson.gz";
    const event = await putObject(key, gzipLines([tradeToNdjsonLine(trade({ tradeId: "R-1" })), tradeToNdjsonLine(trade({ tradeId: "R-2", price: 110 }))]));
    const handler = handlerWith(database);
    expect((await handler(event)).objects[0].outcome).toBe("merged");
    const first = await readObject(ANALYTICS, barsKeyFor(key));
    const again = await handler(event);
    expect(again.objects[0]).toMatchObject({ outcome: "duplicate", trades: 2 });
    expect(await bars()).toEqual([expect.objectContaining({ trades: 2, volume: 20, spq: 1000 + 1100 })]);
    expect(await readObject(ANALYTICS, barsKeyFor(key))).toEqual(first);
    expect(logLines).toContainEqual(expect.objectContaining({ level: "WARN", message: "Object was already merged; bars not counted again" }));
  });

  it("counts an object once when duplicate events are processed concurrently", async () => {
    const key = "trades/2026/11/22/03/concurrent.ndjson.gz";
    const event = await putObject(key, gzipLines(Array.from({ length: 500 }, (_, i) => tradeToNdjsonLine(trade({ tradeId: `C-${i}`, symbol: `S${i % 20}` })))));
    const results = await Promise.all([1, 2, 3, 4].map(() => handlerWith(database)(event)));
    expect(results.map((result) => result.objects[0].outcome).sort()).toEqual(["duplicate", "duplicate", "duplicate", "merged"]);
    const { rows } = await sql.query("SELECT sum(trade_count)::int AS trades, count(*)::int AS bars FROM bars_1m");
    expect(rows[0]).toEqual({ trades: 500, bars: 20 });
  });

  it("merges bars from several objects for the same minute, in any order and concurrently", async () => {
    const batches = [
      [trade({ tradeId: "X-2", price: 50, quantity: 1, timestamp: "2026-11-22T03:04:20Z" }), trade({ tradeId: "X-5", price: 58, quantity: 4, timestamp: "2026-11-22T03:04:50Z" })],
      [trade({ tradeId: "X-1", price: 52, quantity: 2, timestamp: "2026-11-22T03:04:01Z" }), trade({ tradeId: "X-4", price: 49, quantity: 1, timestamp: "2026-11-22T03:04:40Z" })],
      [trade({ tradeId: "X-3", price: 60, quantity: 3, timestamp: "2026-11-22T03:04:30Z" }), trade({ tradeId: "X-6", price: 55, quantity: 5, timestamp: "2026-11-22T03:04:55Z" })],
    ];
    const events = await Promise.all(batches.map((batch, i) => putObject(`trades/2026/11/22/03/merge-${i}.ndjson.gz`, gzipLines(batch.map(tradeToNdjsonLine)))));
    const expected = { symbol: "AAPL", minute: "2026-11-22T03:04", open: 52, high: 60, low: 49, close: 55, volume: 16, trades: 6, spq: 50 + 232 + 104 + 49 + 180 + 275, first_trade_id: "X-1", last_trade_id: "X-6" };

    for (const event of [events[2], events[0], events[1]]) await handlerWith(database)(event);
    expect(await bars()).toEqual([expected]);

    // Forget everything, trade identities too: the same trades are new again.
    await sql.query("TRUNCATE processed_objects, bar_contributions, bars_1m, trade_identities, bar_duplicates");
    await Promise.all(events.map((event) => handlerWith(database)(event)));
    expect(await bars()).toEqual([expected]);
    const { rows } = await sql.query("SELECT count(*)::int AS objects, sum(trade_count)::int AS trades FROM bar_contributions");
    expect(rows[0]).toEqual({ objects: 3, trades: 6 });
  });

  it("quarantines a truncated gzip object whole, fails loudly and writes nothing to the database", async () => {
    const key = "trades/2026/11/22/03/truncated.ndjson.gz";
    const complete = gzipLines(Array.from({ length: 2000 }, (_, i) => tradeToNdjsonLine(trade({ tradeId: `T-${i}`, price: 100 + (i % 7) }))));
    const event = await putObject(key, complete.subarray(0, Math.floor(complete.length / 2)));
    const failure = handlerWith(database)(event);
    await expect(failure).rejects.toBeInstanceOf(CorruptObjectError);
    await expect(failure).rejects.toThrow(/not a complete gzip stream: unexpected end of file/);
    expect(await bars()).toEqual([]);
    const { rows } = await sql.query("SELECT count(*)::int AS n FROM processed_objects");
    expect(rows[0].n).toBe(0);
    expect(await keysUnder(ANALYTICS, "bars-1m/2026/11/22/03/truncated")).toEqual([]);
    const records = (await readObject(INGESTION, `quarantine/${key}.ndjson`)).toString().trim().split("\n").map((line) => JSON.parse(line));
    expect(records.at(-1)).toEqual({
      source: `s3://${INGESTION}/${key}`,
      reason: expect.stringMatching(/^object rejected, none of its trades were counted: not a complete gzip stream: unexpected end of file/),
    });
    expect(logLines).toContainEqual(expect.objectContaining({ level: "ERROR", message: "Corrupt ingestion object quarantined; no trades from it were counted" }));
  });

  it("rejects an object that is not gzip at all the same way", async () => {
    const event = await putObject("trades/2026/11/22/03/plain.ndjson.gz", Buffer.from(`${tradeToNdjsonLine(trade())}\n`));
    await expect(handlerWith(database)(event)).rejects.toThrow(/not a complete gzip stream: incorrect header check/);
    expect(await bars()).toEqual([]);
  });

  it("fails the invocation when the database is down, leaving no bars and no analytics object", async () => {
    const key = "trades/2026/11/22/03/db-down.ndjson.gz";
    const event = await putObject(key, gzipLines([tradeToNdjsonLine(trade())]));
    const down = testDatabase(server, { port: await server.unusedPort(), connectAttemptTimeoutMs: 2_000 });
    try {
      const failure = handlerWith(down)(event);
      await expect(failure).rejects.toBeInstanceOf(DatabaseUnavailableError);
      await expect(failure).rejects.toThrow(/is unavailable: connect ECONNREFUSED/);
    } finally {
      await down.end();
    }
    expect(await keysUnder(ANALYTICS, barsKeyFor(key))).toEqual([]);
    const written = await sql.query("SELECT (SELECT count(*) FROM processed_objects)::int AS objects, (SELECT count(*) FROM trade_identities)::int AS identities, (SELECT count(*) FROM bar_duplicates)::int AS duplicates");
    expect(written.rows[0]).toEqual({ objects: 0, identities: 0, duplicates: 0 });
    expect(logLines).toContainEqual(expect.objectContaining({ level: "ERROR", message: "Processing failed; the invocation will be retried" }));
    // The retry, with the database back, counts the object once.
    expect((await handlerWith(database)(event)).objects[0].outcome).toBe("merged");
    expect(await bars()).toEqual([expect.objectContaining({ trades: 1 })]);
  });

  it("refuses to count an object again when its key was overwritten with different content", async () => {
    const key = "trades/2026/11/22/03/overwritten.ndjson.gz";
    await handlerWith(database)(await putObject(key, gzipLines([tradeToNdjsonLine(trade({ tradeId: "O-1" }))])));
    const replaced = await putObject(key, gzipLines([tradeToNdjsonLine(trade({ tradeId: "O-2" }))]));
    await expect(handlerWith(database)(replaced)).rejects.toBeInstanceOf(ReplacedObjectError);
    expect(await bars()).toEqual([expect.objectContaining({ trades: 1, first_trade_id: "O-1" })]);
  });

  it("records an empty object (and one with only bad lines) as processed with no bars", async () => {
    const empty = await handlerWith(database)(await putObject("trades/2026/11/22/03/empty.ndjson.gz", gzipSync("")));
    expect(empty.objects[0]).toMatchObject({ outcome: "merged", trades: 0, rejectedLines: 0, bars: 0 });
    const allBad = await handlerWith(database)(await putObject("trades/2026/11/22/03/all-bad.ndjson.gz", gzipLines(["{}", "[]"])));
    expect(allBad.objects[0]).toMatchObject({ outcome: "merged", trades: 0, rejectedLines: 2, bars: 0, quarantineKey: "quarantine/trades/2026/11/22/03/all-bad.ndjson.gz.ndjson" });
    expect(await bars()).toEqual([]);
    const { rows } = await sql.query("SELECT source_key, trade_count::int AS trades, rejected_line_count::int AS rejected FROM processed_objects ORDER BY source_key");
    expect(rows).toEqual([
      { source_key: "trades/2026/11/22/03/all-bad.ndjson.gz", trades: 0, rejected: 2 },
      { source_key: "trades/2026/11/22/03/empty.ndjson.gz", trades: 0, rejected: 0 },
    ]);
  });

  it("merges objects with more bars than one statement carries", async () => {
    // 2,500 minutes of one symbol: more rows than one INSERT takes, so the merge spans statements in one transaction.
    const lines = Array.from({ length: 2500 }, (_, minute) =>
      tradeToNdjsonLine(trade({ tradeId: `L-${minute}`, price: 100 + minute, timestamp: new Date(Date.UTC(2026, 10, 20, 0, minute, 7)).toISOString() })),
    );
    const result = await handlerWith(database)(await putObject("trades/2026/11/20/00/long.ndjson.gz", gzipLines(lines)));
    expect(result.objects[0]).toMatchObject({ outcome: "merged", trades: 2500, bars: 2500 });
    const { rows } = await sql.query("SELECT count(*)::int AS bars, sum(trade_count)::int AS trades, max(close)::float8 AS last FROM bars_1m");
    expect(rows[0]).toEqual({ bars: 2500, trades: 2500, last: 2599 });
  });

  it("fails an event whose second object is corrupt after merging the first; the retry merges nothing twice", async () => {
    const good = await putObject("trades/2026/11/22/03/multi-good.ndjson.gz", gzipLines([tradeToNdjsonLine(trade({ tradeId: "MG-1" }))]));
    const corrupt = await putObject("trades/2026/11/22/03/multi-corrupt.ndjson.gz", gzipLines([tradeToNdjsonLine(trade({ tradeId: "MC-1" }))]).subarray(0, 20));
    const event: S3Event = { Records: [...good.Records, ...corrupt.Records] };
    await expect(handlerWith(database)(event)).rejects.toBeInstanceOf(CorruptObjectError);
    await expect(handlerWith(database)(event)).rejects.toBeInstanceOf(CorruptObjectError);
    expect(await bars()).toEqual([expect.objectContaining({ trades: 1, first_trade_id: "MG-1" })]);
  });

  it("lists at most the capped number of bad lines and summarises the rest in one record", async () => {
    const spool = new QuarantineSpool(`s3://${INGESTION}/k`, undefined, 2);
    const raw = Buffer.from("bad line");
    for (let line = 1; line <= 5; line += 1) spool.addLine({ line, reason: "not valid JSON" }, raw, 0, raw.length);
    try {
      await spool.upload(s3.client, INGESTION, "quarantine/capped.ndjson");
    } finally {
      spool.dispose();
    }
    const records = (await readObject(INGESTION, "quarantine/capped.ndjson")).toString().trim().split("\n").map((line) => JSON.parse(line));
    expect(records).toEqual([
      { source: `s3://${INGESTION}/k`, line: 1, reason: "not valid JSON", raw: "bad line" },
      { source: `s3://${INGESTION}/k`, line: 2, reason: "not valid JSON", raw: "bad line" },
      { source: `s3://${INGESTION}/k`, reason: "3 more rejected lines after the first 2 are not listed; the source object holds them" },
    ]);
  });
});

describe("process handler: each trade counted once", () => {
  const tradeLines = (trades: readonly Trade[]) => gzipLines(trades.map(tradeToNdjsonLine));
  const processKey = async (key: string, trades: readonly Trade[], clientId: string | null = "client-a", handler = handlerWith(database)) =>
    (await handler(await putObject(key, tradeLines(trades), clientId))).objects[0];
  /** E0..E14 in one minute: distinct prices and quantities so a trade counted twice shows in volume and VWAP. */
  const e = (i: number, overrides: Partial<Trade> = {}) =>
    trade({ tradeId: `E${i}`, price: 100 + i, quantity: 1 + i, timestamp: `2026-11-22T03:04:${String(10 + i).padStart(2, "0")}.000Z`, ...overrides });
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  async function barDuplicates() {
    const { rows } = await sql.query(
      `SELECT symbol, to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS minute, duplicates_skipped::int AS skipped, conflicting_duplicates::int AS conflicting
       FROM bar_duplicates ORDER BY symbol, bucket_start`,
    );
    return rows;
  }

  it("counts a re-batched retry's trades once: E0-E9 then E5-E14 make 15 trades with exact volume and VWAP", async () => {
    const first = await processKey("trades/2026/11/22/03/client-a-key1.ndjson.gz", range(0, 9).map((i) => e(i)));
    const retry = await processKey("trades/2026/11/22/03/client-a-key2.ndjson.gz", range(5, 14).map((i) => e(i)));
    expect(first).toMatchObject({ outcome: "merged", trades: 10, duplicates: 0, conflictingDuplicates: 0 });
    expect(retry).toMatchObject({ outcome: "merged", trades: 10, duplicates: 5, conflictingDuplicates: 0 });
    const all = range(0, 14).map((i) => e(i));
    const volume = all.reduce((sum, t) => sum + t.quantity, 0);
    const spq = all.reduce((sum, t) => sum + t.price * t.quantity, 0);
    expect(await bars()).toEqual([
      { symbol: "AAPL", minute: "2026-11-22T03:04", open: 100, high: 114, low: 100, close: 114, volume, trades: 15, spq, first_trade_id: "E0", last_trade_id: "E14" },
    ]);
    expect(volume).toBe(120);
    expect(await barDuplicates()).toEqual([{ symbol: "AAPL", minute: "2026-11-22T03:04", skipped: 5, conflicting: 0 }]);
    // What the retry object counted (E10-E14) is what its analytics object and bar_contributions hold.
    const written = gunzipSync(await readObject(ANALYTICS, barsKeyFor("trades/2026/11/22/03/client-a-key2.ndjson.gz"))).toString().trim().split("\n").map((line) => JSON.parse(line));
    expect(written).toEqual([expect.objectContaining({ tradeCount: 5, volume: 11 + 12 + 13 + 14 + 15, firstTradeId: "E10", lastTradeId: "E14" })]);
    const { rows } = await sql.query("SELECT source_key, trade_count::int AS trades, duplicate_count::int AS duplicates FROM processed_objects ORDER BY source_key");
    expect(rows).toEqual([
      { source_key: "trades/2026/11/22/03/client-a-key1.ndjson.gz", trades: 10, duplicates: 0 },
      { source_key: "trades/2026/11/22/03/client-a-key2.ndjson.gz", trades: 10, duplicates: 5 },
    ]);
    expect(sns.published).toEqual([]);
  });

  it("identifies a trade by client, venue and trade id", async () => {
    await processKey("trades/2026/11/22/03/id-a.ndjson.gz", [e(1), e(2, { venue: undefined })]);
    // Another venue, no venue vs a venue, another client: all different trades.
    const other = await processKey("trades/2026/11/22/03/id-b.ndjson.gz", [e(1, { venue: "XNYS" }), e(1, { venue: undefined }), e(2, { venue: undefined })]);
    expect(other).toMatchObject({ duplicates: 1 });
    const otherClient = await processKey("trades/2026/11/22/03/id-c.ndjson.gz", [e(1), e(2, { venue: undefined })], "client-b");
    expect(otherClient).toMatchObject({ duplicates: 0 });
    expect((await bars())[0]).toMatchObject({ trades: 6 });
    // Objects not written by ingest carry no client: their trades share the empty client id.
    await processKey("trades/2026/11/22/03/id-d.ndjson.gz", [e(7)], null);
    expect(await processKey("trades/2026/11/22/03/id-e.ndjson.gz", [e(7)], null)).toMatchObject({ duplicates: 1 });
    expect(logLines).toContainEqual(expect.objectContaining({ level: "WARN", message: expect.stringMatching(/^Object has no client-id metadata/) }));
  });

  it("counts the first of two lines with one identity in the same object", async () => {
    const result = await processKey("trades/2026/11/22/03/twice.ndjson.gz", [e(1), e(2), e(1)]);
    expect(result).toMatchObject({ trades: 3, duplicates: 1, conflictingDuplicates: 0 });
    expect(await bars()).toEqual([expect.objectContaining({ trades: 2, volume: 2 + 3 })]);
    const { rows } = await sql.query("SELECT trade_id, line FROM trade_identities ORDER BY trade_id");
    expect(rows).toEqual([
      { trade_id: "E1", line: 1 },
      { trade_id: "E2", line: 2 },
    ]);
  });

  it("counts a trade once when two objects carrying it are processed concurrently, in any line order", async () => {
    // Each object shares 300 trades with the others (in another line order each) and has 50 of its own in other
    // minutes and symbols, so the transactions contend for identity and bar rows in both orders.
    const shared = Array.from({ length: 300 }, (_, i) => trade({ tradeId: `S-${i}`, symbol: `S${i % 7}`, price: 10 + (i % 13), quantity: 1 + (i % 5), timestamp: `2026-11-22T03:${String(i % 60).padStart(2, "0")}:00Z` }));
    const own = (object: number) => Array.from({ length: 50 }, (_, i) => trade({ tradeId: `O${object}-${i}`, symbol: `S${(i + object) % 7}`, price: 20, quantity: 2, timestamp: `2026-11-22T03:${String((i * 7) % 60).padStart(2, "0")}:30Z` }));
    const orders = [shared, [...shared].reverse(), [...shared.slice(150), ...shared.slice(0, 150)], [...shared].sort((a, b) => (a.symbol < b.symbol ? -1 : 1))];
    for (let round = 0; round < 2; round += 1) {
      await sql.query("TRUNCATE processed_objects, bar_contributions, bars_1m, trade_identities, bar_duplicates");
      const events = await Promise.all(orders.map((order, object) => putObject(`trades/2026/11/22/03/concurrent-${round}-${object}.ndjson.gz`, tradeLines([...order, ...own(object)]))));
      const results = await Promise.all(events.map((event) => handlerWith(database)(event)));
      expect(results.map((result) => result.objects[0].outcome)).toEqual(["merged", "merged", "merged", "merged"]);
      // Every shared trade was counted by exactly one object; the others skipped it.
      expect(results.reduce((sum, result) => sum + result.objects[0].duplicates, 0)).toBe(300 * 3);
      const { rows } = await sql.query("SELECT sum(trade_count)::int AS trades, sum(volume)::float8 AS volume FROM bars_1m");
      const expectedVolume = shared.reduce((sum, t) => sum + t.quantity, 0) + 4 * 50 * 2;
      expect(rows[0]).toEqual({ trades: 300 + 4 * 50, volume: expectedVolume });
      const skipped = await sql.query("SELECT sum(duplicates_skipped)::int AS skipped FROM bar_duplicates");
      expect(skipped.rows[0].skipped).toBe(900);
    }
  });

  it("quarantines a conflicting duplicate with its reason, alerts, and leaves the bar as counted", async () => {
    const original = await processKey("trades/2026/11/22/03/conflict-a.ndjson.gz", [e(1), e(2)]);
    expect(original.duplicates).toBe(0);
    const before = await bars();
    const key = "trades/2026/11/22/03/conflict-b.ndjson.gz";
    const changed = [e(1, { price: 150 }), e(2, { side: "sell", timestamp: "2026-11-22T08:04:12.000Z" }), e(3)];
    const result = await processKey(key, changed);
    expect(result).toMatchObject({ outcome: "merged", trades: 3, duplicates: 2, conflictingDuplicates: 2, quarantineKey: `quarantine/${key}.ndjson` });
    // Only E3 was added.
    expect(await bars()).toEqual([{ ...before[0], trades: 3, volume: before[0].volume + 4, spq: before[0].spq + 103 * 4, high: 103, close: 103, last_trade_id: "E3" }]);
    expect(await barDuplicates()).toEqual([{ symbol: "AAPL", minute: "2026-11-22T03:04", skipped: 2, conflicting: 2 }]);

    const records = (await readObject(INGESTION, `quarantine/${key}.ndjson`)).toString().trim().split("\n").map((line) => JSON.parse(line));
    expect(records).toEqual([
      {
        source: `s3://${INGESTION}/${key}`,
        line: 1,
        reason: `conflicting duplicate of trade E1 (venue XNAS) counted from s3://${INGESTION}/trades/2026/11/22/03/conflict-a.ndjson.gz line 1: price 150 here, 101 in the counted copy; not counted`,
        problems: [{ field: "price", message: "150 differs from the counted copy's 101" }],
        tradeId: "E1",
        venue: "XNAS",
        countedFrom: `s3://${INGESTION}/trades/2026/11/22/03/conflict-a.ndjson.gz`,
        countedLine: 1,
      },
      expect.objectContaining({
        line: 2,
        tradeId: "E2",
        problems: [
          { field: "side", message: '"sell" differs from the counted copy\'s "buy"' },
          { field: "timestamp", message: '"2026-11-22T08:04:12.000000Z" differs from the counted copy\'s "2026-11-22T03:04:12.000000Z"' },
        ],
      }),
    ]);
    expect(sns.published).toHaveLength(1);
    expect(sns.published[0]).toMatchObject({ topicArn: alertsTopicArn, subject: "process: 2 conflicting duplicate trades in conflict-b.ndjson.gz" });
    expect(sns.published[0].message).toContain(`s3://${INGESTION}/${key} (client client-a) carried 2 trade(s)`);
    expect(sns.published[0].message).toContain("- line 1: conflicting duplicate of trade E1 (venue XNAS)");
    expect(logLines).toContainEqual(expect.objectContaining({ level: "WARN", message: "Conflicting duplicate trades quarantined", conflictingDuplicates: 2 }));

    // Processing the object again (a retry after a crash between the commit and the alert) rewrites the same
    // outputs, counts nothing, and alerts again: at least once.
    const analytics = await readObject(ANALYTICS, barsKeyFor(key));
    const quarantined = await readObject(INGESTION, `quarantine/${key}.ndjson`);
    const again = await handlerWith(database)(await putObjectEventFor(key));
    expect(again.objects[0]).toMatchObject({ outcome: "duplicate", duplicates: 2, conflictingDuplicates: 2 });
    expect(await readObject(ANALYTICS, barsKeyFor(key))).toEqual(analytics);
    expect(await readObject(INGESTION, `quarantine/${key}.ndjson`)).toEqual(quarantined);
    expect(await barDuplicates()).toEqual([{ symbol: "AAPL", minute: "2026-11-22T03:04", skipped: 2, conflicting: 2 }]);
    expect(sns.published.map((message) => message.message)).toEqual([sns.published[0].message, sns.published[0].message]);
  });

  it("logs an ERROR (which the alert forwarder publishes) when the alert cannot be published, and still counts the object", async () => {
    await processKey("trades/2026/11/22/03/alert-a.ndjson.gz", [e(1)]);
    sns.failNext(1);
    const result = await processKey("trades/2026/11/22/03/alert-b.ndjson.gz", [e(1, { quantity: 99 })]);
    expect(result).toMatchObject({ outcome: "merged", conflictingDuplicates: 1 });
    expect(logLines).toContainEqual(expect.objectContaining({ level: "ERROR", message: "Could not publish the conflicting-duplicates alert" }));
  });

  it("forgets a trade's identity after the retention window: a copy processed later counts again (documented)", async () => {
    await processKey("trades/2026/11/22/03/late-a.ndjson.gz", [e(1), e(2)]);
    // E1 was first seen 8 days ago, E2 just now; the window is 7 days.
    await sql.query("UPDATE trade_identities SET first_seen_at = now() - interval '8 days' WHERE trade_id = 'E1'");
    // Until it is pruned, an expired identity still catches copies; this object's pruning then deletes it.
    expect(await processKey("trades/2026/11/22/03/late-b.ndjson.gz", [e(1), e(2)])).toMatchObject({ duplicates: 2 });
    expect(logLines).toContainEqual(expect.objectContaining({ level: "INFO", message: "Pruned expired trade identities", pruned: 1, retentionDays: RETENTION_DAYS }));
    const { rows } = await sql.query("SELECT trade_id FROM trade_identities ORDER BY trade_id");
    expect(rows).toEqual([{ trade_id: "E2" }]);
    // A copy of E1 arriving now counts again: the bar has E1 twice. E2 is still caught.
    expect(await processKey("trades/2026/11/22/03/late-c.ndjson.gz", [e(1), e(2)])).toMatchObject({ duplicates: 1 });
    expect(await bars()).toEqual([expect.objectContaining({ trades: 3, volume: 2 + 3 + 2 })]);
  });

  it("counts a late trade, older than the window, in its own minute and still skips its copies: the window runs from when a trade was first seen", async () => {
    const minute = new Date(Date.now() - 30 * 86_400_000);
    minute.setUTCSeconds(0, 0);
    const late = trade({ tradeId: "LATE-1", timestamp: new Date(minute.getTime() + 15_000).toISOString() });
    expect(await processKey("trades/late/first.ndjson.gz", [late])).toMatchObject({ duplicates: 0 });
    expect(await processKey("trades/late/copy.ndjson.gz", [late])).toMatchObject({ duplicates: 1 });
    const { rows } = await sql.query("SELECT bucket_start, trade_count::int AS trades FROM bars_1m");
    expect(rows).toEqual([{ bucket_start: minute, trades: 1 }]);
  });

  it("rolls the identities back with everything else when the transaction fails after claiming them", async () => {
    const key = "trades/2026/11/22/03/fails-late.ndjson.gz";
    await processKey("trades/2026/11/22/03/fails-first.ndjson.gz", [e(1)]);
    // A failure after the identity claim: the bar_duplicates upsert (E1 is a duplicate) hits a broken trigger.
    await sql.query(`CREATE FUNCTION fail_now() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await sql.query("CREATE TRIGGER fail_bar_duplicates BEFORE INSERT ON bar_duplicates FOR EACH ROW EXECUTE FUNCTION fail_now()");
    const event = await putObject(key, tradeLines([e(1), e(2)]));
    try {
      await expect(handlerWith(database)(event)).rejects.toThrow(/injected failure/);
    } finally {
      await sql.query("DROP TRIGGER fail_bar_duplicates ON bar_duplicates; DROP FUNCTION fail_now()");
    }
    const { rows } = await sql.query("SELECT trade_id FROM trade_identities ORDER BY trade_id");
    expect(rows).toEqual([{ trade_id: "E1" }]);
    expect((await sql.query("SELECT count(*)::int AS n FROM processed_objects WHERE source_key = $1", [key])).rows[0].n).toBe(0);
    expect(await keysUnder(ANALYTICS, barsKeyFor(key))).toEqual([]);
    // The retry counts E2 once and skips E1.
    expect((await handlerWith(database)(event)).objects[0]).toMatchObject({ outcome: "merged", duplicates: 1 });
    expect(await bars()).toEqual([expect.objectContaining({ trades: 2 })]);
  });

  it("skips a whole object of trades counted before (the benchmark's duplicate case), across staging statements", async () => {
    // More trades than one staging statement carries.
    const many = Array.from({ length: 12_500 }, (_, i) => trade({ tradeId: `D-${i}`, symbol: `S${i % 40}`, price: 50 + (i % 17) / 4, quantity: 1 + (i % 9), timestamp: new Date(Date.UTC(2026, 10, 22, 3, 0) + i * 250).toISOString() }));
    const first = await processKey("trades/2026/11/22/03/all-new.ndjson.gz", many);
    expect(first).toMatchObject({ trades: 12_500, duplicates: 0 });
    const before = await bars();
    const again = await processKey("trades/2026/11/22/03/all-duplicates.ndjson.gz", [...many].reverse());
    expect(again).toMatchObject({ outcome: "merged", trades: 12_500, duplicates: 12_500, conflictingDuplicates: 0, bars: 0 });
    expect(await bars()).toEqual(before);
    const { rows } = await sql.query("SELECT sum(duplicates_skipped)::int AS skipped, count(*)::int AS bars FROM bar_duplicates");
    expect(rows[0]).toEqual({ skipped: 12_500, bars: before.length });
  });
});

/** The event for an object already stored (its current ETag). */
async function putObjectEventFor(key: string): Promise<S3Event> {
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: INGESTION, Key: key }));
  const event = s3ObjectCreatedEvent(INGESTION, key, head.ContentLength ?? 0);
  event.Records[0].s3.object.eTag = (head.ETag ?? "").replace(/"/g, "");
  return event;
}
