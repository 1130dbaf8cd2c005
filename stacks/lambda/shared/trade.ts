/**
 * The executed-trade record that clients post to ingest and that process reads
 * back from the gzip NDJSON objects, with the one validator both use.
 *
 * Hand-written rather than zod: process validates every line of multi-million
 * line objects, and a plain function that reports every problem with its field
 * is both faster and gives clients the exact messages we want.
 */

export type TradeSide = "buy" | "sell";

export interface Trade {
  readonly tradeId: string;
  /** Upper-case ticker, e.g. `AAPL`, `BRK.B`, `RDS-A`. */
  readonly symbol: string;
  /** Positive, finite. */
  readonly price: number;
  /** Positive, finite (fractional quantities are allowed). */
  readonly quantity: number;
  readonly side: TradeSide;
  /** ISO-8601 date-time with an explicit offset (`Z` or `±hh:mm`), kept exactly as sent. */
  readonly timestamp: string;
  /** Execution venue, e.g. a MIC such as `XNAS`. */
  readonly venue?: string;
}

/** One thing wrong with one record: `index` is its position in the batch (or line number - 1). */
export interface TradeProblem {
  readonly index: number;
  /** The field at fault; `""` when the record itself is not an object. */
  readonly field: string;
  readonly message: string;
}

export const SYMBOL_PATTERN = /^[A-Z][A-Z0-9.-]{0,11}$/;
export const TRADE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const VENUE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

const KNOWN_FIELDS: ReadonlySet<string> = new Set(["tradeId", "symbol", "price", "quantity", "side", "timestamp", "venue"]);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Epoch milliseconds of an ISO-8601 timestamp with an explicit offset, keeping
 * sub-millisecond digits as the fraction (microseconds survive a double at
 * today's epoch). Returns undefined for anything that is not a real instant in
 * that format: no offset, 30 February, hour 24, a leap second, a year before 1970.
 */
export function parseTradeTimestamp(text: string): number | undefined {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  // Before 1970 is a client bug (an unset clock), not a trade.
  if (year < 1970 || month < 1 || month > 12) return undefined;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (match[8] !== "Z") {
    const offsetHours = Number(match[10]);
    const offsetMins = Number(match[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (match[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const fraction = match[7] ? Number(`0.${match[7]}`) * 1000 : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000 + fraction;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function positiveNumberProblem(value: unknown): string | undefined {
  if (typeof value !== "number") return `expected a positive number, found ${describe(value)}`;
  if (!Number.isFinite(value) || value <= 0) return `expected a positive finite number, found ${value}`;
  return undefined;
}

/**
 * Checks one record; returns the normalised trade (only known fields, `venue`
 * omitted when absent or null) or every problem found in it.
 */
export function validateTrade(value: unknown, index: number): { readonly trade?: Trade; readonly problems: readonly TradeProblem[] } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { problems: [{ index, field: "", message: `expected a trade object, found ${describe(value)}` }] };
  }
  const record = value as Record<string, unknown>;
  const problems: TradeProblem[] = [];
  const problem = (field: string, message: string): void => {
    problems.push({ index, field, message });
  };

  const { tradeId, symbol, price, quantity, side, timestamp, venue } = record;
  if (typeof tradeId !== "string" || !TRADE_ID_PATTERN.test(tradeId)) {
    problem("tradeId", `expected 1-64 characters of letters, digits, "_", ".", ":" or "-", found ${describe(tradeId)}`);
  }
  if (typeof symbol !== "string" || !SYMBOL_PATTERN.test(symbol)) {
    problem("symbol", `expected an upper-case ticker of 1-12 characters (letters, digits, "." or "-", starting with a letter), found ${describe(symbol)}`);
  }
  const priceProblem = positiveNumberProblem(price);
  if (priceProblem) problem("price", priceProblem);
  const quantityProblem = positiveNumberProblem(quantity);
  if (quantityProblem) problem("quantity", quantityProblem);
  if (side !== "buy" && side !== "sell") problem("side", `expected "buy" or "sell", found ${describe(side)}`);
  if (typeof timestamp !== "string" || parseTradeTimestamp(timestamp) === undefined) {
    problem("timestamp", `expected an ISO-8601 date-time with a timezone, e.g. "2024-03-01T14:30:00.123Z", found ${describe(timestamp)}`);
  }
  if (venue !== undefined && venue !== null && (typeof venue !== "string" || !VENUE_PATTERN.test(venue))) {
    problem("venue", `expected 1-32 characters of letters, digits, "_", "." or "-", found ${describe(venue)}`);
  }
  for (const field of Object.keys(record)) {
    // Rejecting unknown fields (rather than dropping them) means a typo such as `qty` is never silently lost.
    if (!KNOWN_FIELDS.has(field)) problem(field, "unknown field; expected only tradeId, symbol, price, quantity, side, timestamp and venue");
  }
  if (problems.length > 0) return { problems };

  const trade: Trade = {
    tradeId: tradeId as string,
    symbol: symbol as string,
    price: price as number,
    quantity: quantity as number,
    side: side as TradeSide,
    timestamp: timestamp as string,
    ...(typeof venue === "string" ? { venue } : {}),
  };
  return { trade, problems };
}

export type TradeBatchResult =
  | { readonly ok: true; readonly trades: readonly Trade[] }
  | { readonly ok: false; readonly problems: readonly TradeProblem[] };

/**
 * Validates a whole batch: every record, plus no `tradeId` twice. Trades need
 * not be in timestamp order (bars are built by trade timestamp, not position).
 */
export function validateTradeBatch(records: readonly unknown[]): TradeBatchResult {
  const trades: Trade[] = [];
  const problems: TradeProblem[] = [];
  const firstIndexById = new Map<string, number>();
  records.forEach((record, index) => {
    const result = validateTrade(record, index);
    problems.push(...result.problems);
    if (!result.trade) return;
    const earlier = firstIndexById.get(result.trade.tradeId);
    if (earlier !== undefined) {
      problems.push({ index, field: "tradeId", message: `duplicate tradeId ${JSON.stringify(result.trade.tradeId)}, first seen in record ${earlier}` });
      return;
    }
    firstIndexById.set(result.trade.tradeId, index);
    trades.push(result.trade);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, trades };
}

/** One NDJSON line as process reads it: the trade, or why the line is unusable. */
export function parseTradeLine(line: string, index: number): { readonly trade?: Trade; readonly problems: readonly TradeProblem[] } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { problems: [{ index, field: "", message: `not valid JSON: ${(error as Error).message}` }] };
  }
  return validateTrade(value, index);
}

/** The NDJSON line written for a trade (field order fixed, so equal batches give equal bytes). */
export function tradeToNdjsonLine(trade: Trade): string {
  return JSON.stringify({
    tradeId: trade.tradeId,
    symbol: trade.symbol,
    price: trade.price,
    quantity: trade.quantity,
    side: trade.side,
    timestamp: trade.timestamp,
    ...(trade.venue !== undefined ? { venue: trade.venue } : {}),
  });
}
