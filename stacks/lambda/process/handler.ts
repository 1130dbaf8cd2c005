/**
 * process: S3 ObjectCreated on the ingestion bucket → 1-minute bars.
 *
 * Per object: stream it (gunzip → lines → bars), then merge the bars into
 * Aurora exactly once (bar-store.ts), then write the bars to the analytics
 * bucket and the bad lines to the quarantine prefix. The S3 writes come last
 * and are deterministic, so a retry after any failure rewrites the same
 * objects and merges nothing twice.
 *
 * A truncated or corrupt gzip object is quarantined whole and fails the
 * invocation without touching the database: counting its readable prefix
 * would silently drop the rest of the batch. A database that is down fails
 * the invocation (S3's asynchronous invoke retries it) with nothing written.
 */
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { S3Event, S3EventRecord } from "aws-lambda";
import { type InvocationContext, invocationRemainingMs } from "../shared/connect-budget";
import type { Database } from "../shared/database";
import type { Logger } from "../shared/logger";
import { BarAggregator, type BarRecord, microsToIso } from "./bar-aggregator";
import { mergeObjectBars, type MergeOutcome, type SourceObject } from "./bar-store";
import { QUARANTINE_PREFIX, QuarantineSpool, quarantineKeyFor } from "./quarantine";
import { aggregateGzipNdjson, CorruptObjectError } from "./trade-stream";

export interface ProcessDependencies {
  readonly s3: S3Client;
  readonly analyticsBucket: string;
  readonly database: Database;
  readonly logger: Logger;
  /** Where bad lines are spooled before upload; default the OS temp dir (Lambda's /tmp). */
  readonly spoolDir?: string;
}

export interface ObjectReport {
  readonly bucket: string;
  readonly key: string;
  readonly outcome: MergeOutcome | "skipped";
  readonly trades: number;
  readonly rejectedLines: number;
  readonly bars: number;
  readonly barsKey?: string;
  readonly quarantineKey?: string;
}

const SOURCE_PREFIX = "trades/";
const SOURCE_SUFFIX = ".ndjson.gz";

/** `trades/2026/11/22/03/x.ndjson.gz` → `bars-1m/2026/11/22/03/x.ndjson.gz` */
export function barsKeyFor(sourceKey: string): string {
  const withoutPrefix = sourceKey.startsWith(SOURCE_PREFIX) ? sourceKey.slice(SOURCE_PREFIX.length) : sourceKey;
  const base = withoutPrefix.endsWith(SOURCE_SUFFIX) ? withoutPrefix.slice(0, -SOURCE_SUFFIX.length) : withoutPrefix;
  return `bars-1m/${base}.ndjson.gz`;
}

/** S3 event keys are URL-encoded with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/^"|"$/g, "");
}

export function barToJson(bar: BarRecord, source: SourceObject): Record<string, unknown> {
  return {
    symbol: bar.symbol,
    interval: "1m",
    start: microsToIso(bar.bucketStart),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    tradeCount: bar.tradeCount,
    sumPriceQty: bar.sumPriceQty,
    vwap: bar.sumPriceQty / bar.volume,
    firstTradeAt: microsToIso(bar.firstTradeAt),
    firstTradeId: bar.firstTradeId,
    lastTradeAt: microsToIso(bar.lastTradeAt),
    lastTradeId: bar.lastTradeId,
    source: `s3://${source.bucket}/${source.key}`,
    sourceEtag: source.etag,
  };
}

export function createProcessHandler(deps: ProcessDependencies): (event: S3Event, context?: InvocationContext) => Promise<{ objects: ObjectReport[] }> {
  const processRecord = async (record: S3EventRecord, context: InvocationContext | undefined): Promise<ObjectReport> => {
    const bucket = record.s3.bucket.name;
    const key = decodeS3Key(record.s3.object.key);
    const log = deps.logger.child({ bucket, key });
    if (key.startsWith(QUARANTINE_PREFIX)) {
      log.warn("Ignoring an object under the quarantine prefix; the trigger should not send these");
      return { bucket, key, outcome: "skipped", trades: 0, rejectedLines: 0, bars: 0 };
    }
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const source: SourceObject = {
      bucket,
      key,
      // The content actually read identifies the object (the event's ETag may be of an older write).
      etag: unquote(object.ETag) || unquote(record.s3.object.eTag),
      ...(object.VersionId ? { versionId: object.VersionId } : {}),
    };
    if (!(object.Body instanceof Readable)) throw new Error(`s3://${bucket}/${key}: GetObject returned no readable body`);

    const spool = new QuarantineSpool(`s3://${bucket}/${key}`, deps.spoolDir);
    const quarantineKey = quarantineKeyFor(key);
    try {
      const aggregator = new BarAggregator();
      let summary;
      try {
        summary = await aggregateGzipNdjson(object.Body, aggregator, spool.addLine);
      } catch (error) {
        if (!(error instanceof CorruptObjectError)) throw error;
        spool.addObjectProblem(`object rejected, none of its trades were counted: ${error.message}`);
        await spool.upload(deps.s3, bucket, quarantineKey);
        log.error("Corrupt ingestion object quarantined; no trades from it were counted", { error, quarantineKey });
        throw error;
      }
      const bars = aggregator.bars();
      const counts = { trades: summary.trades, rejectedLines: summary.rejected };

      // Measured here, after streaming the object: what is left must cover a resume and the merge.
      const client = await deps.database.connect({ remainingMs: invocationRemainingMs(context) });
      let outcome: MergeOutcome;
      try {
        outcome = await mergeObjectBars(client, source, bars, counts);
      } finally {
        client.release();
      }

      const barsKey = barsKeyFor(key);
      const ndjson = bars.map((bar) => JSON.stringify(barToJson(bar, source))).join("\n");
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: deps.analyticsBucket,
          Key: barsKey,
          Body: gzipSync(ndjson.length > 0 ? `${ndjson}\n` : ""),
          ContentType: "application/x-ndjson",
          ContentEncoding: "gzip",
          Metadata: { "source-key": key, "source-etag": source.etag },
        }),
      );
      if (spool.count > 0) await spool.upload(deps.s3, bucket, quarantineKey);

      const report: ObjectReport = {
        bucket,
        key,
        outcome,
        trades: summary.trades,
        rejectedLines: summary.rejected,
        bars: bars.length,
        barsKey,
        ...(spool.count > 0 ? { quarantineKey } : {}),
      };
      if (outcome === "duplicate") log.warn("Object was already merged; bars not counted again", { ...report });
      else log.info("Object processed", { ...report, fastLines: summary.fastLines, decompressedBytes: summary.decompressedBytes });
      if (summary.rejected > 0) log.warn("Lines quarantined", { rejectedLines: summary.rejected, quarantineKey });
      return report;
    } finally {
      spool.dispose();
    }
  };

  return async (event, context) => {
    const objects: ObjectReport[] = [];
    // One at a time: each object's database transaction is independent, and a
    // failure stops the invocation so the whole event is retried (merged
    // objects are then recognised as duplicates).
    for (const record of event.Records ?? []) {
      try {
        objects.push(await processRecord(record, context));
      } catch (error) {
        if (!(error instanceof CorruptObjectError)) {
          deps.logger.error("Processing failed; the invocation will be retried", { error, bucket: record.s3?.bucket?.name, key: record.s3?.object?.key });
        }
        throw error;
      }
    }
    return { objects };
  };
}
