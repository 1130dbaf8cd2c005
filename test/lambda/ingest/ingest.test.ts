import { gunzipSync } from "node:zlib";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyResult } from "aws-lambda";
import { createIngestHandler, ingestConfigFromEnv } from "../../../stacks/lambda/ingest/ingest";
import { manifest } from "../../../stacks/lambda/ingest/manifest";
import { createLogger } from "../../../stacks/lambda/shared/logger";
import { type LocalDynamo, type LocalS3, startLocalDynamo, startLocalS3, tableShapes } from "../../support/local-services";
import { apiGatewayEvent } from "../shared/recorded-events";

const BUCKET = "ingestion";
const API_KEYS = "api-keys";
const ENABLED_KEY = "k7abc123de";
const DISABLED_KEY = "k7disabled";
const UNKNOWN_KEY = "k7nobodyxx";

const trade = (overrides: Record<string, unknown> = {}) => ({
  tradeId: "T-1",
  symbol: "AAPL",
  price: 189.5,
  quantity: 100,
  side: "buy",
  timestamp: "2024-03-01T14:30:00.123Z",
  venue: "XNAS",
  ...overrides,
});

let s3: LocalS3;
let dynamo: LocalDynamo;
let logLines: string[];
let clock: Date;

beforeAll(async () => {
  // S3's create-only conditional writes enforced, as on AWS.
  [s3, dynamo] = await Promise.all([startLocalS3({ conditionalWrites: true }), startLocalDynamo()]);
  await s3.createBucket(BUCKET);
  await dynamo.createTable(API_KEYS, tableShapes.apiKeys);
  await dynamo.documents.send(new PutCommand({ TableName: API_KEYS, Item: { apiKeyId: ENABLED_KEY, clientId: "acme-capital", enabled: true } }));
  await dynamo.documents.send(new PutCommand({ TableName: API_KEYS, Item: { apiKeyId: DISABLED_KEY, clientId: "former-client", enabled: false } }));
});
afterAll(async () => {
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});
beforeEach(() => {
  logLines = [];
  clock = new Date("2024-03-01T15:00:00.000Z");
});

function handler(bucket = BUCKET) {
  return createIngestHandler({
    s3: s3.client,
    documents: dynamo.documents,
    config: { bucket, apiKeysTable: API_KEYS },
    logger: createLogger({ write: (line) => logLines.push(line) }),
    now: () => clock,
  });
}

function post(body: unknown, options: { apiKeyId?: string | null; headers?: Record<string, string>; raw?: boolean } = {}) {
  return handler()(
    apiGatewayEvent({
      method: "POST",
      route: "/v1/trades",
      body: options.raw ? (body as string) : JSON.stringify(body),
      headers: { "Content-Type": "application/json", ...options.headers },
      apiKeyId: options.apiKeyId === undefined ? ENABLED_KEY : options.apiKeyId,
    }),
  );
}

const bodyOf = (response: APIGatewayProxyResult) => JSON.parse(response.body);

async function objectKeys(): Promise<string[]> {
  const listing = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (listing.Contents ?? []).map((object) => object.Key!).sort();
}

async function readObject(key: string) {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const text = gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString("utf8");
  return { lines: text.split("\n"), metadata: object.Metadata ?? {} };
}

describe("ingest: accepted batches", () => {
  it("writes the batch as gzip NDJSON under the partition of its earliest trade, recording client and count", async () => {
    const trades = [trade({ tradeId: "A-2", timestamp: "2024-03-01T14:31:00Z" }), trade({ tradeId: "A-1", timestamp: "2024-03-01T13:59:59.5+00:00", venue: undefined })];
    const response = await post({ trades }, { headers: { "Idempotency-Key": "batch-0001-aaaa" } });

    expect(response.statusCode).toBe(201);
    const { objectKey, accepted, replayed } = bodyOf(response);
    expect({ objectKey, accepted, replayed }).toEqual({ objectKey: `trades/date=2024-03-01/hour=13/${ENABLED_KEY}-batch-0001-aaaa.ndjson.gz`, accepted: 2, replayed: false });

    const stored = await readObject(objectKey);
    // Trades may arrive out of timestamp order; they are stored as sent.
    expect(stored.lines.filter(Boolean).map((line) => JSON.parse(line))).toEqual([
      trades[0],
      { tradeId: "A-1", symbol: "AAPL", price: 189.5, quantity: 100, side: "buy", timestamp: "2024-03-01T13:59:59.5+00:00" },
    ]);
    expect(stored.lines.at(-1)).toBe("");
    expect(stored.metadata).toMatchObject({ "client-id": "acme-capital", "api-key-id": ENABLED_KEY, "record-count": "2", "received-at": "2024-03-01T15:00:00.000Z", "idempotency-key": "batch-0001-aaaa" });
    expect(JSON.parse(logLines.at(-1)!)).toMatchObject({ level: "INFO", message: "Stored trade batch", clientId: "acme-capital", objectKey, accepted: 2 });
  });

  it("accepts a base64-encoded body (binary media type passthrough)", async () => {
    const response = await handler()(
      apiGatewayEvent({
        method: "POST",
        route: "/v1/trades",
        body: Buffer.from(JSON.stringify({ trades: [trade({ tradeId: "B64-1" })] })).toString("base64"),
        isBase64Encoded: true,
        apiKeyId: ENABLED_KEY,
      }),
    );
    expect(response.statusCode).toBe(201);
    expect(bodyOf(response).accepted).toBe(1);
  });
});

describe("ingest: idempotency", () => {
  it("a retry with the same Idempotency-Key gets 200 and the same key, and the object is written once", async () => {
    const batch = { trades: [trade({ tradeId: "R-1" }), trade({ tradeId: "R-2", side: "sell" })] };
    const first = await post(batch, { headers: { "Idempotency-Key": "retry-key-0001" } });
    expect(first.statusCode).toBe(201);
    const before = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: bodyOf(first).objectKey }));
    const keysBefore = await objectKeys();

    clock = new Date("2024-03-01T18:00:00.000Z");
    // The same key, sent as the IETF draft's structured-field string.
    const retry = await post(batch, { headers: { "idempotency-key": '"retry-key-0001"' } });

    expect(retry.statusCode).toBe(200);
    expect(bodyOf(retry)).toEqual({ objectKey: bodyOf(first).objectKey, accepted: 2, replayed: true });
    expect(await objectKeys()).toEqual(keysBefore);
    const after = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: bodyOf(first).objectKey }));
    // Not rewritten: the metadata still carries the first receipt time.
    expect(after.Metadata?.["received-at"]).toBe("2024-03-01T15:00:00.000Z");
    expect(after.ETag).toBe(before.ETag);
  });

  it("concurrent deliveries of one batch store it once: one 201, the others 200 with the same key", async () => {
    const batch = { trades: [trade({ tradeId: "Q-1" }), trade({ tradeId: "Q-2" })] };
    const keysBefore = await objectKeys();
    const responses = await Promise.all(Array.from({ length: 6 }, () => post(batch, { headers: { "Idempotency-Key": "concurrent-0001" } })));
    expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    const keys = new Set(responses.map((response) => bodyOf(response).objectKey));
    expect(keys.size).toBe(1);
    const added = (await objectKeys()).filter((key) => !keysBefore.includes(key));
    expect(added).toEqual([`idempotency/${ENABLED_KEY}/concurrent-0001.json`, ...keys]);
  });

  it("without an Idempotency-Key, resending the identical batch is still stored once", async () => {
    const batch = { trades: [trade({ tradeId: "H-1" })] };
    const first = await post(batch);
    const again = await post({ trades: [{ ...trade({ tradeId: "H-1" }) }] });
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
    expect(bodyOf(again).objectKey).toBe(bodyOf(first).objectKey);
    expect(bodyOf(first).objectKey).toMatch(new RegExp(`^trades/date=2024-03-01/hour=14/${ENABLED_KEY}-[0-9a-f]{64}\\.ndjson\\.gz$`));
  });

  it("reusing a key for a different batch is refused with 422 and leaves the stored batch alone", async () => {
    const first = await post({ trades: [trade({ tradeId: "C-1" })] }, { headers: { "Idempotency-Key": "conflict-key-01" } });
    const reused = await post({ trades: [trade({ tradeId: "C-2" })] }, { headers: { "Idempotency-Key": "conflict-key-01" } });
    expect(reused.statusCode).toBe(422);
    expect(bodyOf(reused).detail).toMatch(/already used for a different batch/);
    expect((await readObject(bodyOf(first).objectKey)).lines[0]).toContain('"C-1"');
  });

  it("refuses a key reused for a batch whose trades fall in another hour, and concurrent different batches on one key", async () => {
    const first = await post({ trades: [trade({ tradeId: "M-1", timestamp: "2024-03-01T09:00:00Z" })] }, { headers: { "Idempotency-Key": "moved-key-0001" } });
    expect(first.statusCode).toBe(201);
    const keysBefore = await objectKeys();
    const moved = await post({ trades: [trade({ tradeId: "M-1", timestamp: "2024-03-01T11:00:00Z" })] }, { headers: { "Idempotency-Key": "moved-key-0001" } });
    expect(moved.statusCode).toBe(422);

    const racing = await Promise.all(
      ["R-A", "R-B", "R-C"].map((tradeId, hour) => post({ trades: [trade({ tradeId, timestamp: `2024-03-01T0${hour + 1}:00:00Z` })] }, { headers: { "Idempotency-Key": "raced-key-0001" } })),
    );
    expect(racing.map((response) => response.statusCode).sort()).toEqual([201, 422, 422]);
    const added = (await objectKeys()).filter((key) => !keysBefore.includes(key));
    expect(added.filter((key) => key.startsWith("trades/"))).toEqual([bodyOf(racing.find((response) => response.statusCode === 201)!).objectKey]);
  });

  it("a retry after a crash between claiming the key and storing the batch stores it", async () => {
    const batch = { trades: [trade({ tradeId: "K-1" })] };
    const claimed = await post(batch, { headers: { "Idempotency-Key": "crash-key-0001" } });
    const objectKey = bodyOf(claimed).objectKey;
    // As if the first attempt died after its claim: the marker exists, the data object does not.
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: objectKey }));
    const retry = await post(batch, { headers: { "Idempotency-Key": "crash-key-0001" } });
    expect(retry.statusCode).toBe(201);
    expect(bodyOf(retry).objectKey).toBe(objectKey);
    expect((await readObject(objectKey)).lines[0]).toContain('"K-1"');
  });

  it("rejects a malformed Idempotency-Key", async () => {
    const response = await post({ trades: [trade()] }, { headers: { "Idempotency-Key": "../../etc" } });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ title: "Invalid Idempotency-Key" });
  });
});

describe("ingest: bad input is refused and nothing is written", () => {
  let keysBefore: string[];
  beforeEach(async () => {
    keysBefore = await objectKeys();
  });
  afterEach(async () => {
    expect(await objectKeys()).toEqual(keysBefore);
  });

  it("malformed JSON → 400 naming the parse error", async () => {
    const response = await post('{"trades": [', { raw: true });
    expect(response.statusCode).toBe(400);
    expect(response.headers?.["Content-Type"]).toBe("application/problem+json");
    expect(bodyOf(response)).toMatchObject({ status: 400, title: "Malformed JSON", detail: expect.stringMatching(/^The request body is not valid JSON: /) });
  });

  it("a bare array instead of {trades: [...]} → 400 saying what shape is expected", async () => {
    const response = await post([trade()]);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).detail).toBe('Expected a JSON object of the form {"trades": [ ... ]}');
  });

  it("an unknown top-level field → 400", async () => {
    const response = await post({ trades: [trade()], source: "x" });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).detail).toMatch(/Unknown top-level field\(s\) "source"/);
  });

  it("wrong types and a bad symbol → 400 listing every bad record and field", async () => {
    const response = await post({ trades: [trade({ tradeId: "W-1" }), trade({ tradeId: "W-2", price: "189.5", quantity: null }), trade({ tradeId: "W-3", symbol: "aapl!" })] });
    expect(response.statusCode).toBe(400);
    const body = bodyOf(response);
    expect(body.detail).toBe("3 problem(s) in 2 of 3 trade(s); nothing was stored. Fix them and resend the whole batch.");
    expect(body.errors).toEqual([
      { index: 1, field: "price", message: 'expected a positive number, found "189.5"' },
      { index: 1, field: "quantity", message: "expected a positive number, found null" },
      { index: 2, field: "symbol", message: expect.stringMatching(/^expected an upper-case ticker/) },
    ]);
    expect(body.errorCount).toBe(3);
  });

  it("a timestamp without a timezone → 400", async () => {
    const response = await post({ trades: [trade({ timestamp: "2024-03-01T14:30:00" })] });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).errors).toEqual([{ index: 0, field: "timestamp", message: expect.stringMatching(/with a timezone/) }]);
  });

  it("a trade timestamped after receipt (beyond 5 minutes of clock skew) → 400", async () => {
    const response = await post({ trades: [trade({ tradeId: "S-1", timestamp: "2024-03-01T15:04:59Z" }), trade({ tradeId: "S-2", timestamp: "2024-03-01T17:05:01+02:00" })] });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).errors).toEqual([{ index: 1, field: "timestamp", message: '"2024-03-01T17:05:01+02:00" is in the future (received at 2024-03-01T15:00:00.000Z)' }]);
  });

  it("duplicate trade ids → 400 naming both records", async () => {
    const response = await post({ trades: [trade({ tradeId: "D-1" }), trade({ tradeId: "D-2" }), trade({ tradeId: "D-1", price: 190 })] });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).errors).toEqual([{ index: 2, field: "tradeId", message: 'duplicate tradeId "D-1", first seen in record 0' }]);
  });

  it("an empty batch → 400", async () => {
    const response = await post({ trades: [] });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ title: "Empty batch" });
  });

  it("more than 10,000 trades → 413 with the limit", async () => {
    const trades = Array.from({ length: 10_001 }, (_, index) => trade({ tradeId: `O-${index}` }));
    const response = await post({ trades });
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response)).toMatchObject({ limitRecords: 10_000, detail: "The batch holds 10001 trades; the limit is 10000. Split the batch." });
  });

  it("a body over 5 MiB → 413 before parsing", async () => {
    const response = await post(`{"trades": [${JSON.stringify(trade())}]}${" ".repeat(5 * 1024 * 1024)}`, { raw: true });
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response)).toMatchObject({ limitBytes: 5 * 1024 * 1024 });
  });

  it("caps the listed problems at 1,000 but always gives the total", async () => {
    const trades = Array.from({ length: 600 }, (_, index) => trade({ tradeId: `P-${index}`, price: -1, quantity: 0 }));
    const body = bodyOf(await post({ trades }));
    expect(body.errors).toHaveLength(1_000);
    expect(body).toMatchObject({ errorCount: 1_200, errorsTruncated: true });
  });
});

describe("ingest: client authorisation", () => {
  it.each([
    ["a disabled client", DISABLED_KEY],
    ["an API key unknown to the api-keys table", UNKNOWN_KEY],
  ])("%s gets 403 and nothing is written", async (_name, apiKeyId) => {
    const before = await objectKeys();
    const response = await post({ trades: [trade({ tradeId: `F-${apiKeyId}` })] }, { apiKeyId });
    expect(response.statusCode).toBe(403);
    expect(bodyOf(response).detail).toBe("This API key is not enabled for trade ingestion");
    expect(await objectKeys()).toEqual(before);
  });

  it("a request without an API key identity gets 403", async () => {
    const response = await post({ trades: [trade()] }, { apiKeyId: null });
    expect(response.statusCode).toBe(403);
  });

  it("an unknown client learns nothing about its body (403 before validation)", async () => {
    const response = await post("{not json", { apiKeyId: UNKNOWN_KEY, raw: true });
    expect(response.statusCode).toBe(403);
  });
});

describe("ingest: failures of its own", () => {
  it("answers 500 with only the request id when storage fails, and logs the error for the alert forwarder", async () => {
    const response = await handler("no-such-bucket")(
      apiGatewayEvent({ method: "POST", route: "/v1/trades", body: JSON.stringify({ trades: [trade({ tradeId: "X-1" })] }), apiKeyId: ENABLED_KEY, requestId: "req-500" }),
    );
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      type: "about:blank",
      title: "Internal error",
      status: 500,
      detail: "The request could not be completed; quote the request id when reporting it.",
      requestId: "req-500",
    });
    expect(response.body).not.toMatch(/NoSuchBucket|at .*\.ts/);
    const errorLine = logLines.map((line) => JSON.parse(line)).find((entry) => entry.level === "ERROR");
    expect(errorLine).toMatchObject({ requestId: "req-500", error: { name: "NoSuchBucket" } });
  });

  it("refuses methods other than POST with 405 and an Allow header", async () => {
    const response = await handler()(apiGatewayEvent({ method: "GET", route: "/v1/trades", apiKeyId: ENABLED_KEY }));
    expect(response.statusCode).toBe(405);
    expect(response.headers).toMatchObject({ Allow: "POST", "Content-Type": "application/problem+json" });
  });
});

describe("ingest: environment", () => {
  it("reads exactly the variables its manifest declares", () => {
    const env = Object.fromEntries(Object.keys(manifest.environment).map((name) => [name, `value-of-${name}`]));
    expect(ingestConfigFromEnv(env)).toEqual({ bucket: "value-of-INGESTION_BUCKET", apiKeysTable: "value-of-API_KEYS_TABLE" });
    for (const name of Object.keys(manifest.environment)) {
      expect(() => ingestConfigFromEnv({ ...env, [name]: undefined })).toThrow(`Environment variable ${name} is missing or empty`);
    }
  });
});
