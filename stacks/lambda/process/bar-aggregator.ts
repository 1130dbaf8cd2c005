/**
 * 1-minute bars per symbol, built one trade at a time without allocating per
 * trade. Memory grows with the number of (symbol, minute) bars, never with the
 * number of trades.
 *
 * Open and close are the prices of the first and last trade by timestamp
 * (microseconds), ties broken by trade id in byte order, so the result does
 * not depend on the order of lines or of objects; the database merges bars
 * from several objects with the same rule.
 */

export const MICROS_PER_MINUTE = 60_000_000;
/** Longest trade id the shared validator allows. */
export const MAX_TRADE_ID_BYTES = 64;

export class Bar {
  open = 0;
  high = -Infinity;
  low = Infinity;
  close = 0;
  volume = 0;
  tradeCount = 0;
  sumPriceQty = 0;
  firstAt = Infinity;
  lastAt = -Infinity;
  readonly firstId = Buffer.alloc(MAX_TRADE_ID_BYTES);
  firstIdLength = 0;
  readonly lastId = Buffer.alloc(MAX_TRADE_ID_BYTES);
  lastIdLength = 0;

  constructor(readonly minute: number) {}
}

export class SymbolBars {
  readonly bars = new Map<number, Bar>();
  lastMinute = -1;
  lastBar: Bar | undefined;
  /** Next entry with the same hash. */
  next: SymbolBars | undefined;

  constructor(
    readonly symbol: string,
    readonly bytes: Buffer,
    readonly hash: number,
    /** Position in the aggregator's symbols, in order of first appearance (what a TradeLog records). */
    readonly index: number,
  ) {}
}

/** A finished bar with plain values, ready to serialise. */
export interface BarRecord {
  readonly symbol: string;
  /** Epoch microseconds of the minute's start. */
  readonly bucketStart: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly tradeCount: number;
  readonly sumPriceQty: number;
  /** Epoch microseconds. */
  readonly firstTradeAt: number;
  readonly firstTradeId: string;
  readonly lastTradeAt: number;
  readonly lastTradeId: string;
}

function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bLength: number): number {
  const aLength = aEnd - aStart;
  const length = aLength < bLength ? aLength : bLength;
  for (let i = 0; i < length; i += 1) {
    const difference = a[aStart + i] - b[i];
    if (difference !== 0) return difference;
  }
  return aLength - bLength;
}

function copyBytes(source: Uint8Array, start: number, end: number, target: Buffer): number {
  const length = end - start;
  for (let i = 0; i < length; i += 1) target[i] = source[start + i];
  return length;
}

export class BarAggregator {
  private readonly buckets: (SymbolBars | undefined)[] = new Array(1024);
  private readonly symbols: SymbolBars[] = [];
  private last: SymbolBars | undefined;
  tradeCount = 0;

  /** The bars of one symbol, found from the symbol's bytes without making a string. */
  symbolFromBytes(source: Uint8Array, start: number, end: number): SymbolBars {
    const last = this.last;
    if (last !== undefined && compareBytes(source, start, end, last.bytes, last.bytes.length) === 0) return last;
    let hash = 0;
    for (let i = start; i < end; i += 1) hash = (Math.imul(hash, 31) + source[i]) | 0;
    const slot = hash & (this.buckets.length - 1);
    for (let entry = this.buckets[slot]; entry !== undefined; entry = entry.next) {
      if (entry.hash === hash && compareBytes(source, start, end, entry.bytes, entry.bytes.length) === 0) {
        this.last = entry;
        return entry;
      }
    }
    const bytes = Buffer.from(source.subarray(start, end));
    const entry = new SymbolBars(bytes.toString("latin1"), bytes, hash, this.symbols.length);
    entry.next = this.buckets[slot];
    this.buckets[slot] = entry;
    this.symbols.push(entry);
    this.last = entry;
    return entry;
  }

  /** The symbol with this `index`, or undefined. */
  symbolAt(index: number): SymbolBars | undefined {
    return this.symbols[index];
  }

  /** Every symbol seen, by index. */
  symbolNames(): string[] {
    return this.symbols.map((symbol) => symbol.symbol);
  }

  symbolFromString(symbol: string): SymbolBars {
    const bytes = Buffer.from(symbol, "latin1");
    return this.symbolFromBytes(bytes, 0, bytes.length);
  }

  /** Adds one validated trade; `id` bytes [idStart, idEnd) are copied only when they become a bar's first or last trade. */
  add(symbol: SymbolBars, micros: number, price: number, quantity: number, id: Uint8Array, idStart: number, idEnd: number): void {
    const minute = Math.floor(micros / MICROS_PER_MINUTE);
    let bar: Bar | undefined;
    if (symbol.lastMinute === minute) {
      bar = symbol.lastBar as Bar;
    } else {
      bar = symbol.bars.get(minute);
      if (bar === undefined) {
        bar = new Bar(minute);
        symbol.bars.set(minute, bar);
      }
      symbol.lastMinute = minute;
      symbol.lastBar = bar;
    }
    if (micros < bar.firstAt || (micros === bar.firstAt && compareBytes(id, idStart, idEnd, bar.firstId, bar.firstIdLength) < 0)) {
      bar.firstAt = micros;
      bar.open = price;
      bar.firstIdLength = copyBytes(id, idStart, idEnd, bar.firstId);
    }
    if (micros > bar.lastAt || (micros === bar.lastAt && compareBytes(id, idStart, idEnd, bar.lastId, bar.lastIdLength) > 0)) {
      bar.lastAt = micros;
      bar.close = price;
      bar.lastIdLength = copyBytes(id, idStart, idEnd, bar.lastId);
    }
    if (price > bar.high) bar.high = price;
    if (price < bar.low) bar.low = price;
    bar.volume += quantity;
    bar.sumPriceQty += price * quantity;
    bar.tradeCount += 1;
    this.tradeCount += 1;
  }

  barCount(): number {
    let count = 0;
    for (const symbol of this.symbols) count += symbol.bars.size;
    return count;
  }

  /** Every bar, ordered by symbol (byte order) then minute: the order rows are locked in, which avoids deadlocks between concurrent writers. */
  bars(): BarRecord[] {
    const records: BarRecord[] = [];
    const symbols = [...this.symbols].sort((a, b) => Buffer.compare(a.bytes, b.bytes));
    for (const symbol of symbols) {
      const minutes = [...symbol.bars.keys()].sort((a, b) => a - b);
      for (const minute of minutes) {
        const bar = symbol.bars.get(minute) as Bar;
        records.push({
          symbol: symbol.symbol,
          bucketStart: minute * MICROS_PER_MINUTE,
          open: bar.open,
          high: bar.high,
          low: bar.low,
          close: bar.close,
          volume: bar.volume,
          tradeCount: bar.tradeCount,
          sumPriceQty: bar.sumPriceQty,
          firstTradeAt: bar.firstAt,
          firstTradeId: bar.firstId.toString("latin1", 0, bar.firstIdLength),
          lastTradeAt: bar.lastAt,
          lastTradeId: bar.lastId.toString("latin1", 0, bar.lastIdLength),
        });
      }
    }
    return records;
  }
}

/** `2026-11-22T03:04:05.123456Z` from epoch microseconds (PostgreSQL's precision). */
export function microsToIso(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const iso = new Date(millis).toISOString();
  const extra = micros - millis * 1000;
  return `${iso.slice(0, 23)}${String(extra).padStart(3, "0")}Z`;
}
