/**
 * `mod`: `a*b mod m`, e.g. `347*512 mod 13`.
 *
 * Worked solution: reduce each factor with its quotient written out (`347=26*13+9`, checkable by
 * multiplying back), multiply the remainders (`9*5=45`), reduce again (`45=3*13+6`).
 * Levels: 1 → m 3–9, a, b in [m, 30]; 2 → m 7–19, a, b 20–99; 3 → m 11–29, a, b 100–999.
 *
 * Slips: `remainder@0|1|3` (a remainder off by ±1 while the quotient is kept: the line is false and
 * a recheck can see it), `digit@2` (the product of the remainders off by ±1 or by one factor).
 *
 * @module
 */
import type { Family, Slip, Worked } from "./types.ts";

/** Parameters of a modular product. */
export interface ModParams {
  a: number;
  b: number;
  m: number;
}

const reduceLine = (n: number, m: number, rem?: number): string => {
  const q = Math.floor(n / m);
  return `${n}=${q}*${m}+${rem ?? n - q * m}`;
};

/** The modular-arithmetic family. */
export const modFamily: Family<ModParams> = {
  name: "mod",
  levels: [1, 2, 3],
  description: "a*b mod m via remainders with explicit quotients; levels widen a, b and m",
  generate(rng, level) {
    if (level === 1) {
      const m = rng.int(3, 9);
      return { a: rng.int(m, 30), b: rng.int(m, 30), m };
    }
    if (level === 2) return { a: rng.int(20, 99), b: rng.int(20, 99), m: rng.int(7, 19) };
    return { a: rng.int(100, 999), b: rng.int(100, 999), m: rng.int(11, 29) };
  },
  format: ({ a, b, m }) => `${a}*${b} mod ${m}`,
  parse(q) {
    const r = /^(\d+)\*(\d+) mod (\d+)$/.exec(q);
    if (!r) return null;
    const m = Number(r[3]);
    return m >= 2 ? { a: Number(r[1]), b: Number(r[2]), m } : null;
  },
  answer: ({ a, b, m }) => (BigInt(a) * BigInt(b)) % BigInt(m),
  work({ a, b, m }, slip?: Slip): Worked {
    const remSlip = (
      at: number,
    ) => (slip?.kind === "remainder" && slip.at === at ? slip.delta ?? 1 : 0);
    const ra = (a % m) + remSlip(0), rb = (b % m) + remSlip(1);
    let p = ra * rb;
    if (slip?.kind === "digit" && slip.at === 2) p = Math.max(0, p + (slip.delta ?? 1));
    const r = (p % m) + remSlip(3);
    return {
      steps: [
        reduceLine(a, m, ra),
        reduceLine(b, m, rb),
        `${ra}*${rb}=${p}`,
        reduceLine(p, m, r),
      ],
      answer: BigInt(r),
    };
  },
  slips({ a, b, m }, rng) {
    const cands: Slip[] = [];
    const ra = a % m, rb = b % m, r = (ra * rb) % m;
    const remDelta = (v: number): number => (v === 0 ? 1 : v === m - 1 ? -1 : rng.pick([1, -1]));
    cands.push({ kind: "remainder", at: 0, delta: remDelta(ra) });
    cands.push({ kind: "remainder", at: 1, delta: remDelta(rb) });
    const pd = rng.pick([1, -1, ra || 1, -(rb || 1)]);
    if (ra * rb + pd >= 0) cands.push({ kind: "digit", at: 2, delta: pd });
    cands.push({ kind: "remainder", at: 3, delta: remDelta(r) });
    return rng.shuffle(cands);
  },
};
