import assert from "node:assert/strict";
import {
  FAMILY_CHARSET,
  FAMILY_NAMES,
  generateProblems,
  LENGTH_BOUNDS,
  type Problem,
  ProblemSchema,
  solveProblem,
} from "../../datasets/mod.ts";
import { checkIntegerAnswer } from "../../verifiers/integer.ts";

const SPLITS = generateProblems({ nTrain: 900, nTest: 360, seed: 11 });
const ALL = [...SPLITS.train, ...SPLITS.test];

/** Independent reference answer computed from the question text by this test. */
function reference(q: string): bigint {
  let m = /^(\d+)\+(\d+)$/.exec(q);
  if (m) return BigInt(m[1]) + BigInt(m[2]);
  m = /^x\+(\d+)=(\d+)$/.exec(q);
  if (m) return BigInt(m[2]) - BigInt(m[1]);
  m = /^(\d+)\*(\d+)$/.exec(q);
  if (m) return BigInt(m[1]) * BigInt(m[2]);
  m = /^(\d+)\*(\d+) mod (\d+)$/.exec(q);
  if (m) return (BigInt(m[1]) * BigInt(m[2])) % BigInt(m[3]);
  m = /^(\d+)x([+-]\d+)=(-?\d+)$/.exec(q);
  if (m) {
    const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
    assert.ok((c - b) % a === 0, `non-integer solution in ${q}`);
    return BigInt((c - b) / a);
  }
  throw new Error(`unknown question format: ${q}`);
}

/**
 * Every `=`-separated part of a step line without the unknown x must have the same value. A `sub`
 * check line carries the digit of c it must match after a space (`7+6=13 3`); its verdict line
 * (`ok`/`no`) is not an equation.
 */
function stepIsTrue(line: string): boolean {
  if (line === "ok" || line === "no") return true;
  const column = /^(\d\+\d(?:\+1)?=(\d+)) (\d)$/.exec(line);
  if (column) return stepIsTrue(column[1]) && Number(column[2]) % 10 === Number(column[3]);
  const parts = line.split("=").filter((p) => !p.includes("x"));
  const values = parts.map((p) => {
    assert.match(p, /^-?[\d+\-*/]+$/, `unexpected step part "${p}"`);
    return Function(`"use strict"; return (${p});`)() as number;
  });
  return values.every((v) => v === values[0]);
}

Deno.test("generateProblems is deterministic for a seed and changes with it", () => {
  const again = generateProblems({ nTrain: 900, nTest: 360, seed: 11 });
  assert.equal(JSON.stringify(again), JSON.stringify(SPLITS));
  const other = generateProblems({ nTrain: 900, nTest: 360, seed: 12 });
  assert.notEqual(JSON.stringify(other.train), JSON.stringify(SPLITS.train));
});

Deno.test("train and test are disjoint by question text and the test split ignores nTrain", () => {
  const testQ = new Set(SPLITS.test.map((p) => p.question));
  assert.equal(testQ.size, SPLITS.test.length);
  assert.equal(new Set(SPLITS.train.map((p) => p.question)).size, SPLITS.train.length);
  assert.ok(SPLITS.train.every((p) => !testQ.has(p.question)));
  const smaller = generateProblems({ nTrain: 10, nTest: 360, seed: 11 });
  assert.deepEqual(smaller.test, SPLITS.test);
});

Deno.test("splits are balanced over families and levels and records match the schema", () => {
  assert.equal(SPLITS.train.length, 900);
  assert.equal(SPLITS.test.length, 360);
  for (const f of FAMILY_NAMES) {
    for (const level of [1, 2, 3]) {
      assert.equal(SPLITS.train.filter((p) => p.family === f && p.level === level).length, 50);
    }
  }
  for (const p of ALL) ProblemSchema.parse(p);
  assert.equal(new Set(ALL.map((p) => p.id)).size, ALL.length);
});

Deno.test("answers match an independent computation and worked solutions verify as correct", () => {
  for (const p of ALL) {
    assert.equal(p.answer, String(reference(p.question)), p.question);
    const check = checkIntegerAnswer(p.answer, p.solution);
    assert.ok(check.equal, `${p.question}: ${p.solution}`);
    // the steps: every line but the answer line (the first in an answer-first family)
    const lines = p.solution.split("\n");
    const steps = p.family === "chk" ? lines.slice(1) : lines.slice(0, -1);
    for (const s of steps) assert.ok(stepIsTrue(s), `false step "${s}" in ${p.question}`);
    assert.equal(solveProblem(p), p.solution);
  }
});

Deno.test("questions and worked solutions are short and use only the exported charset", () => {
  const charset = new Set(FAMILY_CHARSET);
  for (const p of ALL) {
    assert.ok(p.question.length <= LENGTH_BOUNDS.question, `long question ${p.question}`);
    assert.ok(p.solution.length <= LENGTH_BOUNDS.solution, `long solution for ${p.question}`);
    for (const ch of p.question + p.solution) {
      assert.ok(charset.has(ch), `char ${JSON.stringify(ch)}`);
    }
  }
  assert.equal([...FAMILY_CHARSET].sort().join(""), FAMILY_CHARSET);
});

Deno.test("levels make problems longer on average", () => {
  const mean = (xs: Problem[]) => xs.reduce((s, p) => s + p.solution.length, 0) / xs.length;
  for (const f of ["add", "mul", "mod", "sub", "chk"]) {
    const byLevel = [1, 2, 3].map((l) => mean(ALL.filter((p) => p.family === f && p.level === l)));
    assert.ok(byLevel[0] < byLevel[2], `${f}: ${byLevel}`);
  }
});

Deno.test("an exhausted family level fails with a message naming it", () => {
  assert.throws(
    () => generateProblems({ families: ["lin"], levels: [1], nTrain: 8000, nTest: 0, seed: 1 }),
    /family "lin" level 1 .*fewer problems/,
  );
  assert.throws(() =>
    generateProblems({ families: ["nope" as "add"], nTrain: 1, nTest: 1, seed: 1 })
  );
});
