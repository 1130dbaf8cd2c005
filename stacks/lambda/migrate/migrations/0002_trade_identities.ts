/**
 * Each trade counted once, whichever objects carry it.
 *
 * trade_identities holds one row per trade identity (the client that sent it,
 * its venue, '' when it names none, and its trade id) with the fields of the
 * copy that was counted, the object and line it came from, and when it was
 * first seen. process inserts an object's identities with
 * INSERT ... ON CONFLICT DO NOTHING in the transaction that merges its bars,
 * so a later copy of a trade (in any object, order or concurrent invocation)
 * finds the row and is skipped, and a copy whose fields differ is
 * quarantined instead. Rows are deleted first_seen_at + the retention window
 * later (process prunes them, oldest first, through the first_seen_at index).
 *
 * Not partitioned: PostgreSQL requires a primary key or unique constraint of a
 * partitioned table to include every partition key column (manual 5.11.2.3,
 * https://www.postgresql.org/docs/16/ddl-partitioning.html), so partitioning by
 * trade date would make the date part of the identity, and a copy whose
 * timestamp moved to another UTC day (a time-zone mistake, say) would be
 * neither skipped nor flagged. Pruning therefore deletes rows instead of
 * dropping partitions.
 *
 * processed_objects gets a compact id (what trade_identities points at,
 * without a foreign key: checking one per trade would double the insert's
 * cost) and the object's duplicate counts; bar_duplicates counts, per bar,
 * the copies of its trades that were skipped, kept apart from bars_1m so its
 * CHECK constraints and row locks stay as they are.
 *
 * Applied once; never edit it after it has shipped. Add 0003_... instead.
 */
export const sql = `
ALTER TABLE processed_objects
  ADD COLUMN object_id bigint GENERATED ALWAYS AS IDENTITY,
  -- Copies of trades counted before (by an earlier object, or an earlier line of this one), all skipped.
  ADD COLUMN duplicate_count bigint NOT NULL DEFAULT 0 CHECK (duplicate_count >= 0),
  -- Of those, copies whose fields differed from the counted copy: quarantined and alerted.
  ADD COLUMN conflict_count bigint NOT NULL DEFAULT 0 CHECK (conflict_count >= 0 AND conflict_count <= duplicate_count),
  ADD CONSTRAINT processed_objects_object_id_key UNIQUE (object_id);

CREATE TABLE trade_identities (
  client_id      text COLLATE "C" NOT NULL,
  venue          text COLLATE "C" NOT NULL,
  trade_id       text COLLATE "C" NOT NULL,
  symbol         text COLLATE "C" NOT NULL,
  traded_at      timestamptz NOT NULL,
  -- Doubles, as process reads them: a copy with the same decimal text has the same value.
  price          double precision NOT NULL,
  quantity       double precision NOT NULL,
  side           text NOT NULL CHECK (side IN ('buy', 'sell')),
  object_id      bigint NOT NULL,
  line           integer NOT NULL,
  first_seen_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, venue, trade_id)
);

CREATE INDEX trade_identities_first_seen ON trade_identities (first_seen_at);

CREATE TABLE bar_duplicates (
  symbol                  text COLLATE "C" NOT NULL,
  bucket_start            timestamptz NOT NULL,
  duplicates_skipped      bigint NOT NULL CHECK (duplicates_skipped > 0),
  conflicting_duplicates  bigint NOT NULL CHECK (conflicting_duplicates >= 0 AND conflicting_duplicates <= duplicates_skipped),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (symbol, bucket_start)
);
`;
