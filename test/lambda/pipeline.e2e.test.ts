/**
 * The data pipeline end to end on real local services: trades posted through
 * ingest's handler land in s3rver, process turns the object ingest wrote into
 * bars in PostgreSQL (and the analytics bucket), query reads them back.
 * The first test builds each handler as its index.ts does, with clients
 * pointed at the local services; the second runs the deployment zips
 * themselves (esbuild bundles) in separate node processes configured only by
 * environment variables, fetching the database secret from a local Secrets
 * Manager and connecting with TLS verify-full.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { PublishCommand } from "@aws-sdk/client-sns";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { unzipSync } from "fflate";
import { Client } from "pg";
import { testLambdaBundler } from "../support/lambda-packages";
import { createIngestHandler } from "../../stacks/lambda/ingest/ingest";
import { createMigrateHandler } from "../../stacks/lambda/migrate/handler";
import { migrations } from "../../stacks/lambda/migrate/migrations";
import { createProcessHandler } from "../../stacks/lambda/process/handler";
import { createQueryHandler } from "../../stacks/lambda/query/handler";
import type { Database } from "../../stacks/lambda/shared/database";
import { createLogger } from "../../stacks/lambda/shared/logger";
import { type Trade, tradeToNdjsonLine } from "../../stacks/lambda/shared/trade";
import { resetDatabase, testDatabase } from "../support/database";
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalDynamo, type LocalS3, type LocalSns, startLocalDynamo, startLocalS3, startLocalSns, tableShapes } from "../support/local-services";
import { type LocalSecrets, startLocalSecrets } from "../support/local-secrets";
import { findPostgresBinaries, startTestPostgres, type TestPostgres } from "../../harness/postgres";
import { apiGatewayEvent, s3ObjectCreatedEvent } from "./shared/recorded-events";

const INGESTION = "pipeline-ingestion";
const ANALYTICS = "pipeline-analytics";
const API_KEYS = "pipeline-api-keys";
const API_KEY_ID = "k7pipeline1";

let s3: LocalS3;
let dynamo: LocalDynamo;
let sns: LocalSns;
let alertsTopicArn: string;
let server: TestPostgres;
let secrets: LocalSecrets;
let database: Database;
const workDir = mkdtempSync(join(tmpdir(), "pipeline-e2e-"));
// The bundles connect exactly as in Lambda, with TLS verify-full: that needs the native server (PGlite offers no TLS) and openssl.
const bundlesRunnable = process.env.TEST_POSTGRES !== "pglite" && findPostgresBinaries() !== undefined && spawnSync("openssl", ["version"]).status === 0;
const logLines: Record<string, unknown>[] = [];
const logger = createLogger({ write: (line) => logLines.push(JSON.parse(line)) });

beforeAll(async () => {
  [s3, dynamo, sns, server, secrets] = await Promise.all([startLocalS3(), startLocalDynamo(), startLocalSns(), startTestPostgres({ tls: bundlesRunnable }), startLocalSecrets()]);
  alertsTopicArn = sns.createTopic("pipeline-alerts");
  await Promise.all([s3.createBucket(INGESTION), s3.createBucket(ANALYTICS), dynamo.createTable(API_KEYS, tableShapes.apiKeys)]);
  await dynamo.documents.send(new PutCommand({ TableName: API_KEYS, Item: { apiKeyId: API_KEY_ID, clientId: "pipeline-capital", enabled: true } }));
  await resetDatabase(server);
  database = testDatabase(server);
});
afterAll(async () => {
  await database?.end();
  await Promise.all([s3?.stop(), dynamo?.stop(), sns?.stop(), server?.stop(), secrets?.stop()]);
  rmSync(workDir, { recursive: true, force: true });
});

const ingest = () =>
  createIngestHandler({ s3: s3.client, documents: dynamo.documents, config: { bucket: INGESTION, apiKeysTable: API_KEYS }, logger, now: () => new Date("2026-11-22T04:00:00Z") });
const processObjects = () =>
  createProcessHandler({
    s3: s3.client,
    database,
    publisher: { publish: (input) => sns.client.send(new PublishCommand(input)) },
    config: { analyticsBucket: ANALYTICS, alertsTopicArn, tradeIdRetentionDays: 7 },
    logger,
  });
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

async function bars(symbol: string, interval: string, range = { from: "2026-11-22T03:00:00Z", to: "2026-11-22T04:00:00Z" }) {
  const response = await query()({
    ...apiGatewayEvent({ method: "GET", route: "/v1/bars/{symbol}", pathParameters: { symbol } }),
    queryStringParameters: { ...range, interval },
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
        duplicatesSkipped: 0,
        conflictingDuplicates: 0,
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
    expect(await createMigrateHandler({ database, migrations, logger })({})).toEqual({ applied: migrations.map((migration) => migration.file), currentVersion: migrations.length });

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

describe("a client retrying the tail of a batch that timed out, re-batched", () => {
  it("counts each trade once: E0-E9 then E5-E14 under another Idempotency-Key serve 15 trades with exact volume and VWAP", async () => {
    const e = (i: number): Trade => ({
      tradeId: `E${i}`,
      symbol: "RETRY",
      price: 50 + i / 4,
      quantity: 10 + i,
      side: "buy",
      timestamp: `2026-11-22T03:20:${String(i * 3).padStart(2, "0")}.500Z`,
      venue: "XNAS",
    });
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => e(from + i));
    const first = await post(range(0, 9), "retry-batch-first-01");
    const retry = await post(range(5, 14), "retry-batch-second-02");
    expect([first.status, retry.status]).toEqual([201, 201]);
    const outcomes = [];
    for (const key of [first.body.objectKey, retry.body.objectKey]) outcomes.push(...(await processObjects()(await objectCreated(key))).objects);
    expect(outcomes.map((object) => [object.outcome, object.trades, object.duplicates])).toEqual([
      ["merged", 10, 0],
      ["merged", 10, 5],
    ]);

    const minute = await bars("RETRY", "1m", { from: "2026-11-22T03:20:00Z", to: "2026-11-22T03:21:00Z" });
    const trades = range(0, 14);
    const volume = trades.reduce((sum, trade) => sum + trade.quantity, 0);
    const notional = trades.reduce((sum, trade) => sum + trade.price * trade.quantity, 0);
    expect(minute).toEqual([{ ...expectedBars(trades, 1)[0], vwap: notional / volume, duplicatesSkipped: 5 }]);
    expect(minute[0]).toMatchObject({ tradeCount: 15, volume: 255 });
  });
});

const execFileAsync = promisify(execFile);

/** Unpacks a handler's deployment zip and runs `index.handler(event)` in a fresh node process with only `env`. */
async function invokeBundle(name: string, event: unknown, env: Record<string, string>): Promise<unknown> {
  // The packages every test synth uses (warm from the shared synth), unpacked into this file's own folder.
  const artifact = testLambdaBundler().artifactFor(name);
  const dir = mkdtempSync(join(workDir, `${name}-`));
  writeFileSync(join(dir, "index.js"), unzipSync(readFileSync(artifact.zipPath))["index.js"]);
  writeFileSync(join(dir, "event.json"), JSON.stringify(event));
  const script = `require("./index.js").handler(JSON.parse(require("fs").readFileSync("./event.json","utf8"))).then((r) => process.stderr.write("RESULT " + JSON.stringify(r) + "\\n"), (e) => { process.stderr.write("FAILED " + e.message + "\\n"); process.exit(1); });`;
  const { stderr } = await execFileAsync(process.execPath, ["-e", script], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", AWS_REGION: LOCAL_REGION, AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey, ...env },
  });
  const result = stderr.split("\n").find((line) => line.startsWith("RESULT "));
  if (!result) throw new Error(`no result from the bundled ${name} handler; stderr:\n${stderr}`);
  return JSON.parse(result.slice("RESULT ".length));
}

if (!bundlesRunnable) console.log("bundled pipeline test skipped: it needs the native PostgreSQL binaries and openssl (TLS verify-full)");
(bundlesRunnable ? describe : describe.skip)("data pipeline from the deployment zips", () => {
  it("migrates, processes an ingested object and serves its bars with the database secret from Secrets Manager over TLS", async () => {
    await resetDatabase(server);
    const secretArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pipeline-db";
    secrets.put(secretArn, JSON.stringify({ username: server.connection.user, password: "unused-with-trust-auth", engine: "postgres" }));
    const caFile = join(workDir, "db-ca.pem");
    writeFileSync(caFile, server.tlsCertificate ?? "");
    const databaseEnv = {
      DB_HOST: "127.0.0.1",
      DB_PORT: String(server.connection.port),
      DB_NAME: server.connection.database,
      DB_SECRET_ARN: secretArn,
      DB_CA_BUNDLE_PATH: caFile,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    };

    expect(await invokeBundle("migrate", { source: "terraform-apply" }, databaseEnv)).toEqual({ applied: migrations.map((migration) => migration.file), currentVersion: migrations.length });

    const trades = [trade("Z-1", 30, 1, 50, 2), trade("Z-2", 30, 30, 54, 1), trade("Z-3", 31, 0, 52, 4)];
    const key = "trades/2026/11/22/03/bundled-batch.ndjson.gz";
    await s3.client.send(new PutObjectCommand({ Bucket: INGESTION, Key: key, Body: gzipSync(trades.map((t) => `${tradeToNdjsonLine(t)}\n`).join("")) }));
    const processEnv = { ...databaseEnv, ANALYTICS_BUCKET: ANALYTICS, ALERTS_TOPIC_ARN: alertsTopicArn, TRADE_ID_RETENTION_DAYS: "7", AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ENDPOINT_URL_SNS: sns.endpoint };
    const processed = await invokeBundle("process", await objectCreated(key), processEnv);
    expect(processed).toEqual({ objects: [expect.objectContaining({ key, outcome: "merged", trades: 3, bars: 2 })] });

    const response = (await invokeBundle(
      "query",
      {
        ...apiGatewayEvent({ method: "GET", route: "/v1/bars/{symbol}", pathParameters: { symbol: "AAPL" } }),
        queryStringParameters: { from: "2026-11-22T03:30:00Z", to: "2026-11-22T03:35:00Z", interval: "5m" },
      },
      databaseEnv,
    )) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).bars).toEqual(expectedBars(trades, 5));
    // Each cold start fetched the secret once: migrate, process, query.
    expect(secrets.calls.get(secretArn)).toBe(3);
  });
});
