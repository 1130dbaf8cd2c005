/**
 * Merges one object's bars into Aurora, exactly once per object.
 *
 * In one transaction: claim the object's row in processed_objects (a retry,
 * a duplicate S3 event or a concurrent invocation for the same object finds
 * the row, or waits on the first one's uncommitted row, and merges nothing),
 * record what it contributed to each bar, then merge into bars_1m with
 * INSERT ... ON CONFLICT DO UPDATE. The merge re-reads the latest committed
 * bar row under its row lock, so concurrent objects adding to the same minute
 * both count; rows are written in (symbol, minute) order so two writers lock
 * them in the same order. Any failure rolls everything back.
 */
import type { ClientBase } from "pg";
import { type BarRecord, microsToIso } from "./bar-aggregator";

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

/** Merges `bars` (ordered by symbol, minute) from `source` once; returns "duplicate" when the object was merged before. */
export async function mergeObjectBars(client: ClientBase, source: SourceObject, bars: readonly BarRecord[], counts: ObjectCounts): Promise<MergeOutcome> {
  await client.query("BEGIN");
  try {
    const claimed = await client.query(
      `INSERT INTO processed_objects (source_bucket, source_key, source_etag, source_version_id, trade_count, rejected_line_count, bar_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (source_bucket, source_key) DO NOTHING`,
      [source.bucket, source.key, source.etag, source.versionId ?? null, counts.trades, counts.rejectedLines, bars.length],
    );
    if (claimed.rowCount === 0) {
      const { rows } = await client.query<{ source_etag: string }>("SELECT source_etag FROM processed_objects WHERE source_bucket = $1 AND source_key = $2", [
        source.bucket,
        source.key,
      ]);
      await client.query("ROLLBACK");
      const previous = rows[0]?.source_etag;
      if (previous !== undefined && previous !== source.etag) {
        throw new ReplacedObjectError(
          `s3://${source.bucket}/${source.key}: already processed with ETag ${previous}, now has ETag ${source.etag}; ingest never rewrites an object, so it was not counted again (investigate, then delete its processed_objects row to reprocess)`,
        );
      }
      return "duplicate";
    }
    for (let start = 0; start < bars.length; start += ROWS_PER_STATEMENT) {
      await client.query(MERGE_SQL, [source.bucket, source.key, ...columns(bars.slice(start, start + ROWS_PER_STATEMENT))]);
    }
    await client.query("COMMIT");
    return "merged";
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
