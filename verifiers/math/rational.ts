/**
 * Exact rational numbers on BigInt (always normalized: gcd 1, positive denominator).
 *
 * @module
 */
import { BudgetError } from "./budget.ts";

const abs = (x: bigint) => (x < 0n ? -x : x);

function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Number of bits of |x| (0 for 0). */
export function bitLength(x: bigint): number {
  return x === 0n ? 0 : abs(x).toString(2).length;
}

/** Integer k-th root of a non-negative BigInt when it is exact, else null. */
export function exactRoot(x: bigint, k: number): bigint | null {
  if (x < 0n) return null;
  if (x < 2n) return x;
  const K = BigInt(k);
  // Newton iteration from an upper bound
  let r = 1n << BigInt(Math.ceil(bitLength(x) / k) + 1);
  for (;;) {
    const next = ((K - 1n) * r + x / r ** (K - 1n)) / K;
    if (next >= r) break;
    r = next;
  }
  return r ** K === x ? r : null;
}

/** An exact rational n/d. */
export class Rational {
  readonly n: bigint;
  readonly d: bigint;
  constructor(n: bigint, d: bigint = 1n) {
    if (d === 0n) throw new RangeError("Rational: zero denominator");
    if (d < 0n) [n, d] = [-n, -d];
    const g = gcd(n, d);
    this.n = g > 1n ? n / g : n;
    this.d = g > 1n ? d / g : d;
  }
  /** Parses a plain decimal like `-12`, `3.25`, `.5`; null when not one. */
  static parseDecimal(text: string): Rational | null {
    const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text);
    if (!m || (m[2] === "" && (m[3] ?? "") === "")) return null;
    const frac = m[3] ?? "";
    const n = BigInt((m[2] || "0") + frac) * (m[1] ? -1n : 1n);
    return new Rational(n, 10n ** BigInt(frac.length));
  }
  /** Throws `too_large` when numerator or denominator exceeds maxBits. */
  check(maxBits: number): Rational {
    if (bitLength(this.n) > maxBits || bitLength(this.d) > maxBits) {
      throw new BudgetError("too_large", `number exceeds ${maxBits} bits`);
    }
    return this;
  }
  add(o: Rational) {
    return new Rational(this.n * o.d + o.n * this.d, this.d * o.d);
  }
  sub(o: Rational) {
    return new Rational(this.n * o.d - o.n * this.d, this.d * o.d);
  }
  mul(o: Rational) {
    return new Rational(this.n * o.n, this.d * o.d);
  }
  /** Quotient, or null when dividing by zero. */
  div(o: Rational): Rational | null {
    return o.n === 0n ? null : new Rational(this.n * o.d, this.d * o.n);
  }
  neg() {
    return new Rational(-this.n, this.d);
  }
  isZero() {
    return this.n === 0n;
  }
  isInteger() {
    return this.d === 1n;
  }
  equals(o: Rational) {
    return this.n === o.n && this.d === o.d;
  }
  /** Integer power; the caller bounds the size first (see {@link powBits}). Null for 0^negative. */
  powInt(k: bigint): Rational | null {
    if (k >= 0n) return new Rational(this.n ** k, this.d ** k);
    if (this.n === 0n) return null;
    return new Rational(this.d ** -k, this.n ** -k);
  }
  /** Estimated bits of this^k (for refusing huge powers before computing them). */
  powBits(k: bigint): number {
    const b = Math.max(bitLength(this.n), bitLength(this.d));
    if (abs(this.n) <= 1n && this.d === 1n) return 1;
    return b * Number(abs(k));
  }
  toNumber(): number {
    const v = Number(this.n) / Number(this.d);
    if (Number.isFinite(v)) return v;
    // huge parts: scale down both sides by the same power of two
    const shift = BigInt(Math.max(bitLength(this.n), bitLength(this.d)) - 60);
    return Number(this.n >> shift) / Number(this.d >> shift);
  }
  toString() {
    return this.d === 1n ? `${this.n}` : `${this.n}/${this.d}`;
  }
}
