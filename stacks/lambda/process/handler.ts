/**
 * process: S3 ObjectCreated on the ingestion bucket → 1-minute bars.
 *
 * Per object: stream it (gunzip → lines → bars, and every trade into a
 * TradeLog), then merge it into Aurora exactly once per object and once per
 * trade (bar-store.ts: a trade the client sent before, in any object, is
 * skipped), then write the bars it counted to the analytics bucket and the bad
 * lines and conflicting duplicates to the quarantine prefix, and tell the
 * alerts topic about conflicting duplicates. The S3 writes are deterministic,
 * so a retry after any failure rewrites the same objects and counts nothing
 * twice. Last, expired trade identities are pruned (best effort).
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
import { type Environment, positiveIntegerEnv, requiredEnv } from "../shared/env";
import type { Logger } from "../shared/logger";
import { BarAggregator, type BarRecord, microsToIso } from "./bar-aggregator";
import { type MergeOutcome, type MergeResult, mergeObjectTrades, type SourceObject } from "./bar-store";
import { QUARANTINE_PREFIX, QuarantineSpool, quarantineKeyFor } from "./quarantine";
import { type ConflictingDuplicate, pruneExpiredIdentities } from "./trade-identities";
import { TradeLog } from "./trade-log";
import { aggregateGzipNdjson, CorruptObjectError } from "./trade-stream";

/** The slice of SNS's Publish input process sends; the real client's `send(new PublishCommand(input))` fits it. */
export interface AlertPublisher {
  publish(input: { readonly TopicArn: string; readonly Subject: string; readonly Message: string }): Promise<unknown>;
}

export interface ProcessConfig {
  readonly analyticsBucket: string;
  /** The alerts topic, told about conflicting duplicates. */
  readonly alertsTopicArn: string;
  /** Days a trade identity is kept after its first copy was counted: a copy arriving later than that may count again. */
  readonly tradeIdRetentionDays: number;
}

/** ANALYTICS_BUCKET, ALERTS_TOPIC_ARN and TRADE_ID_RETENTION_DAYS, as manifest.ts binds them. */
export function processConfigFromEnv(env: Environment): ProcessConfig {
  return {
    analyticsBucket: requiredEnv(env, "ANALYTICS_BUCKET"),
    alertsTopicArn: requiredEnv(env, "ALERTS_TOPIC_ARN"),
    tradeIdRetentionDays: positiveIntegerEnv(env, "TRADE_ID_RETENTION_DAYS"),
  };
}

/** Expired identities each merged object may delete on top of the number it added, so pruning keeps up with any steady load. */
export const PRUNE_SLACK = 10_000;
/** Conflicts named in the alert itself; the quarantine object lists them all. */
const CONFLICTS_IN_ALERT = 20;
/** Who sent an object: ingest's `client-id` metadata (S3 returns user metadata keys in lower case). */
const CLIENT_ID_METADATA = "client-id";

export interface ProcessDependencies {
  readonly s3: S3Client;
  readonly database: Database;
  readonly publisher: AlertPublisher;
  readonly config: ProcessConfig;
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
  /** Trades skipped because they were counted before (from any object, or an earlier line of this one). */
  readonly duplicates: number;
  /** Of those, copies whose fields differed from the counted copy (quarantined, alerted). */
  readonly conflictingDuplicates: number;
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

function describeConflict(conflict: ConflictingDuplicate): string {
  const fields = conflict.differences.map(({ field, found, counted }) => `${field} ${JSON.stringify(found)} here, ${JSON.stringify(counted)} in the counted copy`);
  const venue = conflict.venue === "" ? "no venue" : `venue ${conflict.venue}`;
  return `conflicting duplicate of trade ${conflict.tradeId} (${venue}) counted from ${conflict.countedFrom} line ${conflict.countedLine}: ${fields.join("; ")}; not counted`;
}

function conflictAlert(topicArn: string, source: SourceObject, clientId: string, merged: MergeResult, quarantineKey: string) {
  const { conflicts, listedConflicts } = merged.duplicates;
  const lines = listedConflicts.slice(0, CONFLICTS_IN_ALERT).map((conflict) => `- line ${conflict.line}: ${describeConflict(conflict)}`);
  if (conflicts > lines.length) lines.push(`- … ${conflicts - lines.length} more`);
  const name = source.key.split("/").at(-1) ?? source.key;
  const subject = `process: ${conflicts} conflicting duplicate trade${conflicts === 1 ? "" : "s"} in ${name}`;
  return {
    TopicArn: topicArn,
    // SNS subjects are under 100 characters.
    Subject: subject.length > 99 ? `${subject.slice(0, 98)}…` : subject,
    Message: [
      `s3://${source.bucket}/${source.key} (client ${clientId}) carried ${conflicts} trade(s) whose id was counted before with different fields.`,
      "They were not counted; the bars keep the copy counted first. Ask the client which copy is right: a correction needs a new trade id.",
      `Every conflict is listed in s3://${source.bucket}/${quarantineKey}.`,
      "",
      ...lines,
    ].join("\n"),
  };
}

export function createProcessHandler(deps: ProcessDependencies): (event: S3Event, context?: InvocationContext) => Promise<{ objects: ObjectReport[] }> {
  const { config } = deps;
  /** Best effort: a failure leaves the rows for the next invocation and does not fail this one. */
  const prune = async (budget: number, log: Logger, context: InvocationContext | undefined): Promise<void> => {
    try {
      const client = await deps.database.connect({ remainingMs: invocationRemainingMs(context) });
      try {
        const pruned = await pruneExpiredIdentities(client, config.tradeIdRetentionDays, budget);
        if (pruned > 0) log.info("Pruned expired trade identities", { pruned, retentionDays: config.tradeIdRetentionDays });
      } finally {
        client.release();
      }
    } catch (error) {
      log.warn("Pruning expired trade identities failed; the next invocation retries", { error });
    }
  };

  const processRecord = async (record: S3EventRecord, context: InvocationContext | undefined): Promise<ObjectReport> => {
    const bucket = record.s3.bucket.name;
    const key = decodeS3Key(record.s3.object.key);
    const log = deps.logger.child({ bucket, key });
    if (key.startsWith(QUARANTINE_PREFIX)) {
      log.warn("Ignoring an object under the quarantine prefix; the trigger should not send these");
      return { bucket, key, outcome: "skipped", trades: 0, rejectedLines: 0, duplicates: 0, conflictingDuplicates: 0, bars: 0 };
    }
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const source: SourceObject = {
      bucket,
      key,
      // The content actually read identifies the object (the event's ETag may be of an older write).
      etag: unquote(object.ETag) || unquote(record.s3.object.eTag),
      ...(object.VersionId ? { versionId: object.VersionId } : {}),
    };
    const clientId = object.Metadata?.[CLIENT_ID_METADATA] ?? "";
    if (clientId === "") log.warn("Object has no client-id metadata (not written by ingest); its trades are deduplicated under the empty client id");
    if (!(object.Body instanceof Readable)) throw new Error(`s3://${bucket}/${key}: GetObject returned no readable body`);

    const spool = new QuarantineSpool(`s3://${bucket}/${key}`, deps.spoolDir);
    const quarantineKey = quarantineKeyFor(key);
    try {
      const aggregator = new BarAggregator();
      const tradeLog = new TradeLog();
      let summary;
      try {
        summary = await aggregateGzipNdjson(object.Body, aggregator, spool.addLine, tradeLog);
      } catch (error) {
        if (!(error instanceof CorruptObjectError)) throw error;
        spool.addObjectProblem(`object rejected, none of its trades were counted: ${error.message}`);
        await spool.upload(deps.s3, bucket, quarantineKey);
        log.error("Corrupt ingestion object quarantined; no trades from it were counted", { error, quarantineKey });
        throw error;
      }
      const counts = { trades: summary.trades, rejectedLines: summary.rejected };

      // Measured here, after streaming the object: what is left must cover a resume and the merge.
      const client = await deps.database.connect({ remainingMs: invocationRemainingMs(context) });
      let merged: MergeResult;
      try {
        merged = await mergeObjectTrades(client, source, { clientId, aggregator, log: tradeLog, counts });
      } finally {
        client.release();
      }
      const { outcome, bars, duplicates } = merged;
      for (const conflict of duplicates.listedConflicts) {
        spool.addLineRecord({
          line: conflict.line,
          reason: describeConflict(conflict),
          problems: conflict.differences.map(({ field, found, counted }) => ({ field, message: `${JSON.stringify(found)} differs from the counted copy's ${JSON.stringify(counted)}` })),
          tradeId: conflict.tradeId,
          venue: conflict.venue,
          countedFrom: conflict.countedFrom,
          countedLine: conflict.countedLine,
        });
      }
      if (duplicates.conflicts > duplicates.listedConflicts.length) spool.omitted += duplicates.conflicts - duplicates.listedConflicts.length;

      const barsKey = barsKeyFor(key);
      const ndjson = bars.map((bar) => JSON.stringify(barToJson(bar, source))).join("\n");
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: config.analyticsBucket,
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
        duplicates: duplicates.duplicates,
        conflictingDuplicates: duplicates.conflicts,
        bars: bars.length,
        barsKey,
        ...(spool.count > 0 ? { quarantineKey } : {}),
      };
      if (outcome === "duplicate") log.warn("Object was already merged; bars not counted again", { ...report });
      else log.info("Object processed", { ...report, fastLines: summary.fastLines, decompressedBytes: summary.decompressedBytes });
      if (summary.rejected > 0) log.warn("Lines quarantined", { rejectedLines: summary.rejected, quarantineKey });
      if (outcome === "merged" && duplicates.duplicates > 0) {
        log.info("Trades counted before were skipped", { duplicates: duplicates.duplicates, conflictingDuplicates: duplicates.conflicts, clientId });
      }
      // Also when the object was merged before: a crash between the commit and the publish must not lose
      // the alert, so a retry sends it again (at least once; a duplicate S3 event repeats it).
      if (duplicates.conflicts > 0) {
        log.warn("Conflicting duplicate trades quarantined", { conflictingDuplicates: duplicates.conflicts, quarantineKey, clientId });
        try {
          await deps.publisher.publish(conflictAlert(config.alertsTopicArn, source, clientId, merged, quarantineKey));
        } catch (error) {
          // An ERROR line reaches the alerts topic through the alert forwarder all the same.
          log.error("Could not publish the conflicting-duplicates alert", { error, conflictingDuplicates: duplicates.conflicts, quarantineKey, clientId });
        }
      }
      if (outcome === "merged") await prune(merged.newIdentities + PRUNE_SLACK, log, context);
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
