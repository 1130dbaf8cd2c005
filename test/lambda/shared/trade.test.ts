import { type Trade, parseTradeLine, parseTradeTimestamp, tradeToNdjsonLine, validateTrade, validateTradeBatch } from "../../../stacks/lambda/shared/trade";

const good: Trade = { tradeId: "T-1", symbol: "AAPL", price: 189.5, quantity: 100, side: "buy", timestamp: "2024-03-01T14:30:00.123Z", venue: "XNAS" };

describe("validateTrade", () => {
  it("accepts a well-formed trade and keeps its fields exactly", () => {
    expect(validateTrade(good, 0)).toEqual({ trade: good, problems: [] });
  });

  it("accepts dotted and dashed tickers, fractional quantities, offsets and no venue", () => {
    const { venue: _venue, ...rest } = good;
    for (const variant of [
      { ...rest, symbol: "BRK.B" },
      { ...rest, symbol: "RDS-A", quantity: 0.25 },
      { ...rest, timestamp: "2024-02-29T09:30:00+05:30" },
      { ...rest, timestamp: "2024-03-01T14:30:00.123456789-04:00" },
      { ...rest, venue: null },
    ]) {
      const result = validateTrade(variant, 0);
      expect(result.problems).toEqual([]);
      expect(result.trade).not.toHaveProperty("venue");
    }
  });

  it("reports every bad field of a record with its index", () => {
    const result = validateTrade({ tradeId: "", symbol: "aapl", price: "189.5", quantity: -1, side: "BUY", timestamp: "2024-03-01 14:30:00", qty: 1 }, 7);
    expect(result.trade).toBeUndefined();
    expect(result.problems.map((problem) => [problem.index, problem.field])).toEqual([
      [7, "tradeId"],
      [7, "symbol"],
      [7, "price"],
      [7, "quantity"],
      [7, "side"],
      [7, "timestamp"],
      [7, "qty"],
    ]);
    expect(result.problems.find((problem) => problem.field === "price")!.message).toBe('expected a positive number, found "189.5"');
    expect(result.problems.find((problem) => problem.field === "qty")!.message).toMatch(/unknown field/);
  });

  it.each([
    ["symbol too long", { symbol: "ABCDEFGHIJKLM" }, "symbol"],
    ["symbol starting with a digit", { symbol: "1ABC" }, "symbol"],
    ["zero price", { price: 0 }, "price"],
    ["infinite quantity", { quantity: Infinity }, "quantity"],
    ["NaN price", { price: NaN }, "price"],
    ["timestamp without timezone", { timestamp: "2024-03-01T14:30:00" }, "timestamp"],
    ["30 February", { timestamp: "2024-02-30T00:00:00Z" }, "timestamp"],
    ["29 February in a common year", { timestamp: "2023-02-29T00:00:00Z" }, "timestamp"],
    ["hour 24", { timestamp: "2024-03-01T24:00:00Z" }, "timestamp"],
    ["date only", { timestamp: "2024-03-01" }, "timestamp"],
    ["a year before 1970 (an unset clock)", { timestamp: "0001-01-01T00:00:00Z" }, "timestamp"],
    ["numeric venue", { venue: 42 }, "venue"],
  ])("rejects %s", (_name, change, field) => {
    expect(validateTrade({ ...good, ...change }, 0).problems.map((problem) => problem.field)).toEqual([field]);
  });

  it.each([null, [], "trade", 3])("rejects a record that is not an object (%p)", (record) => {
    expect(validateTrade(record, 2).problems).toEqual([{ index: 2, field: "", message: expect.stringMatching(/^expected a trade object/) }]);
  });
});

describe("parseTradeTimestamp", () => {
  it("honours the offset and keeps sub-millisecond digits", () => {
    expect(parseTradeTimestamp("2024-03-01T14:30:00Z")).toBe(Date.UTC(2024, 2, 1, 14, 30));
    expect(parseTradeTimestamp("2024-03-01T16:30:00+02:00")).toBe(Date.UTC(2024, 2, 1, 14, 30));
    expect(parseTradeTimestamp("2024-03-01T14:30:00.000250Z")).toBeCloseTo(Date.UTC(2024, 2, 1, 14, 30) + 0.25, 6);
  });
});

describe("validateTradeBatch", () => {
  it("accepts trades in any timestamp order", () => {
    const batch = [
      { ...good, tradeId: "b", timestamp: "2024-03-01T14:31:00Z" },
      { ...good, tradeId: "a", timestamp: "2024-03-01T14:30:00Z" },
    ];
    expect(validateTradeBatch(batch)).toEqual({ ok: true, trades: batch });
  });

  it("rejects a repeated tradeId, naming the first record that used it", () => {
    const result = validateTradeBatch([good, { ...good, tradeId: "T-2" }, good]);
    expect(result).toEqual({ ok: false, problems: [{ index: 2, field: "tradeId", message: 'duplicate tradeId "T-1", first seen in record 0' }] });
  });

  it("collects problems from every record", () => {
    const result = validateTradeBatch([{ ...good, price: -1 }, good, { ...good, tradeId: "x", side: "hold" }]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((problem) => `${problem.index}:${problem.field}`)).toEqual(["0:price", "2:side"]);
  });
});

describe("NDJSON lines", () => {
  it("round-trips a trade through its line", () => {
    const line = tradeToNdjsonLine(good);
    expect(parseTradeLine(line, 0)).toEqual({ trade: good, problems: [] });
  });

  it("explains a line that is not JSON", () => {
    expect(parseTradeLine('{"tradeId":', 4).problems[0]).toMatchObject({ index: 4, field: "", message: expect.stringMatching(/^not valid JSON/) });
  });
});
