import assert from "node:assert/strict";
import { curveFromMetrics, methodIdOf } from "../../report/mod.ts";

Deno.test("a training curve names what each logged quantity is: changed answers, edit ratio, shaped reward", () => {
  const cv = curveFromMetrics("stage2", 0, [
    {
      step: 0,
      reward1: 0.25,
      reward2: 0.5,
      shaped2: 3,
      kl1: 0.1,
      kl2: 0.2,
      delta: 0.25,
      changedAnswer: 0.75,
      editRatio: 0.125,
    },
  ], "score");
  const p = cv.points[0];
  assert.equal(p.changedRate, 0.75); // the changed-answer rate, not an edit distance
  assert.equal(p.editRatio, 0.125); // the edit-distance ratio, now carried to the report
  assert.equal(p.reward2, 0.5); // the verifier's 0/1 mean …
  assert.equal(p.shaped2, 3); // … and, apart, the shaped reward Stage II trains on
  assert.equal("editRate" in p, false);
  assert.equal(cv.method, "score");
});

Deno.test("a method the pipeline produced but the report does not know is an error, not a dropped row", () => {
  assert.equal(methodIdOf("score", "x"), "score");
  assert.throws(
    () => methodIdOf("stage2", "report input eval@stage2.s0"),
    /report input eval@stage2\.s0: method "stage2" is not a report row .*fix: add it to METHOD_IDS/,
  );
});
