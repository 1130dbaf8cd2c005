/**
 * Turns NDJSON trade lines into aggregator calls.
 *
 * The fast path reads the bytes of the line exactly as ingest writes them
 * (`tradeToNdjsonLine`: a flat object, no whitespace, no escapes, `Z`
 * timestamps, plain decimal numbers) and accepts a line only when it is sure
 * the shared validator would accept it with the same values. Anything else
 * (other spacing, escapes, offsets, exponents, a field twice, a value the
 * validator may reject) goes to the slow path: `JSON.parse` plus the shared
 * validator, which is the authority and supplies the rejection reason. So the
 * fast path changes speed, never results; a test feeds both paths the same
 * lines to keep it that way.
 */
import { parseTradeLine, type TradeProblem } from "../shared/trade";
import { type BarAggregator, MAX_TRADE_ID_BYTES } from "./bar-aggregator";
import type { TradeLog } from "./trade-log";

/** Process keeps microsecond timestamps in doubles; beyond 2200 they would lose precision. */
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

export interface RejectedLine {
  /** 1-based line number in the decompressed object. */
  readonly line: number;
  readonly reason: string;
  readonly problems?: readonly { readonly field: string; readonly message: string }[];
}

export type RejectSink = (rejected: RejectedLine, raw: Uint8Array, start: number, end: number) => void;

// Byte classes, as bit flags, for the characters the validator's patterns allow.
const DIGIT = 1;
const UPPER = 2;
const LOWER = 4;
const ID_EXTRA = 8; // _ . : -
const SYMBOL_EXTRA = 16; // . -
const VENUE_EXTRA = 32; // _ . -
const CLASSES = new Uint8Array(256);
for (let c = 48; c <= 57; c += 1) CLASSES[c] = DIGIT;
for (let c = 65; c <= 90; c += 1) CLASSES[c] = UPPER;
for (let c = 97; c <= 122; c += 1) CLASSES[c] = LOWER;
CLASSES[95] = ID_EXTRA | VENUE_EXTRA; // _
CLASSES[46] = ID_EXTRA | SYMBOL_EXTRA | VENUE_EXTRA; // .
CLASSES[58] = ID_EXTRA; // :
CLASSES[45] = ID_EXTRA | SYMBOL_EXTRA | VENUE_EXTRA; // -

const QUOTE = 34;
const COLON = 58;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

const KEY_TRADE_ID = 1;
const KEY_SYMBOL = 2;
const KEY_PRICE = 4;
const KEY_QUANTITY = 8;
const KEY_SIDE = 16;
const KEY_TIMESTAMP = 32;
const KEY_VENUE = 64;
const REQUIRED_KEYS = KEY_TRADE_ID | KEY_SYMBOL | KEY_PRICE | KEY_QUANTITY | KEY_SIDE | KEY_TIMESTAMP;

const TRADE_ID_KEY = Buffer.from("tradeId");
const SYMBOL_KEY = Buffer.from("symbol");
const PRICE_KEY = Buffer.from("price");
const QUANTITY_KEY = Buffer.from("quantity");
const SIDE_KEY = Buffer.from("side");
const TIMESTAMP_KEY = Buffer.from("timestamp");
const VENUE_KEY = Buffer.from("venue");

/** Keys in the order tradeToNdjsonLine writes them, and the length of `"key":`. */
const CANONICAL_KEY_BITS = [KEY_TRADE_ID, KEY_SYMBOL, KEY_PRICE, KEY_QUANTITY, KEY_SIDE, KEY_TIMESTAMP, KEY_VENUE];
const CANONICAL_KEY_LENGTHS = ["tradeId", "symbol", "price", "quantity", "side", "timestamp", "venue"].map((name) => name.length + 3);

/**
 * Whether the canonical key number `index` (`"tradeId":` ...) starts at `p`.
 * Unrolled: this runs seven times per line and a loop over a key buffer
 * showed up as the parser's hottest spot.
 */
function canonicalKeyAt(s: Uint8Array, p: number, index: number): boolean {
  switch (index) {
    case 0: // "tradeId":
      return (
        s[p + 0] === 34 &&
        s[p + 1] === 116 &&
        s[p + 2] === 114 &&
        s[p + 3] === 97 &&
        s[p + 4] === 100 &&
        s[p + 5] === 101 &&
        s[p + 6] === 73 &&
        s[p + 7] === 100 &&
        s[p + 8] === 34 &&
        s[p + 9] === 58
      );
    case 1: // "symbol":
      return (
        s[p + 0] === 34 &&
        s[p + 1] === 115 &&
        s[p + 2] === 121 &&
        s[p + 3] === 109 &&
        s[p + 4] === 98 &&
        s[p + 5] === 111 &&
        s[p + 6] === 108 &&
        s[p + 7] === 34 &&
        s[p + 8] === 58
      );
    case 2: // "price":
      return (
        s[p + 0] === 34 &&
        s[p + 1] === 112 &&
        s[p + 2] === 114 &&
        s[p + 3] === 105 &&
        s[p + 4] === 99 &&
        s[p + 5] === 101 &&
        s[p + 6] === 34 &&
        s[p + 7] === 58
      );
    case 3: // "quantity":
      return (
        s[p + 0] === 34 &&
        s[p + 1] === 113 &&
        s[p + 2] === 117 &&
        s[p + 3] === 97 &&
        s[p + 4] === 110 &&
        s[p + 5] === 116 &&
        s[p + 6] === 105 &&
        s[p + 7] === 116 &&
        s[p + 8] === 121 &&
        s[p + 9] === 34 &&
        s[p + 10] === 58
      );
    case 4: // "side":
      return (
        s[p + 0] === 34 &&
        s[p + 1] === 115 &&
        s[p + 2] === 105 &&
        s[p + 3] === 100 &&
        s[p + 4] === 101 &&
        s[p + 5] === 34 &&
        s[p + 6] === 58
      );
    case 5: // "timestamp":
      return (
        s[p + 0] === 34 &&
        s[p + 1] === 116 &&
        s[p + 2] === 105 &&
        s[p + 3] === 109 &&
        s[p + 4] === 101 &&
        s[p + 5] === 115 &&
        s[p + 6] === 116 &&
        s[p + 7] === 97 &&
        s[p + 8] === 109 &&
        s[p + 9] === 112 &&
        s[p + 10] === 34 &&
        s[p + 11] === 58
      );
    case 6: // "venue":
      return (
        s[p + 0] === 34 &&
        s[p + 1] === 118 &&
        s[p + 2] === 101 &&
        s[p + 3] === 110 &&
        s[p + 4] === 117 &&
        s[p + 5] === 101 &&
        s[p + 6] === 34 &&
        s[p + 7] === 58
      );
    default:
      return false;
  }
}

function sameBytes(s: Uint8Array, start: number, expected: Uint8Array): boolean {
  for (let i = 0; i < expected.length; i += 1) if (s[start + i] !== expected[i]) return false;
  return true;
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, exponent) => 10 ** exponent);
const MAX_EXACT_MANTISSA = 2 ** 53;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Epoch microseconds of a timestamp the shared validator accepted (sub-microsecond
 * digits truncated: PostgreSQL keeps microseconds), or undefined outside 1970-2199.
 */
export function timestampMicros(text: string): number | undefined {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  if (year < MIN_YEAR || year > MAX_YEAR) return undefined;
  const days = daysFromCivil(year, Number(match[2]), Number(match[3]));
  let offsetMinutes = 0;
  if (match[8] !== undefined) offsetMinutes = (match[8] === "-" ? -1 : 1) * (Number(match[9]) * 60 + Number(match[10]));
  const minutes = days * 1440 + Number(match[4]) * 60 + Number(match[5]) - offsetMinutes;
  const fraction = match[7] ? Number(match[7].slice(0, 6).padEnd(6, "0")) : 0;
  const micros = minutes * 60_000_000 + Number(match[6]) * 1_000_000 + fraction;
  return micros >= 0 ? micros : undefined;
}

export class TradeLineParser {
  /** Lines taken by the fast path (for the benchmark and tests). */
  fastLines = 0;
  slowLines = 0;
  rejectedLines = 0;

  // Results of the value readers, kept in fields so no per-line objects are allocated.
  private position = 0;
  private numberValue = 0;
  private microsValue = 0;

  constructor(
    private readonly aggregator: BarAggregator,
    private readonly reject: RejectSink,
    /** Where every valid trade is also recorded (process needs them for the trade-identity check). */
    private readonly log?: TradeLog,
  ) {}

  /** One line (without its newline); `lineNumber` is 1-based. */
  parse(source: Uint8Array, start: number, end: number, lineNumber: number): void {
    if (end > start && source[end - 1] === 13) end -= 1; // CRLF
    if (this.fast(source, start, end, lineNumber)) {
      this.fastLines += 1;
      return;
    }
    this.slow(source, start, end, lineNumber);
  }

  private slow(source: Uint8Array, start: number, end: number, lineNumber: number): void {
    this.slowLines += 1;
    const text = Buffer.from(source.buffer, source.byteOffset + start, end - start).toString("utf8");
    const { trade, problems } = parseTradeLine(text, lineNumber - 1);
    if (!trade) {
      this.rejectedLines += 1;
      this.reject(
        { line: lineNumber, reason: problems.map(describeProblem).join("; "), problems: problems.map(({ field, message }) => ({ field, message })) },
        source,
        start,
        end,
      );
      return;
    }
    const micros = timestampMicros(trade.timestamp);
    if (micros === undefined) {
      this.rejectedLines += 1;
      const message = `outside the years ${MIN_YEAR}-${MAX_YEAR} that bars support, found ${JSON.stringify(trade.timestamp)}`;
      this.reject({ line: lineNumber, reason: `timestamp: ${message}`, problems: [{ field: "timestamp", message }] }, source, start, end);
      return;
    }
    // The id's bytes, then the venue's: the validator allows only ASCII in both.
    const idAndVenue = Buffer.from(trade.tradeId + (trade.venue ?? ""), "latin1");
    const idEnd = trade.tradeId.length;
    const symbol = this.aggregator.symbolFromString(trade.symbol);
    this.aggregator.add(symbol, micros, trade.price, trade.quantity, idAndVenue, 0, idEnd);
    this.log?.add(lineNumber, symbol.index, micros, trade.price, trade.quantity, trade.side === "buy", idAndVenue, 0, idEnd, idEnd, idAndVenue.length);
  }

  /** True when the line was a valid trade in the canonical shape and has been aggregated. */
  private fast(s: Uint8Array, start: number, end: number, lineNumber: number): boolean {
    if (end - start < 2 || s[start] !== OPEN_BRACE || s[end - 1] !== CLOSE_BRACE) return false;
    let seen = 0;
    let idStart = 0;
    let idEnd = 0;
    let symbolStart = 0;
    let symbolEnd = 0;
    let venueStart = 0;
    let venueEnd = 0;
    let buy = false;
    let price = 0;
    let quantity = 0;
    let micros = 0;
    let p = start + 1;
    const last = end - 1;
    let expected = 0;
    for (;;) {
      if (s[p] !== QUOTE) return false;
      let key: number;
      // Lines from ingest have their keys in one order: try the next one first.
      if (canonicalKeyAt(s, p, expected)) {
        key = CANONICAL_KEY_BITS[expected];
        p += CANONICAL_KEY_LENGTHS[expected];
        expected += 1;
      } else {
        const keyStart = p + 1;
        p = keyStart;
        while (p < last && s[p] !== QUOTE) p += 1;
        key = this.key(s, keyStart, p);
        p += 1;
        if (s[p] !== COLON) return false;
        p += 1;
      }
      if (key === 0 || (seen & key) !== 0) return false;
      seen |= key;
      switch (key) {
        case KEY_TRADE_ID:
          if (s[p] !== QUOTE) return false;
          idStart = p + 1;
          if (!this.token(s, idStart, last, ID_EXTRA, DIGIT | UPPER | LOWER, MAX_TRADE_ID_BYTES)) return false;
          idEnd = this.position;
          p = idEnd + 1;
          break;
        case KEY_SYMBOL:
          if (s[p] !== QUOTE) return false;
          symbolStart = p + 1;
          if (!this.token(s, symbolStart, last, SYMBOL_EXTRA | DIGIT | UPPER, UPPER, 12)) return false;
          symbolEnd = this.position;
          p = symbolEnd + 1;
          break;
        case KEY_VENUE:
          if (s[p] !== QUOTE) return false;
          venueStart = p + 1;
          if (!this.token(s, venueStart, last, VENUE_EXTRA, DIGIT | UPPER | LOWER, 32)) return false;
          venueEnd = this.position;
          p = venueEnd + 1;
          break;
        case KEY_PRICE:
          if (!this.positiveNumber(s, p, last)) return false;
          price = this.numberValue;
          p = this.position;
          break;
        case KEY_QUANTITY:
          if (!this.positiveNumber(s, p, last)) return false;
          quantity = this.numberValue;
          p = this.position;
          break;
        case KEY_SIDE:
          // "buy" or "sell"
          if (s[p] !== QUOTE) return false;
          if (s[p + 1] === 98 && s[p + 2] === 117 && s[p + 3] === 121 && s[p + 4] === QUOTE) {
            p += 5;
            buy = true;
          } else if (s[p + 1] === 115 && s[p + 2] === 101 && s[p + 3] === 108 && s[p + 4] === 108 && s[p + 5] === QUOTE) {
            p += 6;
            buy = false;
          } else return false;
          break;
        case KEY_TIMESTAMP:
          if (s[p] !== QUOTE || !this.timestamp(s, p + 1, last)) return false;
          micros = this.microsValue;
          p = this.position + 1;
          break;
      }
      if (p === last) break;
      if (s[p] !== COMMA) return false;
      p += 1;
    }
    if ((seen & REQUIRED_KEYS) !== REQUIRED_KEYS) return false;
    const symbol = this.aggregator.symbolFromBytes(s, symbolStart, symbolEnd);
    this.aggregator.add(symbol, micros, price, quantity, s, idStart, idEnd);
    this.log?.add(lineNumber, symbol.index, micros, price, quantity, buy, s, idStart, idEnd, venueStart, venueEnd);
    return true;
  }

  private key(s: Uint8Array, start: number, end: number): number {
    switch (end - start) {
      case 7:
        return sameBytes(s, start, TRADE_ID_KEY) ? KEY_TRADE_ID : 0;
      case 6:
        return sameBytes(s, start, SYMBOL_KEY) ? KEY_SYMBOL : 0;
      case 5:
        if (sameBytes(s, start, PRICE_KEY)) return KEY_PRICE;
        return sameBytes(s, start, VENUE_KEY) ? KEY_VENUE : 0;
      case 8:
        return sameBytes(s, start, QUANTITY_KEY) ? KEY_QUANTITY : 0;
      case 4:
        return sameBytes(s, start, SIDE_KEY) ? KEY_SIDE : 0;
      case 9:
        return sameBytes(s, start, TIMESTAMP_KEY) ? KEY_TIMESTAMP : 0;
      default:
        return 0;
    }
  }

  /** A quoted token of allowed bytes up to the closing quote; sets `position` to the quote. */
  private token(s: Uint8Array, start: number, limit: number, allowed: number, allowedFirst: number, maxLength: number): boolean {
    if ((CLASSES[s[start]] & allowedFirst) === 0) return false;
    const all = allowed | allowedFirst;
    let p = start + 1;
    while (p < limit && s[p] !== QUOTE) {
      if ((CLASSES[s[p]] & all) === 0) return false;
      p += 1;
    }
    if (p >= limit || p - start > maxLength) return false;
    this.position = p;
    return true;
  }

  /**
   * A JSON number `int[.frac]` (no sign, no exponent) whose digits fit in 2^53
   * with at most 22 fraction digits: then mantissa / 10^k is one correctly
   * rounded division, the same double JSON.parse produces.
   */
  private positiveNumber(s: Uint8Array, start: number, limit: number): boolean {
    let p = start;
    let mantissa = 0;
    let c = s[p];
    if (c === 48) {
      p += 1; // a leading zero must be the whole integer part
    } else if (c >= 49 && c <= 57) {
      while (p < limit && (c = s[p]) >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        p += 1;
      }
    } else {
      return false;
    }
    let fractionDigits = 0;
    if (s[p] === 46) {
      p += 1;
      while (p < limit && (c = s[p]) >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        fractionDigits += 1;
        p += 1;
      }
      if (fractionDigits === 0) return false;
    }
    if (mantissa === 0 || mantissa >= MAX_EXACT_MANTISSA || fractionDigits > 22) return false;
    c = s[p];
    if (c !== COMMA && c !== CLOSE_BRACE) return false; // exponent or anything else: slow path
    this.numberValue = fractionDigits === 0 ? mantissa : mantissa / POWERS_OF_TEN[fractionDigits];
    this.position = p;
    return true;
  }

  /** `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z` up to the closing quote; sets `microsValue` and `position`. */
  private timestamp(s: Uint8Array, p: number, limit: number): boolean {
    if (p + 20 > limit) return false;
    const year = digits4(s, p);
    const month = digits2(s, p + 5);
    const day = digits2(s, p + 8);
    const hour = digits2(s, p + 11);
    const minute = digits2(s, p + 14);
    const second = digits2(s, p + 17);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return false;
    if (s[p + 4] !== 45 || s[p + 7] !== 45 || s[p + 10] !== 84 || s[p + 13] !== 58 || s[p + 16] !== 58) return false;
    if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
    if (day > (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1])) return false;
    let q = p + 19;
    let fraction = 0;
    if (s[q] === 46) {
      q += 1;
      let count = 0;
      let c = s[q];
      while (c >= 48 && c <= 57) {
        if (count < 6) fraction = fraction * 10 + (c - 48);
        count += 1;
        q += 1;
        c = s[q];
      }
      if (count === 0 || count > 9) return false;
      for (let i = count; i < 6; i += 1) fraction *= 10;
    }
    if (s[q] !== 90 || s[q + 1] !== QUOTE || q + 1 >= limit) return false;
    const minutes = daysFromCivil(year, month, day) * 1440 + hour * 60 + minute;
    this.microsValue = minutes * 60_000_000 + second * 1_000_000 + fraction;
    this.position = q + 1;
    return true;
  }
}

function digit(s: Uint8Array, p: number): number {
  const c = s[p] - 48;
  return c >= 0 && c <= 9 ? c : -10_000;
}

function digits2(s: Uint8Array, p: number): number {
  return digit(s, p) * 10 + digit(s, p + 1);
}

function digits4(s: Uint8Array, p: number): number {
  return digit(s, p) * 1000 + digit(s, p + 1) * 100 + digit(s, p + 2) * 10 + digit(s, p + 3);
}

function describeProblem(problem: TradeProblem): string {
  return problem.field === "" ? problem.message : `${problem.field}: ${problem.message}`;
}
