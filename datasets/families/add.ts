/**
 * `add`: column addition with explicit carries, e.g. `4821+967`.
 *
 * Worked solution: one line per column, right to left, `da+db=s` or `da+db+1=s` when a carry comes
 * in (the shorter addend is padded with 0). Level L: the first addend has L+1 digits; the second
 * has L+1 digits at level 1 and L or L+1 digits above.
 *
 * Slips: `carry` (an incoming carry is not added in that column), `digit` (a column sum off by ±1).
 * The answer is assembled from the written column sums, so the slip propagates.
 *
 * Misconception: the carry into the leading (leftmost) column is forgotten — a `carry` slip at
 * that column, visible in the steps as a sum of 10 or more followed by a line without `+1`.
 *
 * Second guess (a revision that changes a step it had right): the carry out of the units column
 * is dropped in the tens column, where the units column carries.
 *
 * @module
 */
import type { Rng } from "../rng.ts";
import type { Family, Slip, Worked } from "./types.ts";

/** Parameters of an addition problem. */
export interface AddParams {
  a: number;
  b: number;
}

const digitsOf = (n: number, width: number): number[] => {
  const s = String(n).padStart(width, "0");
  return [...s].reverse().map(Number);
};

const randDigits = (rng: Rng, n: number): number => rng.int(10 ** (n - 1), 10 ** n - 1);

/** The addition family. */
export const addFamily: Family<AddParams> = {
  name: "add",
  levels: [1, 2, 3],
  description: "a+b by columns with carries; level L: (L+1)-digit addends",
  generate(rng, level) {
    const n = level + 1;
    const nb = level === 1 ? n : rng.int(n - 1, n);
    return { a: randDigits(rng, n), b: randDigits(rng, nb) };
  },
  format: ({ a, b }) => `${a}+${b}`,
  parse(q) {
    const m = /^(\d+)\+(\d+)$/.exec(q);
    return m ? { a: Number(m[1]), b: Number(m[2]) } : null;
  },
  answer: ({ a, b }) => BigInt(a) + BigInt(b),
  work({ a, b }, slip?: Slip): Worked {
    const width = Math.max(String(a).length, String(b).length);
    const da = digitsOf(a, width), db = digitsOf(b, width);
    const steps: string[] = [];
    const out: number[] = [];
    let carry = 0;
    for (let i = 0; i < width; i++) {
      let usedCarry = carry;
      if (slip?.kind === "carry" && slip.at === i) usedCarry = 0;
      let s = da[i] + db[i] + usedCarry;
      if (slip?.kind === "digit" && slip.at === i) s = Math.max(0, s + (slip.delta ?? 1));
      steps.push(`${da[i]}+${db[i]}${usedCarry ? "+1" : ""}=${s}`);
      out.push(s % 10);
      carry = Math.floor(s / 10);
    }
    let answer = 0n;
    if (carry) answer = BigInt(carry);
    for (let i = width - 1; i >= 0; i--) answer = answer * 10n + BigInt(out[i]);
    return { steps, answer };
  },
  misconception({ a, b }) {
    const width = Math.max(String(a).length, String(b).length);
    const da = digitsOf(a, width), db = digitsOf(b, width);
    let carry = 0;
    for (let i = 0; i < width - 1; i++) carry = da[i] + db[i] + carry >= 10 ? 1 : 0;
    return carry ? { kind: "carry", at: width - 1 } : null;
  },
  secondGuess({ a, b }) {
    return (a % 10) + (b % 10) >= 10 ? { kind: "carry", at: 1 } : null;
  },
  slips(p, rng) {
    const width = Math.max(String(p.a).length, String(p.b).length);
    const da = digitsOf(p.a, width), db = digitsOf(p.b, width);
    const cands: Slip[] = [];
    let carry = 0;
    for (let i = 0; i < width; i++) {
      if (carry) cands.push({ kind: "carry", at: i });
      carry = da[i] + db[i] + carry >= 10 ? 1 : 0;
      cands.push({ kind: "digit", at: i, delta: rng.bool() ? 1 : -1 });
    }
    return rng.shuffle(cands);
  },
};
