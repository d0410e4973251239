import assert from "node:assert/strict";
import { checkIntegerAnswer } from "../../verifiers/integer.ts";
import { createRng, FAMILY_NAMES, generateProblems, noisySolve } from "../../datasets/mod.ts";

Deno.test("checkIntegerAnswer reads the first '= N' line and compares exactly", () => {
  assert.deepEqual(checkIntegerAnswer(632, "7+5=12\n4+8+1=13\n= 632"), {
    equal: true,
    reason: "match",
    extracted: "632",
  });
  assert.deepEqual(checkIntegerAnswer("-5", "x=15/3=-5\n= -5"), {
    equal: true,
    reason: "match",
    extracted: "-5",
  });
  assert.deepEqual(checkIntegerAnswer(5n, "= 6\n= 5"), {
    equal: false,
    reason: "mismatch",
    extracted: "6",
  });
  assert.deepEqual(
    checkIntegerAnswer(123456789012345678901234567890n, "=123456789012345678901234567890"),
    {
      equal: true,
      reason: "match",
      extracted: "123456789012345678901234567890",
    },
  );
});

Deno.test("checkIntegerAnswer does not take step lines or prose as answers", () => {
  assert.equal(checkIntegerAnswer(12, "7+5=12").reason, "no_answer_line");
  assert.equal(checkIntegerAnswer(12, "the answer is 12").reason, "no_answer_line");
  assert.equal(checkIntegerAnswer(12, "= 12 apples").reason, "no_answer_line");
  assert.equal(checkIntegerAnswer(12, "= 1 2").reason, "no_answer_line");
});

Deno.test("checkIntegerAnswer rejects a malformed gold value", () => {
  assert.throws(() => checkIntegerAnswer("12a", "= 12"), /not a decimal integer/);
  assert.throws(() => checkIntegerAnswer(1.5, "= 1"), /not a safe integer/);
});

Deno.test("checkIntegerAnswer agrees with the noisy solver's correctness flag", () => {
  const { train } = generateProblems({ nTrain: 240, nTest: 0, seed: 3 });
  const rng = createRng("integer-check");
  let wrong = 0;
  for (const p of train) {
    const a = noisySolve(p, rng, { base: 0.5, perLevel: 0 });
    assert.equal(checkIntegerAnswer(p.answer, a.text).equal, a.correct, `${p.question}\n${a.text}`);
    if (!a.correct) wrong++;
  }
  assert.ok(wrong > 0 && FAMILY_NAMES.every((f) => train.some((p) => p.family === f)));
});
