/**
 * Market data schema: 1-minute bars and the ingestion objects they came from.
 *
 * Bars keep the sums VWAP needs (volume, sum of price × quantity), not the
 * VWAP itself, and the time and trade id of their first and last trade, so
 * bars from several objects for the same minute merge exactly: open is the
 * price of the earliest trade across all of them, close of the latest (ties
 * broken by trade id, byte order), high/low max/min, sums add.
 *
 * processed_objects makes processing idempotent: an object's bars are merged
 * in the same transaction that claims its row, so a retried or duplicated S3
 * event never counts a trade twice. bar_contributions keeps what each object
 * added to each bar, to audit or rebuild bars_1m.
 *
 * Applied once; never edit it after it has shipped (the migrator refuses a
 * changed checksum). Add 0002_... instead.
 */
export const sql = `
CREATE TABLE processed_objects (
  source_bucket      text        NOT NULL,
  source_key         text        NOT NULL,
  -- S3 ETag (and version id when the bucket is versioned) of the processed content.
  source_etag        text        NOT NULL,
  source_version_id  text,
  trade_count        bigint      NOT NULL CHECK (trade_count >= 0),
  rejected_line_count bigint     NOT NULL CHECK (rejected_line_count >= 0),
  bar_count          integer     NOT NULL CHECK (bar_count >= 0),
  processed_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_bucket, source_key)
);

CREATE TABLE bars_1m (
  symbol          text COLLATE "C" NOT NULL,
  bucket_start    timestamptz NOT NULL,
  open            numeric     NOT NULL,
  high            numeric     NOT NULL,
  low             numeric     NOT NULL,
  close           numeric     NOT NULL,
  volume          numeric     NOT NULL CHECK (volume > 0),
  trade_count     bigint      NOT NULL CHECK (trade_count > 0),
  sum_price_qty   numeric     NOT NULL CHECK (sum_price_qty > 0),
  first_trade_at  timestamptz NOT NULL,
  first_trade_id  text COLLATE "C" NOT NULL,
  last_trade_at   timestamptz NOT NULL,
  last_trade_id   text COLLATE "C" NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (symbol, bucket_start),
  CHECK (mod(extract(epoch FROM bucket_start), 60) = 0),
  CHECK (low <= high),
  CHECK (first_trade_at <= last_trade_at)
);

CREATE TABLE bar_contributions (
  source_bucket   text        NOT NULL,
  source_key      text        NOT NULL,
  symbol          text COLLATE "C" NOT NULL,
  bucket_start    timestamptz NOT NULL,
  open            numeric     NOT NULL,
  high            numeric     NOT NULL,
  low             numeric     NOT NULL,
  close           numeric     NOT NULL,
  volume          numeric     NOT NULL,
  trade_count     bigint      NOT NULL,
  sum_price_qty   numeric     NOT NULL,
  first_trade_at  timestamptz NOT NULL,
  first_trade_id  text COLLATE "C" NOT NULL,
  last_trade_at   timestamptz NOT NULL,
  last_trade_id   text COLLATE "C" NOT NULL,
  PRIMARY KEY (source_bucket, source_key, symbol, bucket_start),
  FOREIGN KEY (source_bucket, source_key) REFERENCES processed_objects (source_bucket, source_key) ON DELETE CASCADE
);

CREATE INDEX bar_contributions_bar ON bar_contributions (symbol, bucket_start);
`;
