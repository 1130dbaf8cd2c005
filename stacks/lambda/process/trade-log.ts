/**
 * Every valid trade of one object, kept in columns (typed arrays and one byte
 * pool for trade ids and venues) so that recording a trade allocates nothing.
 *
 * The log feeds the database's trade-identity check (trade-identities.ts sends
 * it in chunks) and, when that check finds duplicates, rebuilds the object's
 * bars without them: the same BarAggregator.add calls in the same line order,
 * minus the skipped lines, so an object's bars are exactly the bars of the
 * object with its duplicate lines removed. About 50 bytes per trade: 0.5 MB
 * for ingest's largest batch (10,000 trades), 50 MB for a 1,000,000-trade object.
 */
import { BarAggregator } from "./bar-aggregator";

const INITIAL_ROWS = 1024;
const INITIAL_POOL_BYTES = 32 * 1024;
const QUOTE = 34;
const COMMA = 44;

function grown<T extends Int32Array | Float64Array | Uint8Array>(array: T, length: number, make: (size: number) => T): T {
  const next = make(length);
  next.set(array);
  return next;
}

/** One chunk of the log as `unnest` arrays: array literals (text) for the columns, the symbol names the indexes point into. */
export interface LogChunk {
  readonly rows: number;
  readonly lines: string;
  readonly venues: string;
  readonly tradeIds: string;
  readonly symbolIndexes: string;
  readonly micros: string;
  readonly prices: string;
  readonly quantities: string;
  readonly buys: string;
}

export class TradeLog {
  count = 0;
  private capacity = INITIAL_ROWS;
  private lines = new Int32Array(INITIAL_ROWS);
  private micros = new Float64Array(INITIAL_ROWS);
  private prices = new Float64Array(INITIAL_ROWS);
  private quantities = new Float64Array(INITIAL_ROWS);
  private symbols = new Int32Array(INITIAL_ROWS);
  private buys = new Uint8Array(INITIAL_ROWS);
  /** Row i's trade id is pool[textStarts[i], +idLengths[i]), its venue the venueLengths[i] bytes after it. */
  private textStarts = new Int32Array(INITIAL_ROWS);
  private idLengths = new Uint8Array(INITIAL_ROWS);
  private venueLengths = new Uint8Array(INITIAL_ROWS);
  private pool = Buffer.alloc(INITIAL_POOL_BYTES);
  private poolLength = 0;

  /** Records one validated trade (ids and venues are at most 64 and 32 bytes of [A-Za-z0-9_.:-]). */
  add(
    line: number,
    symbolIndex: number,
    micros: number,
    price: number,
    quantity: number,
    buy: boolean,
    source: Uint8Array,
    idStart: number,
    idEnd: number,
    venueStart: number,
    venueEnd: number,
  ): void {
    const row = this.count;
    if (row === this.capacity) this.growRows();
    const idLength = idEnd - idStart;
    const venueLength = venueEnd - venueStart;
    if (this.poolLength + idLength + venueLength > this.pool.length) this.growPool(idLength + venueLength);
    const pool = this.pool;
    let at = this.poolLength;
    this.textStarts[row] = at;
    for (let i = idStart; i < idEnd; i += 1) pool[at++] = source[i];
    for (let i = venueStart; i < venueEnd; i += 1) pool[at++] = source[i];
    this.poolLength = at;
    this.idLengths[row] = idLength;
    this.venueLengths[row] = venueLength;
    this.lines[row] = line;
    this.symbols[row] = symbolIndex;
    this.micros[row] = micros;
    this.prices[row] = price;
    this.quantities[row] = quantity;
    this.buys[row] = buy ? 1 : 0;
    this.count = row + 1;
  }

  private growRows(): void {
    const size = this.capacity * 2;
    this.lines = grown(this.lines, size, (n) => new Int32Array(n));
    this.micros = grown(this.micros, size, (n) => new Float64Array(n));
    this.prices = grown(this.prices, size, (n) => new Float64Array(n));
    this.quantities = grown(this.quantities, size, (n) => new Float64Array(n));
    this.symbols = grown(this.symbols, size, (n) => new Int32Array(n));
    this.buys = grown(this.buys, size, (n) => new Uint8Array(n));
    this.textStarts = grown(this.textStarts, size, (n) => new Int32Array(n));
    this.idLengths = grown(this.idLengths, size, (n) => new Uint8Array(n));
    this.venueLengths = grown(this.venueLengths, size, (n) => new Uint8Array(n));
    this.capacity = size;
  }

  private growPool(needed: number): void {
    const next = Buffer.alloc(Math.max(this.pool.length * 2, this.poolLength + needed));
    this.pool.copy(next, 0, 0, this.poolLength);
    this.pool = next;
  }

  /**
   * The bars of the logged trades except those on `skippedLines` (ascending),
   * built with the symbols of `parsed` (the aggregator the parser filled).
   */
  aggregateExcept(parsed: BarAggregator, skippedLines: Int32Array): BarAggregator {
    const aggregator = new BarAggregator();
    const symbols = parsed.symbolNames().map((name) => aggregator.symbolFromString(name));
    let next = 0;
    for (let row = 0; row < this.count; row += 1) {
      const line = this.lines[row];
      while (next < skippedLines.length && skippedLines[next] < line) next += 1;
      if (next < skippedLines.length && skippedLines[next] === line) continue;
      const start = this.textStarts[row];
      aggregator.add(symbols[this.symbols[row]], this.micros[row], this.prices[row], this.quantities[row], this.pool, start, start + this.idLengths[row]);
    }
    return aggregator;
  }

  /** Rows [start, end) as array literals for `unnest` (every text element quoted: an id such as `NULL` must stay text). */
  chunk(start: number, end: number): LogChunk {
    return {
      rows: end - start,
      lines: `{${this.lines.subarray(start, end).join(",")}}`,
      tradeIds: this.quotedText(start, end, false),
      venues: this.quotedText(start, end, true),
      symbolIndexes: `{${this.symbols.subarray(start, end).join(",")}}`,
      micros: `{${this.micros.subarray(start, end).join(",")}}`,
      prices: `{${this.prices.subarray(start, end).join(",")}}`,
      quantities: `{${this.quantities.subarray(start, end).join(",")}}`,
      buys: `{${Array.from(this.buys.subarray(start, end), (buy) => (buy === 1 ? "t" : "f")).join(",")}}`,
    };
  }

  /** `{"a","b"}` from pool bytes; the validator's character set needs no escaping inside quotes. */
  private quotedText(start: number, end: number, venue: boolean): string {
    let length = 2;
    for (let row = start; row < end; row += 1) length += (venue ? this.venueLengths[row] : this.idLengths[row]) + 3;
    const out = Buffer.allocUnsafe(length);
    let at = 0;
    out[at++] = 123; // {
    for (let row = start; row < end; row += 1) {
      if (row > start) out[at++] = COMMA;
      out[at++] = QUOTE;
      const from = this.textStarts[row] + (venue ? this.idLengths[row] : 0);
      const count = venue ? this.venueLengths[row] : this.idLengths[row];
      at += this.pool.copy(out, at, from, from + count);
      out[at++] = QUOTE;
    }
    out[at++] = 125; // }
    return out.toString("latin1", 0, at);
  }
}
