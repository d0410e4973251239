/**
 * `lin`: solve `a*x + b = c` for an integer x, written `3x+7=22` (or `3x-7=8`).
 *
 * Worked solution: `3x=22-7=15` (move b across, flipping its sign), then `x=15/3=5`.
 * Levels: 1 → a 2–9, x 0–15, b 1–30; 2 → a 2–9, x −20…20, b ±1…50; 3 → a 11–25, x −50…50,
 * b ±1…200.
 *
 * Slips: `sign@0` (b moved across without flipping its sign; only where the result still divides
 * by a), `digit@0` (a borrow slip: the difference off by ±10, only where it still divides),
 * `sign@1` (the quotient's sign flipped), `digit@1` (the quotient off by ±1).
 *
 * @module
 */
import type { Rng } from "../rng.ts";
import type { Family, Slip, Worked } from "./types.ts";

/** Parameters of a linear equation `a*x + b = c`. */
export interface LinParams {
  a: number;
  b: number;
  c: number;
}

const nonZero = (rng: Rng, lim: number): number => (rng.bool() ? 1 : -1) * rng.int(1, lim);

/** The linear-equation family. */
export const linFamily: Family<LinParams> = {
  name: "lin",
  levels: [1, 2, 3],
  description: "solve a*x+b=c (written 3x+7=22); levels widen a, x and b",
  generate(rng, level) {
    let a: number, x: number, b: number;
    if (level === 1) [a, x, b] = [rng.int(2, 9), rng.int(0, 15), rng.int(1, 30)];
    else if (level === 2) [a, x, b] = [rng.int(2, 9), rng.int(-20, 20), nonZero(rng, 50)];
    else [a, x, b] = [rng.int(11, 25), rng.int(-50, 50), nonZero(rng, 200)];
    return { a, b, c: a * x + b };
  },
  format: ({ a, b, c }) => `${a}x${b < 0 ? "-" : "+"}${Math.abs(b)}=${c}`,
  parse(q) {
    const m = /^(\d+)x([+-])(\d+)=(-?\d+)$/.exec(q);
    if (!m) return null;
    const a = Number(m[1]), b = (m[2] === "-" ? -1 : 1) * Number(m[3]), c = Number(m[4]);
    if (a === 0 || (c - b) % a !== 0) return null;
    return { a, b, c };
  },
  answer: ({ a, b, c }) => BigInt((c - b) / a),
  work({ a, b, c }, slip?: Slip): Worked {
    const flipMove = slip?.kind === "sign" && slip.at === 0;
    let r = flipMove ? c + b : c - b;
    if (slip?.kind === "digit" && slip.at === 0) r += slip.delta ?? 10;
    const op = (b > 0) !== flipMove ? "-" : "+";
    let x = r / a;
    if (!Number.isInteger(x)) throw new Error(`lin: slip ${JSON.stringify(slip)} breaks division`);
    if (slip?.kind === "sign" && slip.at === 1) x = -x;
    if (slip?.kind === "digit" && slip.at === 1) x += slip.delta ?? 1;
    x = x === 0 ? 0 : x; // no "-0"
    return {
      steps: [`${a}x=${c}${op}${Math.abs(b)}=${r}`, `x=${r}/${a}=${x}`],
      answer: BigInt(x),
    };
  },
  slips({ a, b, c }, rng) {
    const r = c - b;
    const cands: Slip[] = [];
    if ((c + b) % a === 0 && b !== 0) cands.push({ kind: "sign", at: 0 });
    const d = rng.bool() ? 10 : -10;
    if ((r + d) % a === 0) cands.push({ kind: "digit", at: 0, delta: d });
    if (r !== 0) cands.push({ kind: "sign", at: 1 });
    cands.push({ kind: "digit", at: 1, delta: rng.bool() ? 1 : -1 });
    return rng.shuffle(cands);
  },
};
