/**
 * Merges one object's trades into Aurora: each object once, each trade once.
 *
 * In one READ COMMITTED transaction: claim the object's row in
 * processed_objects (a retry, a duplicate S3 event or a concurrent invocation
 * for the same object finds the row, or waits on the first one's uncommitted
 * row, and counts nothing); record the identity of every trade that is new
 * (trade-identities.ts: a trade counted before, from any object, is skipped
 * and counted as a duplicate, a copy whose fields differ is a conflicting
 * duplicate); record what the object contributed to each bar and merge that
 * into bars_1m with INSERT ... ON CONFLICT DO UPDATE; add the skipped copies
 * to bar_duplicates. The merge re-reads the latest committed bar row under its
 * row lock, so concurrent objects adding to the same minute both count. Locks
 * are taken in one global order (the object row, then identities in identity
 * order, then bars, then bar_duplicates, each in (symbol, minute) order), so
 * concurrent writers cannot deadlock. Any failure rolls everything back.
 */
import type { ClientBase } from "pg";
import { type BarAggregator, type BarRecord, microsToIso } from "./bar-aggregator";
import { BAR_DUPLICATES_SQL, type Classification, claimIdentities, classifyDuplicates, NO_DUPLICATES, stageTrades } from "./trade-identities";
import type { TradeLog } from "./trade-log";

export interface SourceObject {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly versionId?: string;
}

export interface ObjectCounts {
  readonly trades: number;
  readonly rejectedLines: number;
}

export type MergeOutcome = "merged" | "duplicate";

/** The object under this key was processed before with different content: counting it again could double count. */
export class ReplacedObjectError extends Error {
  override readonly name = "ReplacedObjectError";
}

const ROWS_PER_STATEMENT = 2_000;

const MERGE_SQL = `
WITH input AS (
  SELECT *
  FROM unnest($3::text[], $4::timestamptz[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], $10::bigint[],
              $11::numeric[], $12::timestamptz[], $13::text[], $14::timestamptz[], $15::text[])
    AS t(symbol, bucket_start, open, high, low, close, volume, trade_count, sum_price_qty, first_trade_at, first_trade_id, last_trade_at, last_trade_id)
),
contributions AS (
  INSERT INTO bar_contributions (source_bucket, source_key, symbol, bucket_start, open, high, low, close, volume, trade_count, sum_price_qty,
                                 first_trade_at, first_trade_id, last_trade_at, last_trade_id)
  SELECT $1, $2, symbol, bucket_start, open, high, low, close, volume, trade_count, sum_price_qty, first_trade_at, first_trade_id, last_trade_at, last_trade_id
  FROM input
)
INSERT INTO bars_1m AS bar (symbol, bucket_start, open, high, low, close, volume, trade_count, sum_price_qty,
                            first_trade_at, first_trade_id, last_trade_at, last_trade_id)
SELECT symbol, bucket_start, open, high, low, close, volume, trade_count, sum_price_qty, first_trade_at, first_trade_id, last_trade_at, last_trade_id
FROM input
ORDER BY symbol, bucket_start
ON CONFLICT (symbol, bucket_start) DO UPDATE SET
  open = CASE WHEN (excluded.first_trade_at, excluded.first_trade_id) < (bar.first_trade_at, bar.first_trade_id) THEN excluded.open ELSE bar.open END,
  first_trade_id = CASE WHEN (excluded.first_trade_at, excluded.first_trade_id) < (bar.first_trade_at, bar.first_trade_id) THEN excluded.first_trade_id ELSE bar.first_trade_id END,
  first_trade_at = LEAST(bar.first_trade_at, excluded.first_trade_at),
  close = CASE WHEN (excluded.last_trade_at, excluded.last_trade_id) > (bar.last_trade_at, bar.last_trade_id) THEN excluded.close ELSE bar.close END,
  last_trade_id = CASE WHEN (excluded.last_trade_at, excluded.last_trade_id) > (bar.last_trade_at, bar.last_trade_id) THEN excluded.last_trade_id ELSE bar.last_trade_id END,
  last_trade_at = GREATEST(bar.last_trade_at, excluded.last_trade_at),
  high = GREATEST(bar.high, excluded.high),
  low = LEAST(bar.low, excluded.low),
  volume = bar.volume + excluded.volume,
  trade_count = bar.trade_count + excluded.trade_count,
  sum_price_qty = bar.sum_price_qty + excluded.sum_price_qty,
  updated_at = now()
`;

function columns(bars: readonly BarRecord[]): unknown[] {
  return [
    bars.map((bar) => bar.symbol),
    bars.map((bar) => microsToIso(bar.bucketStart)),
    bars.map((bar) => String(bar.open)),
    bars.map((bar) => String(bar.high)),
    bars.map((bar) => String(bar.low)),
    bars.map((bar) => String(bar.close)),
    bars.map((bar) => String(bar.volume)),
    bars.map((bar) => String(bar.tradeCount)),
    bars.map((bar) => String(bar.sumPriceQty)),
    bars.map((bar) => microsToIso(bar.firstTradeAt)),
    bars.map((bar) => bar.firstTradeId),
    bars.map((bar) => microsToIso(bar.lastTradeAt)),
    bars.map((bar) => bar.lastTradeId),
  ];
}

/** One object's parsed trades: the bars built while parsing, and every trade for the identity check. */
export interface ObjectTrades {
  /** The client that sent them (the object's `client-id` metadata); part of every trade's identity. */
  readonly clientId: string;
  readonly aggregator: BarAggregator;
  readonly log: TradeLog;
  readonly counts: ObjectCounts;
}

export interface MergeResult {
  readonly outcome: MergeOutcome;
  /** The bars this object counts (or counted, when it was merged before): its trades minus the skipped copies, ordered by symbol, minute. */
  readonly bars: BarRecord[];
  /** Which of its trades were copies of trades counted before. */
  readonly duplicates: Classification;
  /** Trade identities this merge recorded (0 for a duplicate object). */
  readonly newIdentities: number;
}

/** Merges `trades` from `source` once, skipping trades counted before; "duplicate" when the object was merged before (nothing is written then). */
export async function mergeObjectTrades(client: ClientBase, source: SourceObject, trades: ObjectTrades): Promise<MergeResult> {
  // Explicit, whatever the server's default: ON CONFLICT DO NOTHING must wait for and then skip a concurrently
  // committed identity, which only READ COMMITTED does (REPEATABLE READ raises a serialization failure).
  await client.query("BEGIN ISOLATION LEVEL READ COMMITTED");
  try {
    const claimed = await client.query<{ object_id: string }>(
      `INSERT INTO processed_objects (source_bucket, source_key, source_etag, source_version_id, trade_count, rejected_line_count, bar_count)
       VALUES ($1, $2, $3, $4, $5, $6, 0)
       ON CONFLICT (source_bucket, source_key) DO NOTHING
       RETURNING object_id`,
      [source.bucket, source.key, source.etag, source.versionId ?? null, trades.counts.trades, trades.counts.rejectedLines],
    );
    let objectId: string;
    let outcome: MergeOutcome;
    if (claimed.rowCount === 0) {
      const { rows } = await client.query<{ source_etag: string; object_id: string }>(
        "SELECT source_etag, object_id FROM processed_objects WHERE source_bucket = $1 AND source_key = $2",
        [source.bucket, source.key],
      );
      const previous = rows[0];
      if (previous === undefined) throw new Error(`s3://${source.bucket}/${source.key}: its processed_objects row conflicted but cannot be read; retry`);
      if (previous.source_etag !== source.etag) {
        throw new ReplacedObjectError(
          `s3://${source.bucket}/${source.key}: already processed with ETag ${previous.source_etag}, now has ETag ${source.etag}; ingest never rewrites an object, so it was not counted again (investigate, then delete its processed_objects row to reprocess)`,
        );
      }
      objectId = previous.object_id;
      outcome = "duplicate";
    } else {
      objectId = claimed.rows[0].object_id;
      outcome = "merged";
    }

    let duplicates = NO_DUPLICATES;
    let newIdentities = 0;
    if (trades.log.count > 0) {
      await stageTrades(client, trades.log, trades.aggregator.symbolNames());
      if (outcome === "merged") newIdentities = await claimIdentities(client, trades.clientId, objectId);
      // Classified again for an object merged before, so its outputs can be rewritten exactly as the first time.
      if (outcome === "duplicate" || newIdentities < trades.log.count) duplicates = await classifyDuplicates(client, trades.clientId, objectId);
    }
    const bars = duplicates.duplicates > 0 ? trades.log.aggregateExcept(trades.aggregator, duplicates.skippedLines).bars() : trades.aggregator.bars();
    if (outcome === "duplicate") {
      await client.query("ROLLBACK");
      return { outcome, bars, duplicates, newIdentities };
    }
    for (let start = 0; start < bars.length; start += ROWS_PER_STATEMENT) {
      await client.query(MERGE_SQL, [source.bucket, source.key, ...columns(bars.slice(start, start + ROWS_PER_STATEMENT))]);
    }
    if (duplicates.duplicates > 0) await client.query(BAR_DUPLICATES_SQL);
    await client.query("UPDATE processed_objects SET bar_count = $2, duplicate_count = $3, conflict_count = $4 WHERE object_id = $1", [
      objectId,
      bars.length,
      duplicates.duplicates,
      duplicates.conflicts,
    ]);
    await client.query("COMMIT");
    return { outcome, bars, duplicates, newIdentities };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
