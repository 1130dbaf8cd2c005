import { Decimal } from "../../../review/src/infracost/decimal";

const d = (text: string): Decimal => {
  const value = Decimal.tryParse(text);
  if (!value) throw new Error(`not a decimal: ${text}`);
  return value;
};

describe("Decimal", () => {
  it("adds and subtracts exactly where binary floats drift", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(d("0.1").plus(d("0.2")).toString()).toBe("0.3");
    expect(d("81.122").minus(d("40.561")).toString()).toBe("40.561");
    expect(d("0.0167726027397260224").plus(d("0.0000000000000000001")).toString()).toBe("0.0167726027397260225");
  });

  it("rounds half away from zero to the cent, for negative values too", () => {
    expect(d("12.244").toFixed(2)).toBe("12.24");
    expect(d("12.985").toFixed(2)).toBe("12.99");
    expect(d("-12.985").toFixed(2)).toBe("-12.99");
    expect(d("-0.004").toFixed(2)).toBe("0.00");
    expect(d("5").toFixed(2)).toBe("5.00");
    expect(d("0.5").toFixed(0)).toBe("1");
  });

  it("reads exponents and signs, refuses anything that is not a number", () => {
    expect(d("1e-3").toString()).toBe("0.001");
    expect(d("2.5E2").toString()).toBe("250");
    expect(d("+7").toString()).toBe("7");
    for (const bad of ["", "NaN", "Infinity", "1,5", "0x10", "1.2.3", "abc", "-"]) expect(Decimal.tryParse(bad)).toBeUndefined();
  });

  it("computes percentages without dividing by zero", () => {
    expect(d("40.561").percentOf(d("40.561"))!.toString()).toBe("100");
    expect(d("25.40").percentOf(d("51.97"), 1)!.toString()).toBe("48.9");
    expect(d("-1").percentOf(d("3"), 1)!.toString()).toBe("-33.3");
    expect(d("5").percentOf(Decimal.ZERO)).toBeUndefined();
  });

  it("keeps digits past what a double can hold", () => {
    expect(d("123456789012345678.125").plus(d("0.005")).toFixed(2)).toBe("123456789012345678.13");
  });
});
