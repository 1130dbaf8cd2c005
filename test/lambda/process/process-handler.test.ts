import { gzipSync, gunzipSync } from "node:zlib";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import { Client } from "pg";
import { applyMigrations } from "../../../stacks/lambda/migrate/migrator";
import { migrations } from "../../../stacks/lambda/migrate/migrations";
import { ReplacedObjectError } from "../../../stacks/lambda/process/bar-store";
import { barsKeyFor, createProcessHandler } from "../../../stacks/lambda/process/handler";
import { manifest } from "../../../stacks/lambda/process/manifest";
import { QuarantineSpool } from "../../../stacks/lambda/process/quarantine";
import { CorruptObjectError } from "../../../stacks/lambda/process/trade-stream";
import { type Database, DatabaseUnavailableError } from "../../../stacks/lambda/shared/database";
import { createLogger } from "../../../stacks/lambda/shared/logger";
import { type Trade, tradeToNdjsonLine } from "../../../stacks/lambda/shared/trade";
import { resetDatabase, testDatabase } from "../../support/database";
import { type LocalS3, startLocalS3 } from "../../support/local-services";
import { startTestPostgres, type TestPostgres } from "../../../harness/postgres";
import { s3ObjectCreatedEvent } from "../shared/recorded-events";

const INGESTION = "ingestion";
const ANALYTICS = "analytics";

let s3: LocalS3;
let server: TestPostgres;
let database: Database;
let sql: Client;
let logLines: Record<string, unknown>[];

const logger = () => createLogger({ write: (line) => logLines.push(JSON.parse(line)) });
const handlerWith = (db: Database) => createProcessHandler({ s3: s3.client, analyticsBucket: ANALYTICS, database: db, logger: logger() });

beforeAll(async () => {
  [s3, server] = await Promise.all([startLocalS3(), startTestPostgres()]);
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
  await Promise.all([s3?.stop(), server?.stop()]);
});
beforeEach(async () => {
  logLines = [];
  await sql.query("TRUNCATE processed_objects, bar_contributions, bars_1m");
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

async function putObject(key: string, body: Buffer): Promise<S3Event> {
  await s3.client.send(new PutObjectCommand({ Bucket: INGESTION, Key: key, Body: body }));
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
      { bucket: INGESTION, key, outcome: "merged", trades: 5, rejectedLines: 0, bars: 3, barsKey: "bars-1m/2026/11/22/03/client-a batch+1.ndjson.gz" },
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

    await sql.query("TRUNCATE processed_objects, bar_contributions, bars_1m");
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
