/**
 * GET /v1/bars/{symbol}?from=&to=&interval=1m|5m|1h&limit=&cursor= : the
 * request's validation and its opaque pagination cursor.
 */
import { parseTradeTimestamp, SYMBOL_PATTERN } from "../shared/trade";

export const INTERVALS = {
  "1m": { minutes: 1, maxRangeDays: 7 },
  "5m": { minutes: 5, maxRangeDays: 31 },
  "1h": { minutes: 60, maxRangeDays: 366 },
} as const;
export type Interval = keyof typeof INTERVALS;

export const DEFAULT_LIMIT = 500;
export const MAX_LIMIT = 1000;
const KNOWN_PARAMETERS = new Set(["from", "to", "interval", "limit", "cursor"]);
const DAY_MS = 86_400_000;

export interface BarsRequest {
  readonly symbol: string;
  readonly interval: Interval;
  /** As sent, for the response and the cursor. */
  readonly from: string;
  readonly to: string;
  /** Epoch ms of the first bucket start to return (from rounded up to the interval, or the cursor's position). */
  readonly startMs: number;
  /** Epoch ms: buckets must start before this (to rounded up to the interval). */
  readonly endMs: number;
  readonly limit: number;
}

export interface ParameterProblem {
  readonly parameter: string;
  readonly message: string;
}

interface CursorPayload {
  readonly v: 1;
  readonly s: string;
  readonly i: string;
  readonly f: string;
  readonly t: string;
  /** Epoch ms of the next bucket start. */
  readonly n: number;
}

export function encodeCursor(request: BarsRequest, nextStartMs: number): string {
  const payload: CursorPayload = { v: 1, s: request.symbol, i: request.interval, f: request.from, t: request.to, n: nextStartMs };
  return Buffer.from(JSON.stringify(payload)).toString("base64url");
}

function decodeCursor(cursor: string): CursorPayload | undefined {
  try {
    const payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Partial<CursorPayload>;
    if (payload.v !== 1 || typeof payload.n !== "number" || !Number.isSafeInteger(payload.n)) return undefined;
    return payload as CursorPayload;
  } catch {
    return undefined;
  }
}

const ceilTo = (ms: number, stepMs: number) => Math.ceil(ms / stepMs) * stepMs;

/** Validates everything and reports every problem at once. */
export function parseBarsRequest(
  pathParameters: Readonly<Record<string, string | undefined>> | null,
  query: Readonly<Record<string, string | undefined>> | null,
): { readonly request: BarsRequest; readonly problems?: undefined } | { readonly request?: undefined; readonly problems: readonly ParameterProblem[] } {
  const problems: ParameterProblem[] = [];
  const params = query ?? {};
  const symbol = pathParameters?.symbol ?? "";
  if (!SYMBOL_PATTERN.test(symbol)) {
    problems.push({ parameter: "symbol", message: `expected an upper-case ticker of 1-12 characters (letters, digits, "." or "-"), found ${JSON.stringify(symbol.slice(0, 40))}` });
  }
  for (const name of Object.keys(params)) {
    if (!KNOWN_PARAMETERS.has(name)) problems.push({ parameter: name, message: "unknown parameter; expected from, to, interval, limit or cursor" });
  }

  const intervalText = params.interval ?? "1m";
  const interval = Object.hasOwn(INTERVALS, intervalText) ? (intervalText as Interval) : undefined;
  if (!interval) problems.push({ parameter: "interval", message: `expected 1m, 5m or 1h, found ${JSON.stringify(intervalText.slice(0, 20))}` });

  const timestamp = (name: "from" | "to"): number | undefined => {
    const text = params[name];
    if (text === undefined || text === "") {
      problems.push({ parameter: name, message: 'required: an ISO-8601 date-time with a timezone, e.g. "2026-11-22T03:00:00Z"' });
      return undefined;
    }
    const ms = parseTradeTimestamp(text);
    if (ms === undefined) problems.push({ parameter: name, message: `expected an ISO-8601 date-time with a timezone, e.g. "2026-11-22T03:00:00Z", found ${JSON.stringify(text.slice(0, 40))}` });
    return ms;
  };
  const fromMs = timestamp("from");
  const toMs = timestamp("to");
  if (fromMs !== undefined && toMs !== undefined) {
    if (fromMs >= toMs) problems.push({ parameter: "to", message: "must be later than from" });
    else if (interval && toMs - fromMs > INTERVALS[interval].maxRangeDays * DAY_MS) {
      problems.push({ parameter: "to", message: `the range may span at most ${INTERVALS[interval].maxRangeDays} days for interval ${interval}` });
    }
  }

  let limit = DEFAULT_LIMIT;
  if (params.limit !== undefined) {
    limit = /^\d{1,4}$/.test(params.limit) ? Number(params.limit) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) problems.push({ parameter: "limit", message: `expected a whole number from 1 to ${MAX_LIMIT}, found ${JSON.stringify(params.limit.slice(0, 20))}` });
  }

  let cursorStart: number | undefined;
  if (params.cursor !== undefined) {
    const cursor = decodeCursor(params.cursor);
    if (!cursor) problems.push({ parameter: "cursor", message: "not a cursor returned by this API" });
    else if (cursor.s !== symbol || cursor.i !== intervalText || cursor.f !== params.from || cursor.t !== params.to) {
      problems.push({ parameter: "cursor", message: "belongs to a different query; repeat the same symbol, from, to and interval with the cursor" });
    } else cursorStart = cursor.n;
  }

  if (problems.length > 0 || !interval || fromMs === undefined || toMs === undefined) return { problems };
  const stepMs = INTERVALS[interval].minutes * 60_000;
  const firstStart = ceilTo(fromMs, stepMs);
  return {
    request: {
      symbol,
      interval,
      from: params.from as string,
      to: params.to as string,
      startMs: cursorStart !== undefined && cursorStart > firstStart ? cursorStart : firstStart,
      endMs: ceilTo(toMs, stepMs),
      limit,
    },
  };
}
