/**
 * POST /v1/trades: validates a batch of executed trades and stores it, once,
 * as gzip NDJSON in the ingestion bucket, where the `process` function picks
 * it up (its trigger is prefix `trades/`, suffix `.ndjson.gz`).
 *
 * Request body: `{ "trades": [ {tradeId, symbol, price, quantity, side, timestamp, venue?}, ... ] }`.
 * The envelope (rather than a bare array) leaves room for batch-level fields
 * without breaking clients.
 *
 * Idempotency: the object key is `trades/date=D/hour=H/<api key id>-<key>.ndjson.gz`,
 * where the partition comes from the batch's earliest trade and `<key>` is the
 * `Idempotency-Key` header (or, without one, the batch's SHA-256, so an identical
 * resend is still stored once). With a header, `idempotency/<api key id>/<key>.json`
 * is claimed first (create-only), so a key reused for a different batch gets 422.
 * All creates are S3 conditional writes (`If-None-Match: *`): of concurrent
 * deliveries exactly one stores the batch (201), the others get 200.
 */
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { type Environment, requiredEnv } from "../shared/env";
import { type ApiEvent, type ApiResult, apiKeyIdOf, bodyBytes, headerValue, jsonResponse, problemResponse, withProblemBoundary } from "../shared/http";
import type { Logger } from "../shared/logger";
import { type Trade, type TradeProblem, parseTradeTimestamp, tradeToNdjsonLine, validateTradeBatch } from "../shared/trade";

const gzipAsync = promisify(gzip);

export interface IngestConfig {
  readonly bucket: string;
  readonly apiKeysTable: string;
  /** Most records in one batch; more is a 413. Default 10,000. */
  readonly maxRecords?: number;
  /**
   * Largest request body in bytes; more is a 413. Default 5 MiB, under Lambda's
   * 6 MB synchronous payload limit so the client gets our message, not a gateway error.
   */
  readonly maxBodyBytes?: number;
  /** How far past receipt time a trade timestamp may be (client clock skew). Default 5 minutes. */
  readonly maxFutureSkewMs?: number;
  /** Most individual problems listed in a 400 (the total is always given). Default 1,000. */
  readonly maxListedProblems?: number;
}

export interface IngestDependencies {
  readonly s3: S3Client;
  readonly documents: DynamoDBDocumentClient;
  readonly config: IngestConfig;
  readonly logger: Logger;
  /** Receipt time (object metadata); injectable for tests. */
  readonly now?: () => Date;
}

export const DEFAULT_MAX_RECORDS = 10_000;
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
const DEFAULT_MAX_LISTED_PROBLEMS = 1_000;
export const DEFAULT_MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** Client-chosen retry key: UUIDs, ULIDs and similar tokens fit. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;
const KEY_SEGMENT_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** The environment variables listed in manifest.ts, parsed. */
export function ingestConfigFromEnv(env: Environment): IngestConfig {
  return { bucket: requiredEnv(env, "INGESTION_BUCKET"), apiKeysTable: requiredEnv(env, "API_KEYS_TABLE") };
}

/** What `idempotency/<api key id>/<Idempotency-Key>.json` records: which batch claimed the key, and where it is stored. */
interface IdempotencyMarker {
  readonly objectKey: string;
  readonly batchSha256: string;
  readonly accepted: number;
  readonly receivedAt: string;
}

/** An item of the api-keys table: `apiKeyId` (hash key) → which client it belongs to and whether it may send data. */
interface ApiKeyItem {
  readonly apiKeyId: string;
  readonly clientId?: unknown;
  readonly enabled?: unknown;
}

function pad2(value: number): string {
  return String(value).padStart(2, "0");
}

/**
 * Partition by the batch's earliest trade time (UTC), not by receipt time: a
 * retry hours later must land on the same key to be recognised, and analytics
 * reads partitions by when trades happened.
 */
export function partitionOf(trades: readonly Trade[]): string {
  let earliest = Infinity;
  for (const trade of trades) earliest = Math.min(earliest, parseTradeTimestamp(trade.timestamp)!);
  const at = new Date(Math.floor(earliest));
  return `date=${at.getUTCFullYear()}-${pad2(at.getUTCMonth() + 1)}-${pad2(at.getUTCDate())}/hour=${pad2(at.getUTCHours())}`;
}

function keySegment(value: string): string {
  return KEY_SEGMENT_PATTERN.test(value) ? value : createHash("sha256").update(value).digest("hex").slice(0, 32);
}

/** S3 user metadata must be ASCII. */
function metadataValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

function isPreconditionFailed(error: unknown): boolean {
  const candidate = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return candidate?.name === "PreconditionFailed" || candidate?.$metadata?.httpStatusCode === 412;
}

function isNotFound(error: unknown): boolean {
  const candidate = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return candidate?.name === "NotFound" || candidate?.name === "NoSuchKey" || candidate?.$metadata?.httpStatusCode === 404;
}

export function createIngestHandler(deps: IngestDependencies): (event: ApiEvent) => Promise<ApiResult> {
  const { s3, documents, config, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const maxRecords = config.maxRecords ?? DEFAULT_MAX_RECORDS;
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxListedProblems = config.maxListedProblems ?? DEFAULT_MAX_LISTED_PROBLEMS;
  const maxFutureSkewMs = config.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;

  /** The stored object's batch hash, or undefined when no object has that key. */
  const storedBatchHash = async (key: string): Promise<string | undefined> => {
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: config.bucket, Key: key }));
      return head.Metadata?.["batch-sha256"] ?? "";
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };

  /** Creates the object unless the key exists (S3 conditional write); false when it already existed. */
  const putIfAbsent = async (key: string, body: string | Uint8Array, contentType: string, metadata: Record<string, string>): Promise<boolean> => {
    try {
      await s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: "*", Metadata: metadata }));
      return true;
    } catch (error) {
      if (isPreconditionFailed(error)) return false;
      throw error;
    }
  };

  const readMarker = async (key: string): Promise<IdempotencyMarker | undefined> => {
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: key }));
      return JSON.parse(await object.Body!.transformToString()) as IdempotencyMarker;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };

  return withProblemBoundary(logger, async (event, log) => {
    const requestId = event.requestContext?.requestId;
    const problem = (status: number, title: string, detail: string, extra: { errors?: readonly unknown[]; extra?: Record<string, unknown> } = {}) =>
      problemResponse(status, { title, detail, ...extra }, requestId);

    if (event.httpMethod !== "POST") {
      const response = problem(405, "Method not allowed", `${event.httpMethod} is not supported here; send POST /v1/trades`);
      return { ...response, headers: { ...response.headers, Allow: "POST" } };
    }
    const apiKeyId = apiKeyIdOf(event);
    if (!apiKeyId) return problem(403, "Forbidden", "The request carries no API key; send your key in the x-api-key header");

    // The IETF draft sends the key as a structured-field string ("..."); Stripe-style clients send it bare.
    const rawIdempotencyKey = headerValue(event, "Idempotency-Key")?.trim();
    const idempotencyHeader = rawIdempotencyKey?.match(/^"(.*)"$/)?.[1] ?? rawIdempotencyKey;
    if (idempotencyHeader !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyHeader)) {
      return problem(400, "Invalid Idempotency-Key", `Idempotency-Key must be 8-128 characters of letters, digits, "_" or "-" (a UUID works), found ${JSON.stringify(idempotencyHeader.slice(0, 140))}`);
    }

    const body = bodyBytes(event);
    if (body.length > maxBodyBytes) {
      return problem(413, "Batch too large", `The request body is ${body.length} bytes; the limit is ${maxBodyBytes} bytes. Split the batch.`, { extra: { limitBytes: maxBodyBytes } });
    }

    // Authenticate before reading the body: unknown or disabled clients learn nothing about validation.
    const keyItem = (await documents.send(new GetCommand({ TableName: config.apiKeysTable, Key: { apiKeyId } }))).Item as ApiKeyItem | undefined;
    if (!keyItem || keyItem.enabled !== true) {
      log.warn("Rejected trade batch from an unknown or disabled API key", { apiKeyId, known: Boolean(keyItem) });
      return problem(403, "Forbidden", "This API key is not enabled for trade ingestion");
    }
    const clientId = typeof keyItem.clientId === "string" && keyItem.clientId !== "" ? keyItem.clientId : apiKeyId;

    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch (error) {
      return problem(400, "Malformed JSON", `The request body is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || !Array.isArray((parsed as { trades?: unknown }).trades)) {
      return problem(400, "Invalid trade batch", 'Expected a JSON object of the form {"trades": [ ... ]}');
    }
    const unknownFields = Object.keys(parsed).filter((field) => field !== "trades");
    if (unknownFields.length > 0) {
      return problem(400, "Invalid trade batch", `Unknown top-level field(s) ${unknownFields.map((field) => JSON.stringify(field)).join(", ")}; expected only "trades"`);
    }
    const records = (parsed as { trades: unknown[] }).trades;
    if (records.length === 0) return problem(400, "Empty batch", "The batch holds no trades; send at least one");
    if (records.length > maxRecords) {
      return problem(413, "Batch too large", `The batch holds ${records.length} trades; the limit is ${maxRecords}. Split the batch.`, { extra: { limitRecords: maxRecords } });
    }

    const receivedAt = now();
    const validation = validateTradeBatch(records);
    const problems: TradeProblem[] = validation.ok ? [] : [...validation.problems];
    if (validation.ok) {
      // A trade cannot have happened after we received it; beyond clock skew it would create bars in the future.
      const latestAllowed = receivedAt.getTime() + maxFutureSkewMs;
      validation.trades.forEach((trade, index) => {
        if (parseTradeTimestamp(trade.timestamp)! > latestAllowed) {
          problems.push({ index, field: "timestamp", message: `${JSON.stringify(trade.timestamp)} is in the future (received at ${receivedAt.toISOString()})` });
        }
      });
    }
    if (!validation.ok || problems.length > 0) {
      const badRecords = new Set(problems.map((item) => item.index)).size;
      const listed = problems.slice(0, maxListedProblems);
      return problem(
        400,
        "Invalid trade batch",
        `${problems.length} problem(s) in ${badRecords} of ${records.length} trade(s); nothing was stored. Fix them and resend the whole batch.`,
        { errors: listed, extra: { errorCount: problems.length, ...(listed.length < problems.length ? { errorsTruncated: true } : {}) } },
      );
    }

    const trades = validation.trades;
    const ndjson = `${trades.map(tradeToNdjsonLine).join("\n")}\n`;
    const batchHash = createHash("sha256").update(ndjson).digest("hex");
    // Without a header, the batch's own hash is the key: resending the identical batch is still stored once.
    const idempotencyKey = idempotencyHeader ?? batchHash;
    const objectKey = `trades/${partitionOf(trades)}/${keySegment(apiKeyId)}-${idempotencyKey}.ndjson.gz`;

    const conflict = (): ApiResult =>
      problem(422, "Idempotency-Key reused", "This Idempotency-Key was already used for a different batch; use a new key for new trades");
    const replayed = (): ApiResult => {
      log.info("Replayed trade batch", { clientId, objectKey, accepted: trades.length });
      return jsonResponse(200, { objectKey, accepted: trades.length, replayed: true });
    };

    if (idempotencyHeader) {
      // Claim the key before writing data, so a key reused for a different batch is refused wherever its
      // trades would be partitioned, and two different batches racing on one key cannot both be stored.
      const markerKey = `idempotency/${keySegment(apiKeyId)}/${idempotencyHeader}.json`;
      const claim: IdempotencyMarker = { objectKey, batchSha256: batchHash, accepted: trades.length, receivedAt: receivedAt.toISOString() };
      let marker = await readMarker(markerKey);
      if (!marker && !(await putIfAbsent(markerKey, JSON.stringify(claim), "application/json", { "api-key-id": metadataValue(apiKeyId) }))) {
        marker = await readMarker(markerKey);
      }
      if (marker && marker.batchSha256 !== batchHash) return conflict();
    }

    const existing = await storedBatchHash(objectKey);
    if (existing !== undefined) return existing === batchHash ? replayed() : conflict();
    const compressed = await gzipAsync(ndjson);
    const written = await putIfAbsent(objectKey, compressed, "application/gzip", {
      "client-id": metadataValue(clientId),
      "api-key-id": metadataValue(apiKeyId),
      "record-count": String(trades.length),
      "batch-sha256": batchHash,
      "received-at": receivedAt.toISOString(),
      ...(idempotencyHeader ? { "idempotency-key": idempotencyHeader } : {}),
    });
    if (!written) {
      // A concurrent delivery of the same batch won the race.
      return (await storedBatchHash(objectKey)) === batchHash ? replayed() : conflict();
    }
    log.info("Stored trade batch", { clientId, objectKey, accepted: trades.length, bytes: compressed.length });
    return jsonResponse(201, { objectKey, accepted: trades.length, replayed: false });
  });
}
