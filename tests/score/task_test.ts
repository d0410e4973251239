import assert from "node:assert/strict";
import { createRng, generateProblems } from "../../datasets/mod.ts";
import {
  charsetOf,
  noisyAttempt,
  samplingSeed,
  slipLastNumber,
  verifyAttempt,
} from "../../score/task.ts";
import { pairSftTraces, starTraces } from "../../score/sft.ts";
import type { RolloutRecord } from "../../score/rollouts.ts";

const gsm = {
  id: "g1",
  family: "gsm8k",
  level: 0,
  question: "Tom has 3 apples and buys 4. How many?",
  answer: "7",
  solution: "3+4=7\n#### 7",
};

Deno.test("math tasks verify by extracted answer; integer tasks by the `= N` line", () => {
  assert.equal(verifyAttempt("math", gsm, "3+4=7\n#### 7").correct, true);
  assert.equal(verifyAttempt("math", gsm, "3+4=8\n#### 8").correct, false);
  assert.equal(verifyAttempt("math", gsm, "no answer here").answer, null);
  const p = { ...gsm, family: "add", level: 1, question: "3+4", solution: "3+4=7\n= 7" };
  assert.deepEqual(verifyAttempt("integer", p, "3+4=7\n= 7"), { correct: true, answer: "7" });
  assert.equal(verifyAttempt("integer", p, "= 8").correct, false);
});

Deno.test("a final-answer slip changes exactly one digit of the last number", () => {
  const rng = createRng(3);
  for (let i = 0; i < 50; i++) {
    const s = slipLastNumber("x is 12 and total 4096", rng)!;
    assert.ok(s.startsWith("x is 12 and total "));
    const n = s.slice("x is 12 and total ".length);
    assert.equal(n.length, 4);
    assert.notEqual(n, "4096");
    assert.notEqual(n[0], "0");
    assert.equal([...n].filter((c, j) => c !== "4096"[j]).length, 1);
  }
  assert.equal(slipLastNumber("no digits", rng), null);
});

Deno.test("noisy public-set attempts are wrong at roughly the configured rate", () => {
  const rng = createRng(5);
  let wrong = 0;
  for (let i = 0; i < 2000; i++) {
    const a = noisyAttempt("math", gsm, rng, { base: 0.3, perLevel: 0 });
    if (!a.correct) wrong++;
    assert.equal(a.correct, verifyAttempt("math", gsm, a.text).correct);
  }
  assert.ok(wrong > 2000 * 0.25 && wrong < 2000 * 0.35, `wrong ${wrong}`);
});

Deno.test("only a revision draws the second-guessing habit", () => {
  const p = generateProblems({ nTrain: 200, nTest: 0, seed: 3, families: ["add"] }).train
    .find((q) => {
      const [a, b] = q.question.split("+").map(Number);
      return (a % 10) + (b % 10) >= 10;
    })!;
  const noise = { base: 0, perLevel: 0, systematic: 0, secondGuess: 1 };
  const rng = createRng(9);
  assert.equal(noisyAttempt("integer", p, rng, noise).correct, true);
  const revised = noisyAttempt("integer", p, rng, noise, { revision: true });
  assert.equal(revised.correct, false);
  assert.match(revised.text.split("\n")[1], /^\d\+\d=/);
});

Deno.test("charset is the sorted set of characters used", () => {
  assert.equal(charsetOf(["b a", "ab\n"]), "\n ab");
});

function rollout(id: string, s: number, c1: boolean, c2: boolean): RolloutRecord {
  return {
    problemId: id,
    sample: s,
    question: `q${id}`,
    attempt1: { text: `${id}-${s}-1`, answer: null, correct: c1 },
    attempt2: { text: `${id}-${s}-2`, answer: null, correct: c2 },
  };
}

Deno.test("STaR keeps the traces whose second attempt is right (wrong→right, right→right)", () => {
  const kept = starTraces([
    rollout("a", 0, false, true),
    rollout("a", 1, true, true),
    rollout("a", 2, true, false),
    rollout("a", 3, false, false),
  ]);
  assert.deepEqual(kept.map((t) => t.attempt1), ["a-0-1", "a-1-1"]);
});

Deno.test("Pair-SFT pairs every wrong attempt with a correct attempt to the same problem", () => {
  const rows = [
    rollout("a", 0, false, true),
    rollout("a", 1, false, false),
    rollout("b", 0, false, false), // no correct attempt: no pairs
  ];
  const pairs = pairSftTraces(rows, createRng(1));
  assert.equal(pairs.length, 3); // a-0-1, a-1-1, a-1-2 are wrong
  for (const p of pairs) {
    assert.equal(p.question, "qa");
    assert.equal(p.attempt2, "a-0-2");
    assert.ok(["a-0-1", "a-1-1", "a-1-2"].includes(p.attempt1));
  }
});

Deno.test("the sampler seeds are the named streams every stored run was made with", () => {
  // Pinned: changing one changes every sampled token of that stage, so every trained number.
  assert.equal(samplingSeed.rollouts(), 7);
  assert.equal(samplingSeed.rlStep(2, 5), 2 * 100003 + 5);
  assert.equal(samplingSeed.sftRound(1, 1), 1001);
  // Distinct streams for distinct steps and rounds of one seed.
  assert.notEqual(samplingSeed.rlStep(0, 1), samplingSeed.rlStep(0, 2));
  assert.notEqual(samplingSeed.sftRound(3, 0), samplingSeed.sftRound(3, 1));
});
