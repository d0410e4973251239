import assert from "node:assert/strict";
import { checkMathAnswer } from "../../verifiers/math/mod.ts";

/** [rule, gold, pred, expected equal] — each pair is also checked with gold and pred swapped. */
const PAIRS: [string, string, string, boolean][] = [
  // known traps from the issue
  ["trap: numerator is an expression", "\\frac{1+2}{7}", "\\frac{9}{7}", false],
  ["trap: tiny rationals differ exactly", "1/2^{99}", "1/2^{98}", false],
  ["trap: different planes", "5x-7y+11z+4=0", "x+y-z+2=0", false],
  ["trap: sec vs csc", "\\sec^2 y", "\\csc^2 y", false],
  ["trap: interval endpoints", "[0,9)", "[0,1)", false],
  ["trap: tuple is not a set", "(3,1)", "\\{1,3\\}", false],
  // exact rationals
  ["rational: fraction vs decimal", "\\frac{3}{4}", "0.75", true],
  ["rational: fraction forms", "\\frac{1+2}{7}", "\\frac37", true],
  ["rational: negative power", "\\frac{1}{2^{99}}", "2^{-99}", true],
  ["rational: truncated decimal is not 1/3", "\\frac13", "0.333333333333", false],
  ["rational: trailing zeros", "5.00", "5", true],
  ["rational: sign", "-\\frac{1}{2}", "\\frac{-1}{2}", true],
  ["rational: different values", "\\frac{2}{3}", "\\frac{3}{2}", false],
  ["rational: repeating decimal", "0.\\overline{3}", "\\frac13", true],
  ["rational: repeating vs terminating", "1.2\\overline{34}", "1.2343", false],
  ["rational: mixed number", "2\\frac{1}{2}", "\\frac{5}{2}", true],
  ["rational: big exact integers", "2^{100}", "1267650600228229401496703205376", true],
  ["rational: big integers off by one", "2^{100}", "1267650600228229401496703205377", false],
  // LaTeX clean-up
  ["latex: \\left \\right", "\\left(\\frac{1}{2}\\right)", "\\frac12", true],
  ["latex: dfrac", "\\dfrac{3}{5}", "\\frac{3}{5}", true],
  ["latex: tfrac and cfrac", "\\tfrac{6}{10}", "\\cfrac{3}{5}", true],
  ["latex: unbraced frac", "\\frac12", "0.5", true],
  ["latex: unbraced frac mismatch", "\\frac12", "\\frac{1}{20}", false],
  ["latex: unbraced sqrt", "\\sqrt3", "\\sqrt{3}", true],
  ["latex: sqrt simplification", "2\\sqrt{2}", "\\sqrt8", true],
  ["latex: sqrt mismatch", "\\sqrt{2}", "\\sqrt{3}", false],
  ["latex: spacing macros", "1\\,000\\;+\\!\\quad 1", "1001", true],
  ["latex: \\text{} wrapper", "\\text{7}", "7", true],
  ["latex: \\mbox{} wrapper", "\\mbox{12}", "12", true],
  ["latex: math delimiters", "$\\frac{2}{4}$", "\\frac12", true],
  ["latex: cdot multiplication", "3\\cdot 4", "12", true],
  // units, degrees, currency, percent
  ["unit: text unit dropped", "5\\text{ cm}", "5", true],
  ["unit: squared unit dropped", "12\\text{ cm}^2", "12", true],
  ["unit: plain unit word dropped", "10 inches", "10", true],
  ["unit: value still compared", "5\\text{ cm}", "6", false],
  ["degrees: circ dropped", "30^\\circ", "30", true],
  ["degrees: no radian conversion", "30^\\circ", "\\frac{\\pi}{6}", false],
  ["currency: dollar sign", "\\$5.00", "5", true],
  ["currency: dollars word", "18 dollars", "\\$18", true],
  ["percent: same number", "50\\%", "50", true],
  ["percent: as a fraction", "50\\%", "0.5", true],
  ["percent: wrong value", "50\\%", "0.05", false],
  // thousands separators
  ["thousands: groups of three", "1,000,000", "1000000", true],
  ["thousands: latex {,}", "1{,}234", "1234", true],
  ["thousands: space makes a list", "32, 349", "32349", false],
  ["thousands: bad group is a list", "1,00", "100", false],
  ["thousands: not inside brackets", "[1,100]", "[1100]", false],
  // equations and lone variables
  ["equation: lone variable lhs", "x = 3", "3", true],
  ["equation: lone variable on pred side", "3", "y=3", true],
  ["equation: non-lone lhs is an equation", "2x = 6", "3", false],
  ["equation: scaled equation", "5x-7y+11z+4=0", "-10x+14y-22z-8=0", true],
  ["equation: line rearranged", "y = 2x+3", "2x+3", true],
  ["equation: sides swapped", "x+y=5", "5=y+x", true],
  // tuples, intervals, sets, lists, unions
  ["tuple: same order", "(1,2)", "\\left( 1, 2 \\right)", true],
  ["tuple: order matters", "(1,2)", "(2,1)", false],
  ["interval: bracket sensitive", "[0,9)", "(0,9)", false],
  ["interval: same", "(-\\infty, 3]", "(-\\infty,3]", true],
  [
    "interval: union unordered",
    "(-\\infty,0)\\cup(1,\\infty)",
    "(1,\\infty)\\cup(-\\infty,0)",
    true,
  ],
  ["set: unordered", "\\{1,3\\}", "\\{3, 1\\}", true],
  ["set: bare list vs set", "\\{1,3\\}", "3, 1", true],
  ["set: missing element", "\\{1,2,3\\}", "\\{1,2\\}", false],
  ["list: solutions with and", "2 and 5", "5, 2", true],
  // matrices
  [
    "matrix: pmatrix vs bmatrix",
    "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
    "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}",
    true,
  ],
  [
    "matrix: column vector entries evaluated",
    "\\begin{pmatrix} \\frac12 \\\\ -1 \\end{pmatrix}",
    "\\begin{pmatrix} 0.5 \\\\ -1 \\end{pmatrix}",
    true,
  ],
  [
    "matrix: shape matters",
    "\\begin{pmatrix} 1 & 2 \\end{pmatrix}",
    "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}",
    false,
  ],
  [
    "matrix: entry differs",
    "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
    "\\begin{pmatrix} 1 & 2 \\\\ 3 & 5 \\end{pmatrix}",
    false,
  ],
  // plus-minus
  ["pm: expands to two values", "1 \\pm \\sqrt{2}", "1+\\sqrt2, 1-\\sqrt2", true],
  ["pm: mp order irrelevant", "\\pm 3", "-3, 3", true],
  ["pm: one value is not enough", "\\pm 3", "3", false],
  // symbolic expressions
  ["symbolic: expanded square", "x^2+2x+1", "(x+1)^2", true],
  ["symbolic: identity", "\\sec^2 y", "1+\\tan^2 y", true],
  ["symbolic: different polynomials", "x^2+2x+1", "x^2+2x-1", false],
  ["symbolic: variable names matter", "2a", "2b", false],
  ["symbolic: inverse sine notation", "\\sin^{-1} x", "\\arcsin(x)", true],
  ["symbolic: implicit product", "2xy", "2 \\cdot y \\cdot x", true],
  ["symbolic: sqrt(x^2) is |x|", "\\sqrt{x^2}", "|x|", true],
  ["symbolic: sqrt(x^2) is not x", "\\sqrt{x^2}", "x", false],
  ["irrational: pi multiple", "\\frac{\\pi}{2}", "0.5\\pi", true],
  ["irrational: log base", "\\log_2 8", "3", true],
  ["irrational: decimal approximation is not pi", "\\pi", "3.14159", false],
  // text answers and boxed gold
  ["text: case-insensitive words", "\\text{Monday}", "monday", true],
  ["text: different words", "\\text{Monday}", "Tuesday", false],
  ["boxed gold: last box is the answer", "so \\boxed{\\frac{1}{4}}", "0.25", true],
];

Deno.test("math verifier decides the documented answer pairs in both directions", () => {
  assert.ok(PAIRS.length >= 60, `need at least 60 pairs, have ${PAIRS.length}`);
  assert.ok(PAIRS.filter((p) => p[3]).length >= 25 && PAIRS.filter((p) => !p[3]).length >= 25);
  const failures: string[] = [];
  for (const [rule, gold, pred, expected] of PAIRS) {
    for (const [g, p] of [[gold, pred], [pred, gold]]) {
      const r = checkMathAnswer(g, p);
      if (r.equal !== expected) {
        failures.push(
          `${rule}: gold ${JSON.stringify(g)} pred ${JSON.stringify(p)} → ${JSON.stringify(r)}`,
        );
      }
    }
  }
  assert.deepEqual(failures, []);
});

Deno.test("math verifier explains traps with the rule that decided them", () => {
  assert.equal(checkMathAnswer("\\frac{1+2}{7}", "\\frac{9}{7}").reason, "rational_mismatch");
  assert.equal(checkMathAnswer("1/2^{99}", "1/2^{98}").reason, "rational_mismatch");
  assert.equal(checkMathAnswer("5x-7y+11z+4=0", "x+y-z+2=0").reason, "equation_mismatch");
  assert.equal(checkMathAnswer("\\sec^2 y", "\\csc^2 y").reason, "symbolic_mismatch");
  assert.equal(checkMathAnswer("[0,9)", "(0,9)").reason, "bracket_mismatch");
  assert.match(checkMathAnswer("(3,1)", "\\{1,3\\}").reason, /^structure_mismatch/);
});

Deno.test("math verifier is deterministic for a seed and pluggable seeds agree on true identities", () => {
  const a = checkMathAnswer("\\sin(2x)", "2\\sin x\\cos x", { seed: 1 });
  const b = checkMathAnswer("\\sin(2x)", "2\\sin x\\cos x", { seed: 99 });
  assert.deepEqual(a, { equal: true, reason: "symbolic_random_points" });
  assert.deepEqual(b, a);
});

Deno.test("math verifier extracts from a full completion only when asked", () => {
  const completion = "We add them up. The final answer is $\\frac{3}{6}$. I hope it is correct.";
  assert.equal(checkMathAnswer("\\frac12", completion, { extract: true }).equal, true);
  assert.equal(checkMathAnswer("\\frac12", completion).equal, false);
  assert.deepEqual(checkMathAnswer("1", "", {}), { equal: false, reason: "no_answer" });
  assert.deepEqual(checkMathAnswer("1", "no numbers here", { extract: true }), {
    equal: false,
    reason: "no_answer",
  });
});
