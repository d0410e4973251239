import assert from "node:assert/strict";
import fc from "fast-check";
import { answerChanged, selfCorrectionMetrics, transitionRates } from "../../metrics/mod.ts";
import { rec, recordsArb } from "./fixtures.ts";

Deno.test("metrics of a hand-counted set of ten problems", () => {
  // 3 right→right, 2 wrong→right, 1 right→wrong, 4 wrong→wrong.
  const rs = [
    rec("a", true, true),
    rec("b", true, true),
    rec("c", true, true),
    rec("d", false, true),
    rec("e", false, true),
    rec("f", true, false),
    rec("g", false, false),
    rec("h", false, false),
    rec("i", false, false, { a2: "9" }),
    rec("j", false, false),
  ];
  const m = selfCorrectionMetrics(rs);
  assert.equal(m.n, 10);
  assert.equal(m.accT1, 0.4);
  assert.equal(m.accT2, 0.5);
  assert.equal(m.deltaIC, 0.2);
  assert.equal(m.deltaCI, 0.1);
  assert.ok(Math.abs(m.delta - 0.1) < 1e-15);
  // d, e, f change the answer (5↔7) and i changes 5→9.
  assert.equal(m.counts.changedAnswer, 4);
  assert.equal(m.changedRate, 0.4);
  assert.deepEqual(m.counts, {
    correctT1: 4,
    correctT2: 5,
    incorrectToCorrect: 2,
    correctToIncorrect: 1,
    correctToCorrect: 3,
    incorrectToIncorrect: 4,
    changedAnswer: 4,
  });
});

Deno.test("Δ = Δ^{i→c} − Δ^{c→i} holds exactly and matches Acc@t2 − Acc@t1 (property)", () => {
  fc.assert(
    fc.property(recordsArb(1, 200), (rs) => {
      const m = selfCorrectionMetrics(rs);
      const c = m.counts;
      return m.delta === m.deltaIC - m.deltaCI &&
        c.incorrectToCorrect - c.correctToIncorrect === c.correctT2 - c.correctT1 &&
        c.correctToCorrect + c.correctToIncorrect + c.incorrectToCorrect +
              c.incorrectToIncorrect === m.n &&
        Math.abs(m.delta - (m.accT2 - m.accT1)) <= 1e-15;
    }),
    { numRuns: 300, seed: 1 },
  );
});

Deno.test("changed answer: null against an answer is a change, null twice is not", () => {
  assert.equal(answerChanged(rec("a", false, false, { a1: null, a2: "3" })), true);
  assert.equal(answerChanged(rec("a", false, false, { a1: null, a2: null })), false);
  assert.equal(answerChanged(rec("a", true, true, { a1: "7", a2: "7" })), false);
});

Deno.test("mean edit ratio averages levenshtein / total length per problem", () => {
  const m = selfCorrectionMetrics([
    rec("a", true, true, { t1: "abcd", t2: "abcd" }), // 0
    rec("b", true, true, { t1: "ab", t2: "" }), // 2 / 2 = 1
  ]);
  assert.equal(m.editRatioMean, 0.5);
});

Deno.test("metrics of no records is a clear error", () => {
  assert.throws(() => selfCorrectionMetrics([]), /no records/);
});

Deno.test("transitionRates: a batch's wrong→right, right→wrong and changed rates are counts over n", () => {
  const rs = [
    rec("a", false, true),
    rec("b", true, false),
    rec("c", true, true),
    rec("d", false, false, { a2: "9" }),
  ];
  const t = transitionRates(rs);
  assert.deepEqual(t, {
    n: 4,
    accT1: 0.5,
    accT2: 0.5,
    delta: 0,
    wrongToRight: 0.25,
    rightToWrong: 0.25,
    changedAnswer: selfCorrectionMetrics(rs).changedRate,
  });
  const m = selfCorrectionMetrics(rs);
  assert.equal(t.wrongToRight, m.deltaIC);
  assert.equal(t.rightToWrong, m.deltaCI);
});
