/**
 * The trade-identity check: which trades of an object the platform has not
 * counted before. A trade is identified by the client that sent it, its venue
 * ('' when it names none) and its trade id; trade_identities keeps one row per
 * identity with the fields of the copy that was counted.
 *
 * All of it runs inside the object's merge transaction (bar-store.ts), at READ
 * COMMITTED:
 * 1. stage: the object's trades go into a temporary table, in chunks of
 *    `unnest` arrays (COPY would be faster, see the benchmark, but PGlite's
 *    wire server, which the tests fall back to, does not speak it);
 * 2. claim: one INSERT ... SELECT ... ORDER BY identity ... ON CONFLICT DO
 *    NOTHING. A copy whose identity another transaction inserted and has not
 *    committed waits for it, then is skipped if it committed (PostgreSQL's
 *    documented Read Committed behaviour for ON CONFLICT DO NOTHING, manual
 *    13.2.1 https://www.postgresql.org/docs/16/transaction-iso.html; under
 *    REPEATABLE READ it would be a serialization failure instead). Every
 *    transaction takes these row locks in identity order, then bar rows in
 *    (symbol, minute) order, so two objects carrying the same trades cannot
 *    deadlock;
 * 3. classify (only when something was skipped, or when the object is being
 *    processed again): every staged trade whose identity row points to another
 *    object or line is a duplicate; it is a conflicting duplicate when its
 *    symbol, price, quantity, side or timestamp differs from the counted copy.
 */
import type { ClientBase } from "pg";
import type { TradeLog } from "./trade-log";

/** Rows per staging statement: eight arrays of 10,000 elements, about 400 KB of array literals. */
export const STAGE_ROWS_PER_STATEMENT = 10_000;
/** Conflicts listed one by one (quarantine, alert); the rest are counted. Matches the quarantine's cap on line records. */
export const MAX_LISTED_CONFLICTS = 100_000;

const EPOCH_PLUS_MICROS = "(timestamptz 'epoch' + s.micros * interval '1 microsecond')";

export const STAGE_TABLE_SQL = `
CREATE TEMPORARY TABLE staged_trades (
  line integer NOT NULL,
  venue text COLLATE "C" NOT NULL,
  trade_id text COLLATE "C" NOT NULL,
  symbol text COLLATE "C" NOT NULL,
  micros bigint NOT NULL,
  price double precision NOT NULL,
  quantity double precision NOT NULL,
  buy boolean NOT NULL
) ON COMMIT DROP`;

const STAGE_SQL = `
INSERT INTO staged_trades (line, venue, trade_id, symbol, micros, price, quantity, buy)
SELECT line, venue, trade_id, ($9::text[])[symbol_index + 1], micros, price, quantity, buy
FROM unnest($1::integer[], $2::text[], $3::text[], $4::integer[], $5::bigint[], $6::float8[], $7::float8[], $8::boolean[])
  AS t(line, venue, trade_id, symbol_index, micros, price, quantity, buy)`;

/** Identity order is the lock order; within an object, the first line carrying an identity is the one counted. */
const CLAIM_SQL = `
INSERT INTO trade_identities (client_id, venue, trade_id, symbol, traded_at, price, quantity, side, object_id, line)
SELECT $1, s.venue, s.trade_id, s.symbol, ${EPOCH_PLUS_MICROS}, s.price, s.quantity, CASE WHEN s.buy THEN 'buy' ELSE 'sell' END, $2, s.line
FROM staged_trades s
ORDER BY s.venue, s.trade_id, s.line
ON CONFLICT (client_id, venue, trade_id) DO NOTHING`;

/** A fresh statement, so it sees identities committed by the transactions the claim waited for. */
const CLASSIFY_SQL = `
CREATE TEMPORARY TABLE staged_duplicates ON COMMIT DROP AS
SELECT s.line, s.venue, s.trade_id, s.symbol, s.micros, s.price, s.quantity, s.buy,
       t.symbol AS first_symbol, t.traded_at AS first_traded_at, t.price AS first_price, t.quantity AS first_quantity, t.side AS first_side,
       t.object_id AS first_object_id, t.line AS first_line,
       (s.symbol <> t.symbol OR s.price <> t.price OR s.quantity <> t.quantity OR (CASE WHEN s.buy THEN 'buy' ELSE 'sell' END) <> t.side
        OR ${EPOCH_PLUS_MICROS} <> t.traded_at) AS conflicting
FROM staged_trades s
JOIN trade_identities t ON t.client_id = $1 AND t.venue = s.venue AND t.trade_id = s.trade_id
WHERE (t.object_id, t.line) <> ($2::bigint, s.line)`;

const CONFLICTS_SQL = `
SELECT d.line, d.venue, d.trade_id,
       d.symbol, to_char((timestamptz 'epoch' + d.micros * interval '1 microsecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS traded_at, d.price, d.quantity,
       CASE WHEN d.buy THEN 'buy' ELSE 'sell' END AS side,
       d.first_symbol, to_char(d.first_traded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS first_traded_at, d.first_price, d.first_quantity, d.first_side,
       d.first_line, o.source_bucket AS first_bucket, o.source_key AS first_key
FROM staged_duplicates d
LEFT JOIN processed_objects o ON o.object_id = d.first_object_id
WHERE d.conflicting
ORDER BY d.line
LIMIT ${MAX_LISTED_CONFLICTS}`;

/** Skipped copies are counted on the bar their counted copy is in (a conflicting copy's own symbol or minute may be wrong). */
export const BAR_DUPLICATES_SQL = `
INSERT INTO bar_duplicates AS d (symbol, bucket_start, duplicates_skipped, conflicting_duplicates)
SELECT first_symbol, date_bin(interval '1 minute', first_traded_at, timestamptz 'epoch'), count(*), count(*) FILTER (WHERE conflicting)
FROM staged_duplicates
GROUP BY 1, 2
ORDER BY 1, 2
ON CONFLICT (symbol, bucket_start) DO UPDATE SET
  duplicates_skipped = d.duplicates_skipped + excluded.duplicates_skipped,
  conflicting_duplicates = d.conflicting_duplicates + excluded.conflicting_duplicates,
  updated_at = now()`;

/** One copy that was skipped because its fields differ from the copy counted earlier. */
export interface ConflictingDuplicate {
  readonly line: number;
  readonly venue: string;
  readonly tradeId: string;
  /** The fields that differ: `{ field, this copy's value, the counted copy's value }`. */
  readonly differences: readonly { readonly field: string; readonly found: string | number; readonly counted: string | number }[];
  /** Where the counted copy came from, `s3://bucket/key`, and its line. */
  readonly countedFrom: string;
  readonly countedLine: number;
}

export interface Classification {
  /** Lines of every skipped copy (identical or conflicting), ascending. */
  readonly skippedLines: Int32Array;
  readonly duplicates: number;
  readonly conflicts: number;
  /** The first MAX_LISTED_CONFLICTS conflicts, by line. */
  readonly listedConflicts: readonly ConflictingDuplicate[];
}

export const NO_DUPLICATES: Classification = { skippedLines: new Int32Array(0), duplicates: 0, conflicts: 0, listedConflicts: [] };

/** Loads the object's trades into `staged_trades` (inside the caller's transaction). */
export async function stageTrades(client: ClientBase, log: TradeLog, symbols: readonly string[]): Promise<void> {
  await client.query(STAGE_TABLE_SQL);
  for (let start = 0; start < log.count; start += STAGE_ROWS_PER_STATEMENT) {
    const chunk = log.chunk(start, Math.min(log.count, start + STAGE_ROWS_PER_STATEMENT));
    await client.query(STAGE_SQL, [chunk.lines, chunk.venues, chunk.tradeIds, chunk.symbolIndexes, chunk.micros, chunk.prices, chunk.quantities, chunk.buys, symbols]);
  }
}

/** Inserts the identities of the staged trades that are new; returns how many were. */
export async function claimIdentities(client: ClientBase, clientId: string, objectId: string): Promise<number> {
  const result = await client.query(CLAIM_SQL, [clientId, objectId]);
  return result.rowCount ?? 0;
}

interface ConflictRow {
  line: number;
  venue: string;
  trade_id: string;
  symbol: string;
  traded_at: string;
  price: number;
  quantity: number;
  side: string;
  first_symbol: string;
  first_traded_at: string;
  first_price: number;
  first_quantity: number;
  first_side: string;
  first_line: number;
  first_bucket: string | null;
  first_key: string | null;
}

function differences(row: ConflictRow): ConflictingDuplicate["differences"] {
  const fields: [string, string | number, string | number][] = [
    ["symbol", row.symbol, row.first_symbol],
    ["price", row.price, row.first_price],
    ["quantity", row.quantity, row.first_quantity],
    ["side", row.side, row.first_side],
    ["timestamp", row.traded_at, row.first_traded_at],
  ];
  return fields.filter(([, found, counted]) => found !== counted).map(([field, found, counted]) => ({ field, found, counted }));
}

/**
 * Which staged trades are copies of trades counted from another object or an
 * earlier line (after claimIdentities, or instead of it when the object was
 * processed before). Leaves `staged_duplicates` for BAR_DUPLICATES_SQL.
 */
export async function classifyDuplicates(client: ClientBase, clientId: string, objectId: string): Promise<Classification> {
  await client.query(CLASSIFY_SQL, [clientId, objectId]);
  const totals = await client.query<{ duplicates: string; conflicts: string; lines: string | null }>(
    "SELECT count(*) AS duplicates, count(*) FILTER (WHERE conflicting) AS conflicts, string_agg(line::text, ',') AS lines FROM staged_duplicates",
  );
  const { duplicates, conflicts, lines } = totals.rows[0];
  const skippedLines = lines === null ? new Int32Array(0) : Int32Array.from(lines.split(","), Number).sort();
  const listed = Number(conflicts) === 0 ? [] : (await client.query<ConflictRow>(CONFLICTS_SQL)).rows;
  return {
    skippedLines,
    duplicates: Number(duplicates),
    conflicts: Number(conflicts),
    listedConflicts: listed.map((row) => ({
      line: row.line,
      venue: row.venue,
      tradeId: row.trade_id,
      differences: differences(row),
      countedFrom: row.first_key === null ? "an object no longer recorded" : `s3://${row.first_bucket}/${row.first_key}`,
      countedLine: row.first_line,
    })),
  };
}

/**
 * Deletes identities first seen more than `retentionDays` ago, oldest first,
 * at most `budget` of them in statements of `batchRows`, each its own short
 * transaction; rows another pruner holds are skipped rather than waited for.
 * Returns how many were deleted.
 */
export async function pruneExpiredIdentities(client: ClientBase, retentionDays: number, budget: number, batchRows = 10_000): Promise<number> {
  let deleted = 0;
  while (deleted < budget) {
    const limit = Math.min(batchRows, budget - deleted);
    const result = await client.query(
      `DELETE FROM trade_identities WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM trade_identities WHERE first_seen_at < now() - make_interval(days => $1) ORDER BY first_seen_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
      [retentionDays, limit],
    );
    const count = result.rowCount ?? 0;
    deleted += count;
    if (count < limit) break;
  }
  return deleted;
}
