import assert from "node:assert/strict";
import { errorSource, readCheck } from "../../datasets/error_sources.ts";
import { makeProblem } from "../../datasets/mod.ts";

Deno.test("errorSource names the slip that reproduces a wrong answer, or none", () => {
  const p = makeProblem("add", 3, "4821+967"); // 5788; units 1+7, tens 2+6, hundreds 8+9=17
  assert.equal(errorSource(p, "5788"), null, "right");
  assert.equal(errorSource(p, null), "no_answer");
  assert.equal(errorSource(p, "4788"), "misconception", "the carry into the leading column");
  assert.equal(errorSource(p, "5789"), "digit", "units +1");
  assert.equal(errorSource(p, "5688"), "digit", "hundreds −1 (no carry comes into them)");
  assert.equal(errorSource(p, "1234"), "other");
  const q = makeProblem("add", 3, "4857+967"); // 5824: units carry into the tens
  assert.equal(errorSource(q, "5814"), "second_guess", "the units' carry dropped in the tens");
  assert.equal(errorSource(q, "5724"), "carry", "the tens' carry not added in the hundreds");
  assert.equal(errorSource(q, "5834"), "digit");
  assert.equal(errorSource(p, "x"), "other");
});

Deno.test("readCheck reads a chk attempt and catches a check that agrees with c, not the answer", () => {
  const p = makeProblem("chk", 1, "x+53=117"); // x = 64
  const truthful = readCheck(p, p.solution)!;
  assert.deepEqual(truthful, { committed: "64", right: true, verdict: "ok", truthful: true });
  // 65: units 5+3=8 against 7 → the true check says no.
  const flagged = readCheck(p, "= 65\n5+3=8 7\n6+5=11 1\n0+0+1=1 1\nno")!;
  assert.deepEqual(flagged, { committed: "65", right: false, verdict: "no", truthful: true });
  // A rationalised check: the lines claim 5+3=7 to agree with c, and the verdict says ok.
  const lying = readCheck(p, "= 65\n5+3=7 7\n6+5=11 1\n0+0+1=1 1\nok")!;
  assert.equal(lying.truthful, false);
  assert.equal(lying.verdict, "ok");
  assert.deepEqual(readCheck(p, "garbage"), {
    committed: null,
    right: false,
    verdict: null,
    truthful: false,
  });
  assert.equal(readCheck(makeProblem("add", 1, "12+34"), "= 46"), null, "not a check family");
});
