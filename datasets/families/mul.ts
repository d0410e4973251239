/**
 * `mul`: multiplication with partial products, e.g. `347*6` or `47*36`.
 *
 * Levels: 1 → a 2–3 digit number times one digit (2–9); 2 → a 4-digit number times one digit;
 * 3 → two 2-digit numbers.
 *
 * Worked solution, one-digit multiplier: one line per digit of `a`, right to left, `d*m=p` or
 * `d*m+c=p` with the carry `c` from the previous line. Two-digit multiplier `b = 10·b1 + b0`:
 * `a*b0=p0`, `a*b1 0=p1` (written `47*30=1410`), `p0+p1=s`.
 *
 * Slips: `carry` (an incoming carry is not added; in the 2-digit case, a carry dropped while adding
 * the partial products), `digit` (a line's result off by `delta`). Later lines use the slipped value.
 *
 * @module
 */
import type { Rng } from "../rng.ts";
import type { Family, Slip, Worked } from "./types.ts";

/** Parameters of a multiplication problem. */
export interface MulParams {
  a: number;
  b: number;
}

/** Adds two non-negative integers column-wise; optionally drops the carry entering column `drop`. */
function addColumns(x: number, y: number, drop = -1): number {
  let carry = 0, place = 1, out = 0;
  while (x > 0 || y > 0 || carry > 0) {
    const c = carry && place === 10 ** drop ? 0 : carry;
    const s = (x % 10) + (y % 10) + c;
    out += (s % 10) * place;
    carry = s >= 10 ? 1 : 0;
    x = Math.floor(x / 10);
    y = Math.floor(y / 10);
    place *= 10;
  }
  return out;
}

/** Column indices (0 = units) that receive a carry when adding x and y. */
function carryColumns(x: number, y: number): number[] {
  const cols: number[] = [];
  let carry = 0, i = 0;
  while (x > 0 || y > 0) {
    if (carry) cols.push(i);
    carry = (x % 10) + (y % 10) + carry >= 10 ? 1 : 0;
    x = Math.floor(x / 10);
    y = Math.floor(y / 10);
    i++;
  }
  if (carry) cols.push(i);
  return cols;
}

/** The multiplication family. */
export const mulFamily: Family<MulParams> = {
  name: "mul",
  levels: [1, 2, 3],
  description: "a*b with partial products; L1 2-3 digits x 1 digit, L2 4 x 1, L3 2 x 2 digits",
  generate(rng, level) {
    if (level === 1) return { a: rng.int(10, 999), b: rng.int(2, 9) };
    if (level === 2) return { a: rng.int(1000, 9999), b: rng.int(2, 9) };
    return { a: rng.int(10, 99), b: rng.int(11, 99) };
  },
  format: ({ a, b }) => `${a}*${b}`,
  parse(q) {
    const m = /^(\d+)\*(\d+)$/.exec(q);
    return m ? { a: Number(m[1]), b: Number(m[2]) } : null;
  },
  answer: ({ a, b }) => BigInt(a) * BigInt(b),
  work({ a, b }, slip?: Slip): Worked {
    const steps: string[] = [];
    if (b < 10) {
      const ds = [...String(a)].reverse().map(Number);
      let carry = 0, answer = 0n, place = 1n;
      ds.forEach((d, i) => {
        const c = slip?.kind === "carry" && slip.at === i ? 0 : carry;
        let p = d * b + c;
        if (slip?.kind === "digit" && slip.at === i) p = Math.max(0, p + (slip.delta ?? 1));
        steps.push(`${d}*${b}${c ? `+${c}` : ""}=${p}`);
        answer += BigInt(p % 10) * place;
        place *= 10n;
        carry = Math.floor(p / 10);
      });
      answer += BigInt(carry) * place;
      return { steps, answer };
    }
    const b0 = b % 10, b1 = Math.floor(b / 10);
    let p0 = a * b0, p1 = a * b1 * 10;
    if (slip?.kind === "digit" && slip.at === 0) p0 = Math.max(0, p0 + (slip.delta ?? 1));
    if (slip?.kind === "digit" && slip.at === 1) p1 = Math.max(0, p1 + (slip.delta ?? 10));
    let s = slip?.kind === "carry" && slip.at === 2 ? addColumns(p0, p1, slip.delta) : p0 + p1;
    if (slip?.kind === "digit" && slip.at === 2) s = Math.max(0, s + (slip.delta ?? 1));
    steps.push(`${a}*${b0}=${p0}`, `${a}*${b1}0=${p1}`, `${p0}+${p1}=${s}`);
    return { steps, answer: BigInt(s) };
  },
  slips({ a, b }, rng: Rng) {
    const cands: Slip[] = [];
    const sign = () => (rng.bool() ? 1 : -1);
    if (b < 10) {
      let carry = 0;
      [...String(a)].reverse().map(Number).forEach((d, i) => {
        if (carry) cands.push({ kind: "carry", at: i });
        cands.push({ kind: "digit", at: i, delta: sign() });
        carry = Math.floor((d * b + carry) / 10);
      });
    } else {
      const p0 = a * (b % 10), p1 = a * Math.floor(b / 10) * 10;
      cands.push({ kind: "digit", at: 0, delta: sign() * rng.pick([1, 10]) });
      cands.push({ kind: "digit", at: 1, delta: sign() * rng.pick([10, 100]) });
      // for the partial-product sum, `delta` carries the column whose incoming carry is dropped
      for (const col of carryColumns(p0, p1)) cands.push({ kind: "carry", at: 2, delta: col });
    }
    return rng.shuffle(cands);
  },
};
