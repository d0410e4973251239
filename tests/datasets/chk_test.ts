import assert from "node:assert/strict";
import { createRng, generateProblems, noisySolve, solveProblem } from "../../datasets/mod.ts";
import { chkFamily } from "../../datasets/families/chk.ts";
import { checkIntegerAnswer } from "../../verifiers/integer.ts";

const { train } = generateProblems({ families: ["chk"], nTrain: 400, nTest: 0, seed: 4 });

Deno.test("chk: the answer is committed on the first line, then checked; ok for the right answer", () => {
  for (const p of train) {
    const lines = solveProblem(p).split("\n");
    assert.equal(lines[0], `= ${p.answer}`);
    assert.equal(lines.at(-1), "ok");
    assert.ok(lines.slice(1, -1).every((l) => /^\d\+\d(\+1)?=\d+ \d$/.test(l)), lines.join("|"));
  }
});

Deno.test("chk: a slipped answer is flagged by its own check but stays the attempt's answer", () => {
  const rng = createRng("chk-slips");
  let wrong = 0;
  for (const p of train) {
    const a = noisySolve(p, rng, { base: 1, perLevel: 0 });
    if (a.correct) continue;
    wrong++;
    assert.equal(a.text.split("\n").at(-1), "no", a.text);
    // Whatever follows the check, the verifier reads the committed first line.
    const amended = `${a.text}\n= ${p.answer}`;
    assert.equal(checkIntegerAnswer(p.answer, amended).equal, false, amended);
  }
  assert.ok(wrong > 300, `only ${wrong} slipped attempts`);
});

Deno.test("chk: the second-guess habit drops the units borrow (10 too big) only where it borrows", () => {
  const borrows = chkFamily.parse("x+58=103")!; // 103 − 58: the units column borrows
  assert.deepEqual(chkFamily.secondGuess!(borrows), { kind: "carry", at: 0 });
  assert.equal(chkFamily.work(borrows, chkFamily.secondGuess!(borrows)!).answer, 55n);
  assert.equal(chkFamily.secondGuess!(chkFamily.parse("x+52=107")!), null);
});
