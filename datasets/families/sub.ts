/**
 * `sub`: solve `x+b=c` for x — an inverse problem whose answer is cheaper to check than to find.
 *
 * Worked solution: a one-shot guess `x=4507`, then the check `x+b` by columns, right to left, each
 * line `xd+bd=s cd` (or `xd+bd+1=s cd` with an incoming carry) ending in the digit of `c` that
 * the column must produce, then the verdict `ok` (x+b = c) or `no`, then the answer line. Finding
 * x is a one-shot subtraction; checking it is single-digit additions compared digit by digit, so a
 * wrong guess shows itself in the column where the sum's last digit differs from c's digit.
 *
 * ```
 * x=4517        ← a guess with a borrow slip
 * 7+6=13 3
 * 1+5+1=7 6     ← 7 ≠ 6: the check exposes the slip
 * 5+7=12 2
 * 4+4+1=9 9
 * no
 * = 4517
 * ```
 *
 * The noisy solver never acts on its own verdict (it answers its guess): that is the base model's
 * missing self-correction skill. Levels: x has L+1 digits; b has L+1 digits at level 1 and L or
 * L+1 digits above.
 *
 * Slips (of the guess only; the check is always computed correctly from the guess): `carry` at
 * column k (a borrow out of column k not taken from column k+1: the guess is 10^(k+1) too big),
 * `digit` at column k (the guess's digit k off by ±1, when that keeps it a non-negative number).
 *
 * @module
 */
import type { Rng } from "../rng.ts";
import type { Family, Slip, Worked } from "./types.ts";

/** Parameters of `x+b=c`, with x = c − b ≥ 0. */
export interface SubParams {
  b: number;
  c: number;
}

const randDigits = (rng: Rng, n: number): number => rng.int(10 ** (n - 1), 10 ** n - 1);
const digitAt = (n: number, k: number): number => Math.floor(n / 10 ** k) % 10;

/** The column check of a guess: step lines and whether guess + b = c. */
export function checkColumns(
  guess: number,
  b: number,
  c: number,
): { lines: string[]; ok: boolean } {
  const width = Math.max(String(guess).length, String(b).length, String(c).length);
  const lines: string[] = [];
  let carry = 0;
  for (let k = 0; k < width; k++) {
    const s = digitAt(guess, k) + digitAt(b, k) + carry;
    lines.push(`${digitAt(guess, k)}+${digitAt(b, k)}${carry ? "+1" : ""}=${s} ${digitAt(c, k)}`);
    carry = s >= 10 ? 1 : 0;
  }
  return { lines, ok: guess + b === c };
}

/**
 * The guess c − b with `slip` applied (a borrow not taken: 10^(at+1) too big; a digit ±1), its
 * column check and the verdict line; shared by `sub` and the answer-first `chk`.
 */
export function checkedGuess(
  { b, c }: SubParams,
  slip: Slip | undefined,
  family: string,
): { guess: number; checkLines: string[] } {
  let guess = c - b;
  if (slip?.kind === "carry") guess += 10 ** (slip.at + 1);
  if (slip?.kind === "digit") guess += (slip.delta ?? 1) * 10 ** slip.at;
  if (guess < 0) {
    throw new Error(`${family}: slip ${JSON.stringify(slip)} makes the guess negative`);
  }
  const { lines, ok } = checkColumns(guess, b, c);
  return { guess, checkLines: [...lines, ok ? "ok" : "no"] };
}

/** The inverse-addition family. */
export const subFamily: Family<SubParams> = {
  name: "sub",
  levels: [1, 2, 3],
  description: "solve x+b=c: a one-shot guess, then a column check x+b against c; " +
    "level L: (L+1)-digit x",
  generate(rng, level) {
    const n = level + 1;
    const nb = level === 1 ? n : rng.int(n - 1, n);
    const x = randDigits(rng, n), b = randDigits(rng, nb);
    return { b, c: x + b };
  },
  format: ({ b, c }) => `x+${b}=${c}`,
  parse(q) {
    const m = /^x\+(\d+)=(\d+)$/.exec(q);
    if (!m) return null;
    const b = Number(m[1]), c = Number(m[2]);
    return c >= b ? { b, c } : null;
  },
  answer: ({ b, c }) => BigInt(c - b),
  work(p, slip?: Slip): Worked {
    const { guess, checkLines } = checkedGuess(p, slip, "sub");
    return { steps: [`x=${guess}`, ...checkLines], answer: BigInt(guess) };
  },
  slips({ b, c }, rng) {
    const x = c - b;
    const cands: Slip[] = [];
    let borrow = 0;
    for (let k = 0; k < String(c).length; k++) {
      const d = digitAt(c, k) - digitAt(b, k) - borrow;
      borrow = d < 0 ? 1 : 0;
      if (borrow) cands.push({ kind: "carry", at: k });
      if (k < String(x).length) {
        const delta = rng.bool() ? 1 : -1;
        const xd = digitAt(x, k);
        const leading = k === String(x).length - 1;
        if (xd + delta >= (leading ? 1 : 0) && xd + delta <= 9) {
          cands.push({ kind: "digit", at: k, delta });
        }
      }
    }
    return rng.shuffle(cands);
  },
};
