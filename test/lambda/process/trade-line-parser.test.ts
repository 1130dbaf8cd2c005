import { BarAggregator, microsToIso } from "../../../stacks/lambda/process/bar-aggregator";
import { type RejectedLine, TradeLineParser, daysFromCivil, timestampMicros } from "../../../stacks/lambda/process/trade-line-parser";
import { TradeLog } from "../../../stacks/lambda/process/trade-log";
import { LineSplitter, MAX_LINE_BYTES } from "../../../stacks/lambda/process/trade-stream";
import { tradeToNdjsonLine } from "../../../stacks/lambda/shared/trade";

interface Parsed {
  readonly bars: ReturnType<BarAggregator["bars"]>;
  readonly rejected: RejectedLine[];
  readonly fast: number;
  readonly slow: number;
}

function parseLines(lines: readonly string[], mode: "fast-allowed" | "slow-only"): Parsed {
  const aggregator = new BarAggregator();
  const rejected: RejectedLine[] = [];
  const parser = new TradeLineParser(aggregator, (record) => rejected.push(record));
  if (mode === "slow-only") {
    // Prefixing a space keeps the JSON identical but takes the line off the fast path.
    lines = lines.map((line) => ` ${line}`);
  }
  lines.forEach((line, index) => {
    const bytes = Buffer.from(line);
    parser.parse(bytes, 0, bytes.length, index + 1);
  });
  return { bars: aggregator.bars(), rejected, fast: parser.fastLines, slow: parser.slowLines };
}

const base = { tradeId: "T-1", symbol: "AAPL", price: 187.12, quantity: 100, side: "buy" as const, timestamp: "2026-11-22T03:04:05.123456Z", venue: "XNAS" };
const line = (overrides: Record<string, unknown> = {}) => JSON.stringify({ ...base, ...overrides });

describe("trade line parser", () => {
  it("takes ingest's canonical lines on the fast path with the values JSON.parse gives", () => {
    const lines = [
      tradeToNdjsonLine(base),
      tradeToNdjsonLine({ ...base, tradeId: "T-2", price: 0.1, quantity: 0.3, timestamp: "2026-11-22T03:04:59Z" }),
      tradeToNdjsonLine({ ...base, tradeId: "T-3", price: 123456789.123456, quantity: 7, side: "sell", timestamp: "2026-11-22T03:04:00.9Z", venue: undefined }),
    ];
    const fast = parseLines(lines, "fast-allowed");
    expect(fast.fast).toBe(3);
    expect(fast.bars).toEqual([
      {
        symbol: "AAPL",
        bucketStart: Date.UTC(2026, 10, 22, 3, 4) * 1000,
        open: 123456789.123456,
        high: 123456789.123456,
        low: 0.1,
        close: 0.1,
        volume: 100 + 0.3 + 7,
        tradeCount: 3,
        sumPriceQty: 187.12 * 100 + 0.1 * 0.3 + 123456789.123456 * 7,
        firstTradeAt: Date.UTC(2026, 10, 22, 3, 4, 0, 900) * 1000,
        firstTradeId: "T-3",
        lastTradeAt: Date.UTC(2026, 10, 22, 3, 4, 59) * 1000,
        lastTradeId: "T-2",
      },
    ]);
  });

  it("gives the same bars and rejections on the fast path as the shared validator's slow path", () => {
    const symbols = ["AAPL", "BRK.B", "RDS-A", "X"];
    const prices = ["1", "0.5", "187.12", "99999.999999", "1e2", "1.5E-3", "0", "-1", "01", "1.", "12345678901234567890", "0.000000000000000000001", '"1"', "true", "null"];
    const timestamps = [
      "2026-11-22T03:04:05Z",
      "2026-11-22T03:04:05.1Z",
      "2026-11-22T03:04:05.123456789Z",
      "2026-11-22T05:04:05+02:00",
      "2026-11-21T22:04:05.5-05:00",
      "2024-02-29T00:00:00Z",
      "2026-02-29T00:00:00Z",
      "2026-11-22T24:00:00Z",
      "2026-11-22T03:04:60Z",
      "2026-11-22 03:04:05Z",
      "2026-11-22T03:04:05",
      "2026-13-01T00:00:00Z",
      "1969-12-31T23:59:59Z",
      "2300-01-01T00:00:00Z",
    ];
    const lines: string[] = [];
    let id = 0;
    for (const price of prices) for (const timestamp of timestamps) lines.push(`{"tradeId":"T${(id += 1)}","symbol":"${symbols[id % 4]}","price":${price},"quantity":3,"side":"sell","timestamp":"${timestamp}"}`);
    lines.push(
      line({ side: "hold" }),
      line({ symbol: "aapl" }),
      line({ symbol: "TOOLONGSYMBOL1" }),
      line({ tradeId: "" }),
      line({ tradeId: "x".repeat(65) }),
      line({ tradeId: "x".repeat(64) }),
      line({ tradeId: "a/b" }),
      line({ venue: null }),
      line({ venue: "" }),
      line({ qty: 5 }),
      line({ quantity: -5 }),
      line({ quantity: "5" }),
      `{"tradeId":"T-dup","tradeId":"T-dup2","symbol":"AAPL","price":1,"quantity":1,"side":"buy","timestamp":"2026-11-22T03:04:05Z"}`,
      `{"tradeId":"T\\u0031","symbol":"AAPL","price":1,"quantity":1,"side":"buy","timestamp":"2026-11-22T03:04:05Z"}`,
      `{"symbol":"AAPL","tradeId":"T-reordered","side":"buy","price":2,"quantity":1,"timestamp":"2026-11-22T03:04:05Z"}`,
      `{"tradeId":"T-trunc","symbol":"AAPL","price":1,"quantity":1,"side":"buy","timestamp":"2026-11-22T03:04:05Z"`,
      `{"tradeId":"T-space", "symbol":"AAPL","price":1,"quantity":1,"side":"buy","timestamp":"2026-11-22T03:04:05Z"}`,
      "[1,2,3]",
      "not json",
      "{}",
    );
    const fast = parseLines(lines, "fast-allowed");
    const slow = parseLines(lines, "slow-only");
    expect(fast.fast).toBeGreaterThan(20);
    expect(slow.fast).toBe(0);
    expect(fast.bars).toEqual(slow.bars);
    // The slow-only copy is shifted by a space, which moves JSON.parse's error positions; compare what was rejected and why.
    const outline = (rejected: RejectedLine[]) => rejected.map((r) => ({ line: r.line, fields: r.problems?.map((p) => p.field), json: r.reason.startsWith("not valid JSON") }));
    expect(outline(fast.rejected)).toEqual(outline(slow.rejected));
    expect(fast.rejected.filter((r) => !r.reason.startsWith("not valid JSON"))).toEqual(slow.rejected.filter((r) => !r.reason.startsWith("not valid JSON")));
    expect(fast.bars.reduce((sum, bar) => sum + bar.tradeCount, 0) + fast.rejected.length).toBe(lines.length);
  });

  it("rejects with the validator's reasons and the 1-based line number", () => {
    const { rejected } = parseLines([line(), line({ price: "12", side: "hold" }), "{oops", line({ timestamp: "2300-01-01T00:00:00Z" })], "fast-allowed");
    expect(rejected).toEqual([
      {
        line: 2,
        reason: 'price: expected a positive number, found "12"; side: expected "buy" or "sell", found "hold"',
        problems: [
          { field: "price", message: 'expected a positive number, found "12"' },
          { field: "side", message: 'expected "buy" or "sell", found "hold"' },
        ],
      },
      expect.objectContaining({ line: 3, reason: expect.stringMatching(/^not valid JSON: /) }),
      {
        line: 4,
        reason: 'timestamp: outside the years 1970-2199 that bars support, found "2300-01-01T00:00:00Z"',
        problems: [{ field: "timestamp", message: 'outside the years 1970-2199 that bars support, found "2300-01-01T00:00:00Z"' }],
      },
    ]);
  });

  it("breaks open/close ties by trade id, whatever the line order", () => {
    const same = "2026-11-22T03:04:05.000001Z";
    const trades = [line({ tradeId: "B", price: 2, timestamp: same }), line({ tradeId: "A", price: 1, timestamp: same }), line({ tradeId: "C", price: 3, timestamp: same })];
    const forward = parseLines(trades, "fast-allowed").bars;
    const backward = parseLines([...trades].reverse(), "fast-allowed").bars;
    expect(forward).toEqual(backward);
    expect(forward[0]).toMatchObject({ open: 1, firstTradeId: "A", close: 3, lastTradeId: "C" });
  });

  it("computes epoch microseconds like Date for every offset form", () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1)).toBe(Date.UTC(2000, 2, 1) / 86_400_000);
    expect(timestampMicros("2026-11-22T05:04:05.123456+02:00")).toBe(Date.UTC(2026, 10, 22, 3, 4, 5, 123) * 1000 + 456);
    expect(timestampMicros("2026-11-22T03:04:05.1234569Z")).toBe(Date.UTC(2026, 10, 22, 3, 4, 5, 123) * 1000 + 456);
    expect(microsToIso(Date.UTC(2026, 10, 22, 3, 4, 5, 123) * 1000 + 7)).toBe("2026-11-22T03:04:05.123007Z");
  });
});

describe("line splitter", () => {
  function split(chunks: readonly Buffer[]) {
    const aggregator = new BarAggregator();
    const rejected: RejectedLine[] = [];
    const parser = new TradeLineParser(aggregator, (record) => rejected.push(record));
    const splitter = new LineSplitter(parser, (record) => rejected.push(record));
    for (const chunk of chunks) splitter.push(chunk);
    splitter.end();
    return { trades: aggregator.tradeCount, rejected, lines: splitter.lines };
  }

  it("joins lines cut across chunks, accepts CRLF, blank lines and a missing final newline", () => {
    const text = Buffer.from(`${line({ tradeId: "A" })}\r\n\n${line({ tradeId: "B" })}\n${line({ tradeId: "C" })}`);
    for (const cut of [1, 7, 60, text.length - 3]) {
      expect(split([text.subarray(0, cut), text.subarray(cut)])).toEqual({ trades: 3, rejected: [], lines: 4 });
    }
    const byteByByte = Array.from({ length: text.length }, (_, i) => text.subarray(i, i + 1));
    expect(split(byteByByte)).toEqual({ trades: 3, rejected: [], lines: 4 });
  });

  it("rejects an oversized line without buffering it and keeps counting lines after it", () => {
    const huge = Buffer.alloc(MAX_LINE_BYTES * 3, 0x61);
    const result = split([Buffer.from(`${line({ tradeId: "A" })}\n`), huge.subarray(0, 100_000), huge.subarray(100_000), Buffer.from(`\n${line({ tradeId: "B" })}\n`)]);
    expect(result.trades).toBe(2);
    expect(result.rejected).toEqual([{ line: 2, reason: `line longer than ${MAX_LINE_BYTES} bytes; not a trade record` }]);
    expect(result.lines).toBe(3);
  });
});

describe("trade log", () => {
  function logLines(lines: readonly string[], mode: "fast-allowed" | "slow-only") {
    const aggregator = new BarAggregator();
    const log = new TradeLog();
    const parser = new TradeLineParser(aggregator, () => undefined, log);
    lines.forEach((text, index) => {
      const bytes = Buffer.from(mode === "slow-only" ? ` ${text}` : text);
      parser.parse(bytes, 0, bytes.length, index + 1);
    });
    return { aggregator, log, fast: parser.fastLines };
  }
  const sample = [
    line({ tradeId: "NULL", symbol: "BRK.B", price: 0.1, quantity: 3, side: "sell", venue: "XNYS" }),
    line({ tradeId: "T:2", venue: undefined, timestamp: "2026-11-22T03:04:05.9Z" }),
    "not json",
    line({ tradeId: "t_3", price: 187.5, quantity: 0.25, timestamp: "2026-11-22T03:05:00Z", venue: "x-1.A" }),
  ];

  it("records every valid trade with its line, venue and side the same way on the fast and the slow path", () => {
    const fast = logLines(sample, "fast-allowed");
    const slow = logLines(sample, "slow-only");
    expect(fast.fast).toBe(3);
    expect(fast.log.count).toBe(3);
    const chunk = fast.log.chunk(0, 3);
    expect(chunk).toEqual(slow.log.chunk(0, 3));
    expect(chunk).toEqual({
      rows: 3,
      lines: "{1,2,4}",
      // Quoted, so the trade id NULL stays the text "NULL".
      tradeIds: '{"NULL","T:2","t_3"}',
      venues: '{"XNYS","","x-1.A"}',
      symbolIndexes: "{0,1,1}",
      micros: `{${Date.UTC(2026, 10, 22, 3, 4, 5, 123) * 1000 + 456},${Date.UTC(2026, 10, 22, 3, 4, 5, 900) * 1000},${Date.UTC(2026, 10, 22, 3, 5) * 1000}}`,
      prices: "{0.1,187.12,187.5}",
      quantities: "{3,100,0.25}",
      buys: "{f,t,t}",
    });
    expect(fast.aggregator.symbolNames()).toEqual(["BRK.B", "AAPL"]);
  });

  it("rebuilds exactly the parsed bars, or the bars without the skipped lines", () => {
    const lines = Array.from({ length: 500 }, (_, i) =>
      line({ tradeId: `R-${(i * 7919) % 500}`, symbol: ["AAPL", "MSFT", "X"][i % 3], price: 100 + (i % 11) / 8, quantity: 1 + (i % 4), timestamp: new Date(Date.UTC(2026, 10, 22, 3, 0) + i * 997).toISOString() }),
    );
    const { aggregator, log } = logLines(lines, "fast-allowed");
    expect(log.aggregateExcept(aggregator, new Int32Array(0)).bars()).toEqual(aggregator.bars());
    const skipped = Int32Array.from([1, 2, 250, 499, 500]);
    const kept = lines.filter((_, index) => !skipped.includes(index + 1));
    expect(log.aggregateExcept(aggregator, skipped).bars()).toEqual(parseLines(kept, "fast-allowed").bars);
  });
});
