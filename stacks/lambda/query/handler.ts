/**
 * query: GET /v1/bars/{symbol} from the Aurora reader. 5m and 1h bars are
 * rolled up in SQL from the 1-minute rows with the same rules process merges
 * by: open of the earliest trade, close of the latest (ties by trade id),
 * max/min, sums; VWAP = Σ(price × quantity) / Σ quantity. Each bar also says
 * how many copies of its trades process skipped as duplicates (and how many
 * of those differed from the counted copy), from bar_duplicates.
 */
import type { ClientBase } from "pg";
import { type InvocationContext, invocationRemainingMs } from "../shared/connect-budget";
import { type Database, DatabaseUnavailableError } from "../shared/database";
import { type ApiEvent, type ApiResult, jsonResponse, problemResponse, withProblemBoundary } from "../shared/http";
import type { Logger } from "../shared/logger";
import { type BarsRequest, encodeCursor, INTERVALS, parseBarsRequest } from "./bars-request";

export interface QueryDependencies {
  readonly database: Database;
  readonly logger: Logger;
}

export interface BarJson {
  readonly start: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly tradeCount: number;
  readonly vwap: number;
  /** Copies of this bar's trades that were sent again (any object) and skipped, not counted. */
  readonly duplicatesSkipped: number;
  /** Of those, copies whose fields differed from the counted copy (quarantined and alerted). */
  readonly conflictingDuplicates: number;
}

const BARS_SQL = `
SELECT date_bin($2::interval, bar.bucket_start, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS start,
       (array_agg(bar.open ORDER BY bar.first_trade_at, bar.first_trade_id))[1] AS open,
       max(bar.high) AS high,
       min(bar.low) AS low,
       (array_agg(bar.close ORDER BY bar.last_trade_at DESC, bar.last_trade_id DESC))[1] AS close,
       sum(bar.volume) AS volume,
       sum(bar.trade_count) AS trade_count,
       sum(bar.sum_price_qty) / sum(bar.volume) AS vwap,
       coalesce(sum(dup.duplicates_skipped), 0) AS duplicates_skipped,
       coalesce(sum(dup.conflicting_duplicates), 0) AS conflicting_duplicates
FROM bars_1m bar
LEFT JOIN bar_duplicates dup ON dup.symbol = bar.symbol AND dup.bucket_start = bar.bucket_start
WHERE bar.symbol = $1 AND bar.bucket_start >= $3 AND bar.bucket_start < $4
GROUP BY 1
ORDER BY 1
LIMIT $5`;

interface BarRow {
  start: Date;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  trade_count: string;
  vwap: string;
  duplicates_skipped: string;
  conflicting_duplicates: string;
}

/** One page of bars plus the start of the next bucket when there are more. */
export async function readBars(client: ClientBase, request: BarsRequest): Promise<{ bars: BarJson[]; nextStartMs?: number }> {
  const { rows } = await client.query<BarRow>(BARS_SQL, [
    request.symbol,
    `${INTERVALS[request.interval].minutes} minutes`,
    new Date(request.startMs),
    new Date(request.endMs),
    request.limit + 1,
  ]);
  const bars = rows.slice(0, request.limit).map((row) => ({
    start: row.start.toISOString(),
    open: Number(row.open),
    high: Number(row.high),
    low: Number(row.low),
    close: Number(row.close),
    volume: Number(row.volume),
    tradeCount: Number(row.trade_count),
    vwap: Number(row.vwap),
    duplicatesSkipped: Number(row.duplicates_skipped),
    conflictingDuplicates: Number(row.conflicting_duplicates),
  }));
  return rows.length > request.limit ? { bars, nextStartMs: rows[request.limit].start.getTime() } : { bars };
}

export function createQueryHandler(deps: QueryDependencies): (event: ApiEvent, context?: InvocationContext) => Promise<ApiResult> {
  return withProblemBoundary(deps.logger, async (event, log, context) => {
    const requestId = event.requestContext?.requestId;
    const parsed = parseBarsRequest(event.pathParameters, event.queryStringParameters);
    if (parsed.problems) {
      return problemResponse(
        400,
        { title: "Invalid bars query", detail: parsed.problems.map((problem) => `${problem.parameter}: ${problem.message}`).join("; "), errors: parsed.problems },
        requestId,
      );
    }
    const request = parsed.request;
    let client;
    try {
      // Within what is left of both the function's timeout and API Gateway's
      // 29 s, so a database still resuming is a 503 the client receives.
      client = await deps.database.connect({ remainingMs: invocationRemainingMs(context, event.requestContext?.requestTimeEpoch) });
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) throw error;
      log.error("Database unavailable", { error });
      const response = problemResponse(503, { title: "Service unavailable", detail: "Bars cannot be read right now; retry shortly." }, requestId);
      return { ...response, headers: { ...response.headers, "Retry-After": "5" } };
    }
    try {
      const page = await readBars(client, request);
      return jsonResponse(200, {
        symbol: request.symbol,
        interval: request.interval,
        from: request.from,
        to: request.to,
        bars: page.bars,
        nextCursor: page.nextStartMs !== undefined ? encodeCursor(request, page.nextStartMs) : null,
      });
    } finally {
      client.release();
    }
  });
}
