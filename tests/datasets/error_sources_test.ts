import assert from "node:assert/strict";
import { errorSource, readCheck } from "../../datasets/error_sources.ts";
import { makeProblem } from "../../datasets/mod.ts";

const both = { misconception: true, secondGuess: true };
const t1 = { attempt: 1, habits: both } as const;
const t2 = { attempt: 2, habits: both } as const;

Deno.test("errorSource names the slip that reproduces a wrong answer, or none", () => {
  const errorSource1 = (p: Parameters<typeof errorSource>[0], a: string | null) =>
    errorSource(p, a, t1);
  const p = makeProblem("add", 3, "4821+967"); // 5788; units 1+7, tens 2+6, hundreds 8+9=17
  assert.equal(errorSource1(p, "5788"), null, "right");
  assert.equal(errorSource1(p, null), "no_answer");
  assert.equal(errorSource1(p, "4788"), "misconception", "the carry into the leading column");
  assert.equal(errorSource1(p, "5789"), "digit", "units +1");
  assert.equal(errorSource1(p, "5688"), "digit", "hundreds −1 (no carry comes into them)");
  assert.equal(errorSource1(p, "1234"), "other");
  const q = makeProblem("add", 3, "4857+967"); // 5824: units carry into the tens
  assert.equal(errorSource1(q, "5814"), "carry", "attempt 1 has no second-guess habit");
  assert.equal(errorSource(q, "5814", t2), "second_guess", "the units' carry dropped in the tens");
  const none = { misconception: false, secondGuess: false };
  assert.equal(errorSource(q, "5814", { attempt: 2, habits: none }), "carry", "no habit trained");
  assert.equal(errorSource(p, "4788", { attempt: 1, habits: none }), "carry", "no misconception");
  assert.equal(errorSource1(q, "5724"), "carry", "the tens' carry not added in the hundreds");
  assert.equal(errorSource1(q, "5834"), "digit");
  assert.equal(errorSource1(p, "x"), "other");
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

Deno.test("errorSource tries every single slip, whichever sign a random draw picked", () => {
  // 1023 − 87 = 936: the units borrow, so a dropped borrow there gives 946.
  const p = makeProblem("chk", 3, "x+87=1023");
  assert.equal(p.answer, "936");
  for (
    const [a, want] of [["836", "digit"], ["926", "digit"], ["937", "digit"], ["935", "digit"]]
  ) {
    assert.equal(errorSource(p, a, t1), want, a);
  }
  assert.equal(errorSource(p, "946", t1), "carry", "the units borrow not taken (10 too big)");
  assert.equal(errorSource(p, "946", t2), "second_guess");
});

Deno.test("every answer one digit off is attributed to a slip, never to the model's own error", async () => {
  const { generateProblems } = await import("../../datasets/mod.ts");
  const { test } = generateProblems({ families: ["chk"], nTrain: 0, nTest: 300, seed: 9 });
  let tried = 0;
  for (const p of test) {
    const x = Number(p.answer);
    for (let k = 0; k < String(x).length; k++) {
      for (const d of [1, -1]) {
        const digit = Math.floor(x / 10 ** k) % 10;
        const leading = k === String(x).length - 1;
        if (digit + d < (leading ? 1 : 0) || digit + d > 9) continue;
        const a = String(x + d * 10 ** k);
        tried++;
        assert.notEqual(errorSource(p, a, t1), "other", `${p.question}: ${a}`);
      }
    }
  }
  assert.ok(tried > 1000, `${tried} answers tried`);
});
