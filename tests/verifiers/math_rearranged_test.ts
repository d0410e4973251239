// Issue 18: equivalences the public graders accept that the checker used to miss, each kind in
// both directions, with near-misses that must stay unequal (no false positive is the first rule).
import assert from "node:assert/strict";
import { checkMathAnswer } from "../../verifiers/math/mod.ts";

/** [kind, gold, pred, expected equal] — each pair is checked both ways. */
const PAIRS: [string, string, string, boolean][] = [
  // \tfrac / \dfrac / \frac with brace-less arguments
  ["frac: \\dfrac34", "\\dfrac34", "\\frac{3}{4}", true],
  ["frac: \\tfrac12 vs decimal", "\\tfrac12", "0.5", true],
  ["frac: \\dfrac1{10}", "\\dfrac1{10}", "0.1", true],
  ["frac: \\cfrac23 vs 2/3", "\\cfrac23", "2/3", true],
  ["frac: \\dbinom52", "\\dbinom52", "10", true],
  ["frac near-miss: numerator and denominator swapped", "\\dfrac34", "\\frac43", false],
  ["frac near-miss: \\dfrac34 is not 34", "\\dfrac34", "34", false],
  ["frac near-miss: two-digit numerator needs braces", "\\dfrac{34}{5}", "\\dfrac345", false],
  // thousands separators with spacing commands
  ["thousands: 32,\\!349", "32,\\!349", "32349", true],
  ["thousands: 32,\\! 349 (space after)", "32,\\! 349", "32349", true],
  ["thousands: 1,\\!234,\\!567", "1,\\!234,\\!567", "1234567", true],
  ["thousands: {,}\\!", "1{,}\\!000", "1000", true],
  ["thousands: with a decimal part", "32,\\!349.5", "32349.5", true],
  ["thousands near-miss: a list with a thin space stays a list", "100,\\,200", "100200", false],
  ["thousands near-miss: two-digit group", "32,\\!34", "3234", false],
  ["thousands near-miss: different digits", "32,\\!349", "32348", false],
  // number words
  ["words: 5 million", "5 million", "5000000", true],
  ["words: 2.5 million", "2.5 million", "2500000", true],
  ["words: 3 billion", "3\\text{ billion}", "3000000000", true],
  ["words: 12 thousand", "12 thousand", "12000", true],
  ["words: five", "five", "5", true],
  ["words: twenty", "twenty", "20", true],
  ["words near-miss: 5 million is not 5 (the scale is no unit)", "5 million", "5", false],
  ["words near-miss: 5 million is not 5000", "5 million", "5000", false],
  ["words near-miss: five is not 6", "five", "6", false],
  // mixed numbers
  ["mixed: 7 3/4", "7 3/4", "\\frac{31}{4}", true],
  ["mixed: 7 3/4 vs 7.75", "7 3/4", "7.75", true],
  ["mixed: negative", "-2 1/3", "-\\frac73", true],
  ["mixed: vs 7\\frac34", "7 3/4", "7\\frac{3}{4}", true],
  ["mixed near-miss: not the product 21/4", "7 3/4", "\\frac{21}{4}", false],
  ["mixed near-miss: an improper fraction is no mixed number", "7 8/4", "9", false],
  ["mixed near-miss: different fraction", "7 3/4", "7.5", false],
  // scientific notation
  ["scientific: 1.5\\times10^{3}", "1.5\\times10^{3}", "1500", true],
  ["scientific: \\cdot and a negative exponent", "2.5\\cdot10^{-2}", "0.025", true],
  ["scientific: E notation", "1.5e3", "1500", true],
  ["scientific: E notation, negative", "4E-2", "0.04", true],
  ["scientific: two notations", "6.02\\times 10^{23}", "6.02e23", true],
  ["scientific near-miss: exponent off by one", "1.5\\times10^{3}", "15000", false],
  ["scientific near-miss: mantissa differs", "1.5\\times10^{3}", "1.6e3", false],
  // relations under rearrangement
  ["inequality: flipped", "x < 3", "3 > x", true],
  ["inequality: flipped, not strict", "x \\le 3", "3 \\geq x", true],
  ["inequality: spelled differently", "x \\leq -1", "x <= -1", true],
  ["inequality: unicode", "x \\ge 2", "x \u2265 2", true],
  ["inequality: chain flipped", "1 < x \\le 5", "5 \\ge x > 1", true],
  ["inequality: two variables rescaled", "y < 2x + 1", "2y < 4x + 2", true],
  ["inequality: two variables rearranged", "y \\le 2x + 1", "2x - y + 1 \\ge 0", true],
  ["equation: solved for a variable", "y = 2x + 3", "2x - y + 3 = 0", true],
  ["equation: solved for the other variable", "y = 2x + 3", "x = \\frac{y - 3}{2}", true],
  ["equation: rescaled", "x + 2y = 4", "2x + 4y = 8", true],
  ["equation: solved and rescaled", "y = \\frac{1}{2}x - 1", "2y = x - 2", true],
  ["inequality near-miss: direction", "x < 3", "x > 3", false],
  ["inequality near-miss: sides swapped without flipping", "x < 3", "3 < x", false],
  ["inequality near-miss: strictness", "x < 3", "x \\le 3", false],
  ["inequality near-miss: bound", "x < 3", "x < 4", false],
  ["inequality near-miss: variable", "x < 3", "y < 3", false],
  ["inequality near-miss: a restated problem is not its answer", "x > -2", "2x + 4 > 0", false],
  ["inequality near-miss: negative scaling flips", "y < 2x + 1", "-y < -2x - 1", false],
  ["inequality near-miss: chain bounds", "1 < x \\le 5", "1 < x \\le 6", false],
  ["inequality near-miss: not an equation", "x < 3", "x = 3", false],
  ["equation near-miss: a different line", "y = 2x + 3", "y = 2x + 4", false],
  ["equation near-miss: a restated one-variable problem", "x = -2", "2x + 4 = 0", false],
  ["equation near-miss: not proportional", "x + 2y = 4", "2x + 4y = 4", false],
  ["equation near-miss: other slope", "y = 2x + 3", "2x + y + 3 = 0", false],
];

for (const [kind, gold, pred, equal] of PAIRS) {
  Deno.test(`math (issue 18) ${kind}: ${gold} ${equal ? "=" : "≠"} ${pred}`, () => {
    const ab = checkMathAnswer(gold, pred), ba = checkMathAnswer(pred, gold);
    assert.equal(ab.equal, equal, `gold ${gold} pred ${pred}: ${ab.reason}`);
    assert.equal(ba.equal, equal, `gold ${pred} pred ${gold}: ${ba.reason}`);
  });
}
