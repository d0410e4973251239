/**
 * `chk`: solve `x+b=c` for x with the answer committed first, then checked — a family in which a
 * first attempt ends with a check it can no longer act on, and a second attempt can.
 *
 * Worked solution: the answer line `= 4517` first (a one-shot subtraction, no scratchpad), then
 * the check `x+b` by columns, right to left, each line `xd+bd=s cd` (or `xd+bd+1=s cd` with an
 * incoming carry) ending in the digit of `c` that the column must produce, then the verdict `ok`
 * (x+b = c) or `no`. The integer verifier reads the first `= N` line, so the answer is fixed
 * before the check is written: nothing the check shows can change attempt 1's answer, while
 * attempt 2 (which sees attempt 1 and its check) can.
 *
 * ```
 * = 4517        ← a one-shot guess with a borrow slip, committed
 * 7+6=13 3
 * 1+5+1=7 6     ← 7 ≠ 6: the check exposes the slip
 * 5+7=12 2
 * 4+4+1=9 9
 * no            ← the verdict, too late for this attempt
 * ```
 *
 * The check is always computed correctly from the committed guess in the noisy solver's
 * transcripts, so a model that writes it truthfully reports its own one-shot errors; whether the
 * trained model's checks tell the truth is measured (`datasets/error_sources.ts`, `readCheck`). Levels: x has
 * L+1 digits; b has L+1 digits at level 1 and L or L+1 digits above. Questions are `sub`'s.
 *
 * Slips (of the guess only): `carry` at column k (a borrow out of column k not taken from column
 * k+1: the guess is 10^(k+1) too big), `digit` at column k (the guess's digit k off by ±1).
 * Second guess (a revision that changes an answer it had right): the borrow out of the units
 * column not taken, where the units column borrows (the guess 10 too big).
 *
 * @module
 */
import { checkedGuess, subFamily, type SubParams } from "./sub.ts";
import type { Family, Slip, Worked } from "./types.ts";

/** The answer-first inverse-addition family. */
export const chkFamily: Family<SubParams> = {
  name: "chk",
  levels: [1, 2, 3],
  description: "solve x+b=c: the answer first (one shot), then a column check x+b against c " +
    "and a verdict it cannot act on; level L: (L+1)-digit x",
  answerFirst: true,
  generate: subFamily.generate,
  format: subFamily.format,
  parse: subFamily.parse,
  answer: subFamily.answer,
  work(p, slip?: Slip): Worked {
    const { guess, checkLines } = checkedGuess(p, slip, "chk");
    return { steps: checkLines, answer: BigInt(guess) };
  },
  slips: subFamily.slips,
  secondGuess({ b, c }) {
    return c % 10 < b % 10 ? { kind: "carry", at: 0 } : null;
  },
};
