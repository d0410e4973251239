import assert from "node:assert/strict";
import fc from "fast-check";
import { checkMathAnswer } from "../../verifiers/math/mod.ts";

// deno-fmt-ignore
const TOKENS = [
  "1", "2", "0", "9", "x", "y", "+", "-", "*", "/", "^", "(", ")", "[", "]", "{", "}", "\\{",
  "\\}", ",", "=", "\\frac", "\\sqrt", "\\pi", "\\infty", "!", "|", "\\pm", "\\cup",
  "\\left(", "\\right)", "\\text{cm}", " ", "%", "\\%", "\\$", "$", "^\\circ", "\\sin",
  "\\log_", "e", "\\cdot", "&", "\\\\", ".", "\\boxed{", "\\in", "10^{", "9}", "!!",
  "\\begin{pmatrix}", "\\end{pmatrix}", "\\",
  // relations, number words, E notation, mixed numbers (issue 18)
  "<", ">", "\\le", "\\geq", " million", "e3", "E-2", " 3/4", "\\dfrac34", ",\\!",
];
const junk = fc.array(fc.constantFrom(...TOKENS), { maxLength: 14 }).map((a) => a.join(""));

Deno.test("random LaTeX-ish junk never crashes the checker and verdicts are symmetric", () => {
  fc.assert(
    fc.property(junk, junk, (a, b) => {
      const r1 = checkMathAnswer(a, b), r2 = checkMathAnswer(b, a);
      assert.ok(!r1.reason.startsWith("internal_error"), `${a} | ${b}: ${r1.reason}`);
      assert.ok(!r2.reason.startsWith("internal_error"), `${b} | ${a}: ${r2.reason}`);
      assert.equal(r1.equal, r2.equal, `${a} | ${b}: ${r1.reason} vs ${r2.reason}`);
    }),
    { numRuns: 1500, seed: 7 },
  );
});

/** a/b + c/d as LaTeX, and its exact value computed here with BigInt. */
const fractionSum = fc.tuple(
  fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
  fc.bigInt({ min: 1n, max: 10n ** 9n }),
  fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
  fc.bigInt({ min: 1n, max: 10n ** 9n }),
);

Deno.test("sums of fractions equal their exact value and differ from a value one ulp-of-denominator away", () => {
  const gcd = (x: bigint, y: bigint): bigint => (y === 0n ? (x < 0n ? -x : x) : gcd(y, x % y));
  fc.assert(
    fc.property(fractionSum, ([a, b, c, d]) => {
      let n = a * d + c * b, m = b * d;
      const g = gcd(n, m) || 1n;
      n /= g;
      m /= g;
      const expr = `\\frac{${a}}{${b}} + \\frac{${c}}{${d}}`;
      assert.equal(checkMathAnswer(expr, `\\frac{${n}}{${m}}`).reason, "exact_rational");
      assert.equal(checkMathAnswer(expr, `\\frac{${n + 1n}}{${m}}`).reason, "rational_mismatch");
    }),
    { numRuns: 300, seed: 11 },
  );
});
