import assert from "node:assert/strict";
import {
  evalTraces,
  filterTraces,
  type ProblemSet,
  rolloutTraces,
  transitionCounts,
  transitionOf,
} from "../../explore/mod.ts";
import type { EvalRecord } from "../../metrics/mod.ts";

const att = (text: string, answer: string | null, correct: boolean) => ({ text, answer, correct });

const problems: ProblemSet = {
  info: {
    source: "embedded",
    verifier: "integer",
    charset: "0123456789+=",
    counts: { train: 1, test: 3 },
  },
  test: [
    { id: "a", family: "add", level: 1, question: "1+1", answer: "2", solution: "= 2" },
    { id: "b", family: "mul", level: 2, question: "2*3", answer: "6", solution: "= 6" },
    { id: "c", family: "add", level: 2, question: "4+4", answer: "8", solution: "= 8" },
  ],
  train: [{ id: "t", family: "add", level: 1, question: "3+3", answer: "6", solution: "= 6" }],
};

const records: EvalRecord[] = [
  {
    problemId: "a",
    level: 1,
    family: "add",
    gold: "2",
    attempt1: att("= 3", "3", false),
    attempt2: att("= 2", "2", true),
  },
  {
    problemId: "b",
    level: 2,
    family: "mul",
    gold: "6",
    attempt1: att("= 6", "6", true),
    attempt2: att("= 5", "5", false),
  },
  {
    problemId: "c",
    level: 2,
    family: "add",
    gold: "8",
    attempt1: att("= 7", "7", false),
    attempt2: att("= 7", "7", false),
  },
  {
    problemId: "zz",
    level: 3,
    family: "mod",
    gold: "1",
    attempt1: att("abc", null, true),
    attempt2: att("abd", null, true),
  },
];

Deno.test("each two-attempt trace gets its transition from the two verdicts", () => {
  assert.deepEqual(
    records.map(transitionOf),
    ["wrong→right", "right→wrong", "wrong→wrong", "right→right"],
  );
});

Deno.test("evaluation traces carry the question from the problem set, the changed-answer flag and the edit ratio", () => {
  const t = evalTraces(records, problems);
  assert.deepEqual(t.map((x) => x.question), ["1+1", "2*3", "4+4", ""]);
  assert.deepEqual(t.map((x) => x.changedAnswer), [true, true, false, false]);
  // "= 3" → "= 2": one substitution over 6 characters; "abc" → "abd": 1 / 6; identical: 0.
  assert.deepEqual(t.map((x) => x.editRatio), [1 / 6, 1 / 6, 0, 1 / 6]);
  assert.deepEqual(transitionCounts(t), {
    "wrong→right": 1,
    "right→wrong": 1,
    "right→right": 1,
    "wrong→wrong": 1,
  });
});

Deno.test("filters keep only the traces matching every given field", () => {
  const t = evalTraces(records, problems);
  assert.deepEqual(filterTraces(t, { transition: "wrong→right" }).map((x) => x.problemId), ["a"]);
  assert.deepEqual(
    filterTraces(t, { transition: ["wrong→right", "right→wrong"] }).map((x) => x.problemId),
    ["a", "b"],
  );
  assert.deepEqual(filterTraces(t, { level: 2, family: "add" }).map((x) => x.problemId), ["c"]);
  assert.deepEqual(
    filterTraces(t, { changedAnswer: false, minEditRatio: 0.1 }).map((x) => x.problemId),
    ["zz"],
  );
  assert.equal(filterTraces(t).length, 4);
});

Deno.test("rollout traces take family, level and gold from the problem set and reject unknown problems", () => {
  const r = rolloutTraces([
    {
      problemId: "t",
      sample: 1,
      question: "3+3",
      attempt1: att("= 5", "5", false),
      attempt2: att("= 6", "6", true),
    },
  ], problems);
  assert.equal(r[0].gold, "6");
  assert.equal(r[0].family, "add");
  assert.equal(r[0].sample, 1);
  assert.equal(r[0].transition, "wrong→right");
  assert.throws(
    () =>
      rolloutTraces([{
        problemId: "nope",
        sample: 0,
        question: "?",
        attempt1: att("", null, false),
        attempt2: att("", null, false),
      }], problems),
    /problem "nope" \(sample 0\) is not in the problem set/,
  );
});
