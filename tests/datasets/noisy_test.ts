import assert from "node:assert/strict";
import {
  createRng,
  FAMILY_CHARSET,
  generateProblems,
  LENGTH_BOUNDS,
  noisySolve,
  type Problem,
  secondGuessSolve,
  slipRate,
} from "../../datasets/mod.ts";
import { checkIntegerAnswer } from "../../verifiers/integer.ts";

const { train } = generateProblems({ nTrain: 1200, nTest: 0, seed: 5 });

/** The answer that the worked steps of an attempt imply, recomputed by this test. */
function impliedAnswer(p: Problem, text: string): bigint {
  const lines = text.split("\n");
  const steps = lines.slice(0, -1);
  const lastNumber = (s: string) => BigInt(/(-?\d+)$/.exec(s)![1]);
  if (p.family === "sub") return BigInt(/^x=(\d+)$/.exec(lines[0])![1]); // the answer is the guess
  if (p.family === "chk") return BigInt(/^= (\d+)$/.exec(lines[0])![1]); // committed first
  const multiplier = /^\d+\*(\d+)$/.exec(p.question)?.[1];
  if (p.family === "add" || (p.family === "mul" && Number(multiplier) < 10)) {
    // column results, right to left: keep the last digit, carry the rest
    let carry = 0n, place = 1n, total = 0n;
    for (const s of steps) {
      const v = lastNumber(s);
      total += (v % 10n) * place;
      carry = v / 10n;
      place *= 10n;
    }
    return total + carry * place;
  }
  return lastNumber(steps[steps.length - 1]);
}

Deno.test("slipRate follows base + perLevel and explicit per-level overrides", () => {
  assert.equal(slipRate(1, { base: 0.1, perLevel: 0.2 }), 0.1);
  assert.ok(Math.abs(slipRate(3, { base: 0.1, perLevel: 0.2 }) - 0.5) < 1e-12);
  assert.equal(slipRate(2, { base: 0.1, perLevel: 0.2, byLevel: { "2": 0.9 } }), 0.9);
  assert.equal(slipRate(3, { base: 0.9, perLevel: 0.9 }), 1);
});

Deno.test("noisy attempts are wrong at the configured level-dependent rate", () => {
  const noise = { base: 0.1, perLevel: 0.25 };
  const rng = createRng("rate");
  for (const level of [1, 2, 3]) {
    const probs = train.filter((p) => p.level === level);
    let wrong = 0;
    for (const p of probs) if (!noisySolve(p, rng, noise).correct) wrong++;
    const rate = wrong / probs.length, want = slipRate(level, noise);
    const tol = 4 * Math.sqrt((want * (1 - want)) / probs.length) + 0.01;
    assert.ok(Math.abs(rate - want) <= tol, `level ${level}: rate ${rate} vs ${want} ± ${tol}`);
  }
  for (const p of train.slice(0, 50)) {
    assert.ok(noisySolve(p, rng, { base: 0, perLevel: 0 }).correct);
  }
});

Deno.test("slipped attempts are wrong, self-consistent, short and in the charset", () => {
  const rng = createRng("slips");
  const charset = new Set(FAMILY_CHARSET);
  const kinds = new Set<string>();
  for (const p of train) {
    const a = noisySolve(p, rng, { base: 1, perLevel: 0 });
    const check = checkIntegerAnswer(p.answer, a.text);
    assert.equal(check.equal, a.correct);
    assert.equal(a.slip === undefined, a.correct, `${p.question}: slip ${a.slip}`);
    assert.equal(BigInt(check.extracted!), impliedAnswer(p, a.text), `${p.question}\n${a.text}`);
    assert.ok(a.text.length <= LENGTH_BOUNDS.solution + 4, `long attempt ${a.text}`);
    for (const ch of a.text) assert.ok(charset.has(ch));
    if (a.slip) kinds.add(`${p.family}:${a.slip.split("@")[0]}`);
  }
  const wrongShare =
    train.filter((p) => !noisySolve(p, createRng(p.id), { base: 1, perLevel: 0 }).correct).length /
    train.length;
  assert.ok(wrongShare > 0.97, `with rate 1 almost every attempt is wrong, got ${wrongShare}`);
  for (
    const k of [
      "add:carry",
      "add:digit",
      "mul:carry",
      "mul:digit",
      "lin:sign",
      "lin:digit",
      "mod:remainder",
      "mod:digit",
      "sub:carry",
      "sub:digit",
    ]
  ) {
    assert.ok(kinds.has(k), `slip kind ${k} never produced (${[...kinds]})`);
  }
});

Deno.test("noisySolve is deterministic given the rng and draws attempts independently", () => {
  const p = train[0];
  const run = () => {
    const rng = createRng("det");
    return Array.from({ length: 20 }, () => noisySolve(p, rng, { base: 0.5, perLevel: 0 }));
  };
  assert.deepEqual(run(), run());
  const texts = new Set(run().map((a) => a.text));
  assert.ok(texts.size > 1, "attempts vary");
});

Deno.test("the systematic misconception drops the carry into add's leading column at its rate", () => {
  const adds = train.filter((p) => p.family === "add");
  const leadingCarry = (p: Problem) => {
    const [a, b] = p.question.split("+");
    const w = Math.max(a.length, b.length);
    return Number(a.slice(-(w - 1)) || 0) + Number(b.slice(-(w - 1)) || 0) >= 10 ** (w - 1);
  };
  const applies = adds.filter(leadingCarry);
  assert.ok(applies.length > 50 && applies.length < adds.length, `applies to ${applies.length}`);
  const rng = createRng("habit");
  let made = 0;
  for (const p of applies) {
    const a = noisySolve(p, rng, { base: 0, perLevel: 0, systematic: 0.7 });
    if (a.correct) continue;
    made++;
    const lines = a.text.split("\n");
    const width = lines.length - 1;
    assert.equal(a.slip, `carry@${width - 1}`);
    // visible: the column before the leading one reaches 10, yet the leading line adds no carry
    assert.ok(Number(lines[width - 2].split("=")[1]) >= 10, a.text);
    assert.doesNotMatch(lines[width - 1], /^\d\+\d\+1=/, a.text);
  }
  const rate = made / applies.length;
  assert.ok(Math.abs(rate - 0.7) < 0.1, `misconception rate ${rate}`);
  for (const p of adds.filter((p) => !leadingCarry(p))) {
    assert.ok(noisySolve(p, rng, { base: 0, perLevel: 0, systematic: 1 }).correct, p.question);
  }
});

Deno.test("the second-guessing habit drops the units carry in add's tens column at its rate", () => {
  const adds = train.filter((p) => p.family === "add");
  const unitsCarry = (p: Problem) => {
    const [a, b] = p.question.split("+").map(Number);
    return (a % 10) + (b % 10) >= 10;
  };
  const applies = adds.filter(unitsCarry);
  assert.ok(applies.length > 50 && applies.length < adds.length, `applies to ${applies.length}`);
  const rng = createRng("second-guess");
  let made = 0;
  for (const p of applies) {
    const a = secondGuessSolve(p, rng, { secondGuess: 0.6 });
    if (a === null) continue;
    made++;
    assert.equal(a.correct, false);
    assert.equal(a.slip, "carry@1");
    assert.notEqual(checkIntegerAnswer(p.answer, a.text).equal, true, a.text);
    // visible: the units line reaches 10, yet the tens line adds no carry
    const lines = a.text.split("\n");
    assert.ok(Number(lines[0].split("=")[1]) >= 10, a.text);
    assert.doesNotMatch(lines[1], /^\d\+\d\+1=/, a.text);
  }
  const rate = made / applies.length;
  assert.ok(Math.abs(rate - 0.6) < 0.1, `second-guess rate ${rate}`);
  for (const p of adds.filter((p) => !unitsCarry(p))) {
    assert.equal(secondGuessSolve(p, rng, { secondGuess: 1 }), null, p.question);
  }
  // off by default, and for families without the habit
  assert.equal(secondGuessSolve(applies[0], rng), null);
  const other = train.find((p) => p.family !== "add")!;
  assert.equal(secondGuessSolve(other, rng, { secondGuess: 1 }), null);
});
