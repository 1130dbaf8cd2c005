// Infracost prints every cost as a decimal string ("0.0167726027397260224") so
// that no precision is lost; binary floats would turn 0.1 + 0.2 into
// 0.30000000000000004 and a null into NaN. These values are integers scaled by
// a power of ten, so sums and differences are exact and rounding happens once,
// when a cost is shown.

const DECIMAL_PATTERN = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

export class Decimal {
  /** value = units / 10^scale */
  private constructor(
    private readonly units: bigint,
    private readonly scale: number,
  ) {}

  static readonly ZERO = new Decimal(0n, 0);

  /** Parses a decimal string such as "12.244", "-0.5" or "1e-3"; undefined when it is not one. */
  static tryParse(text: string): Decimal | undefined {
    const match = DECIMAL_PATTERN.exec(text.trim());
    if (!match) return undefined;
    const [, sign, whole, fraction = "", exponentText] = match;
    const exponent = exponentText === undefined ? 0 : Number(exponentText);
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000) return undefined;
    let digits = whole + fraction;
    let scale = fraction.length - exponent;
    if (scale < 0) {
      digits += "0".repeat(-scale);
      scale = 0;
    }
    const units = BigInt(digits);
    return new Decimal(sign === "-" ? -units : units, scale);
  }

  static fromInteger(value: number | bigint): Decimal {
    return new Decimal(BigInt(value), 0);
  }

  private static aligned(a: Decimal, b: Decimal): [bigint, bigint, number] {
    const scale = Math.max(a.scale, b.scale);
    return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
  }

  plus(other: Decimal): Decimal {
    const [a, b, scale] = Decimal.aligned(this, other);
    return new Decimal(a + b, scale);
  }

  minus(other: Decimal): Decimal {
    const [a, b, scale] = Decimal.aligned(this, other);
    return new Decimal(a - b, scale);
  }

  compare(other: Decimal): -1 | 0 | 1 {
    const [a, b] = Decimal.aligned(this, other);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  isNegative(): boolean {
    return this.units < 0n;
  }

  abs(): Decimal {
    return this.units < 0n ? new Decimal(-this.units, this.scale) : this;
  }

  /** Rounds half away from zero to `places` decimals (how invoices round). */
  round(places: number): Decimal {
    if (this.scale <= places) return this;
    const divisor = 10n ** BigInt(this.scale - places);
    const magnitude = this.units < 0n ? -this.units : this.units;
    let quotient = magnitude / divisor;
    if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
    return new Decimal(this.units < 0n ? -quotient : quotient, places);
  }

  /**
   * `this / divisor * 100`, rounded half away from zero to `places` decimals;
   * undefined when the divisor is zero (a cost that starts from nothing has no
   * meaningful percentage).
   */
  percentOf(divisor: Decimal, places = 0): Decimal | undefined {
    if (divisor.isZero()) return undefined;
    const [numerator, denominator] = Decimal.aligned(this, divisor);
    const scaled = numerator * 100n * 10n ** BigInt(places);
    const negative = scaled < 0n !== denominator < 0n;
    const magnitudeN = scaled < 0n ? -scaled : scaled;
    const magnitudeD = denominator < 0n ? -denominator : denominator;
    let quotient = magnitudeN / magnitudeD;
    if ((magnitudeN % magnitudeD) * 2n >= magnitudeD) quotient += 1n;
    return new Decimal(negative ? -quotient : quotient, places);
  }

  /** Plain decimal notation without exponent or trailing zeros: "12.244", "-0.5", "0". */
  toString(): string {
    const negative = this.units < 0n;
    let digits = (negative ? -this.units : this.units).toString();
    if (this.scale === 0) return (negative ? "-" : "") + digits;
    digits = digits.padStart(this.scale + 1, "0");
    const whole = digits.slice(0, digits.length - this.scale);
    const fraction = digits.slice(digits.length - this.scale).replace(/0+$/, "");
    const text = fraction ? `${whole}.${fraction}` : whole;
    return negative && text !== "0" ? `-${text}` : text;
  }

  /** Fixed notation with exactly `places` decimals, rounding half away from zero: "12.24". */
  toFixed(places: number): string {
    const rounded = this.round(places);
    const units = rounded.units * 10n ** BigInt(places - rounded.scale);
    const negative = units < 0n;
    const digits = (negative ? -units : units).toString().padStart(places + 1, "0");
    const text = places === 0 ? digits : `${digits.slice(0, digits.length - places)}.${digits.slice(digits.length - places)}`;
    return negative ? `-${text}` : text;
  }
}
