/**
 * The verifier dispatch (score/verify.ts) on every kind, the code-extraction rule, code rewards
 * through the path RL takes (attemptScores → attemptRewards / groupAdvantages) for correct,
 * broken and hostile attempts in the real sandbox, and the evaluation metrics over hand-written
 * code transcripts.
 */
import assert from "node:assert/strict";
import { loadHumanEval, loadMath500, loadMbpp, makeProblem } from "../../datasets/mod.ts";
import { evaluateSeed } from "../../metrics/evaluate.ts";
import { selfCorrectionMetrics } from "../../metrics/self_correction.ts";
import { evaluateTexts } from "../../score/evaluate.ts";
import {
  attemptRewards,
  attemptScores,
  groupAdvantages,
  type ObjectiveSpec,
} from "../../score/rewards.ts";
import type { TaskProblem } from "../../score/task.ts";
import { attemptProgram, extractCode, verifierFor, verifyAttempt } from "../../score/verify.ts";
import { codeProblem, mathProblem } from "../../stages/problem_files.ts";
import { writePublicFixtures } from "../datasets/public_fixtures.ts";

const dir = await Deno.makeTempDir({ prefix: "score-verify-" });
const files = await writePublicFixtures(dir);
const humaneval = (await loadHumanEval(files.humaneval)).records.map(codeProblem);
const mbpp = (await loadMbpp(files.mbpp)).records.map(codeProblem);
const math500 = (await loadMath500(files.math500)).records.map(mathProblem);
const byId = (ps: TaskProblem[], id: string) => ps.find((p) => p.id === id)!;
const add = byId(humaneval, "HumanEval/4");
const fence = (code: string) => "Here is the program:\n```python\n" + code + "\n```\n";

// Short limits: the hostile cases end in seconds.
const SANDBOX = { timeoutMs: 1500, memoryMb: 256, outputBytes: 1 << 16, code: "0".repeat(64) };
const code = verifierFor({ verifier: "code", sandbox: SANDBOX });
const STAGE2: ObjectiveSpec = { kind: "stage2", alpha: 10, beta1: 0.01, beta2: 0.1 };

Deno.test("verifierFor: integer for embedded, math for MATH500, the sandbox for HumanEval and MBPP", async () => {
  const emb = makeProblem("add", 1, "4+5");
  const integer = verifierFor({ verifier: "integer" });
  assert.equal(integer.kind, "integer");
  assert.deepEqual(
    (await integer.verifyAll([emb, emb], ["5+4=9\n= 9", "= 8"])).map((v) => v.correct),
    [true, false],
  );
  const math = verifierFor({ verifier: "math" });
  const [p13, p34] = math500;
  const mv = await math.verifyAll(
    [p13, p34, p34],
    [
      "Final Answer: The final answer is $13$. I hope it is correct.",
      "so the sum is $\\boxed{0.75}$",
      "Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.",
    ],
  );
  assert.deepEqual(mv.map((v) => v.correct), [true, true, false]);
  assert.equal(mv[0].answer, "13");
  assert.equal(code.kind, "code");
  // Every reference solution passes its own tests; a wrong program does not.
  const refs = [...humaneval, ...mbpp];
  const cv = await code.verifyAll(refs, refs.map((p) => p.solution));
  assert.deepEqual(cv.map((v) => v.status), refs.map(() => "passed"));
  const wrong = await code.verifyAll([add], [fence("def add(x, y):\n    return x - y")]);
  assert.deepEqual([wrong[0].correct, wrong[0].status], [false, "failed"]);
  // The synchronous check of integer and math attempts refuses code.
  assert.throws(() => verifyAttempt("code", add, "x"), /sandbox, asynchronously/);
  // A code task's problem without tests is a clear error, not a zero reward.
  const { code: _drop, ...bare } = add;
  await assert.rejects(
    code.verifyAll([bare], ["def add(x, y): return x + y"]),
    /has no code tests/,
  );
});

Deno.test("extractCode: the fenced block that defines the entry point, else the first python one, else the text", () => {
  assert.deepEqual(extractCode("def f():\n  return 1  \n\n"), {
    code: "def f():\n  return 1",
    rule: "whole",
  });
  assert.equal(extractCode("   \n\n"), null);
  assert.equal(extractCode("```python\n\n```"), null);
  const two = "First a helper:\n```python\ndef helper():\n    return 2\n```\nthen:\n" +
    "```py\ndef add(x, y):\n    return x + y\n```\nUsage:\n```\nadd(1, 2)\n```";
  assert.equal(extractCode(two, "add")!.code, "def add(x, y):\n    return x + y");
  assert.equal(extractCode(two, "nope")!.code, "def helper():\n    return 2");
  assert.equal(extractCode("```text\nhello\n```\n```\nx = 1\n```")!.code, "x = 1");
  // A block cut off by the token limit runs to the end of the text.
  assert.equal(
    extractCode("```python\ndef add(x, y):\n    return x +")!.code,
    "def add(x, y):\n    return x +",
  );
  // A HumanEval completion (a body without the def) gets the prompt in front of it.
  const program = attemptProgram(add.code!, "```python\n    return x + y\n```");
  assert.ok(program!.startsWith("def add(x: int, y: int) -> int:"), program!);
  assert.ok(program!.endsWith("    return x + y"));
  // A whole program keeps its own definition and is not prefixed.
  assert.equal(
    attemptProgram(add.code!, fence("def add(x, y):\n    return y + x")),
    "def add(x, y):\n    return y + x",
  );
});

Deno.test("code rewards through the RL path: correct, broken and hostile attempts", async () => {
  const canary = `${dir}/canary-${crypto.randomUUID()}`;
  const right = fence("def add(x, y):\n    return x + y");
  const broken = fence("def add(x, y)\n    return x + y"); // a syntax error
  const loop = fence("def add(x, y):\n    while True:\n        pass");
  const write = fence(
    `def add(x, y):\n    open(${JSON.stringify(canary)}, "w").write("owned")\n    return x + y`,
  );
  const system = fence(
    `import os\ndef add(x, y):\n    os.system("touch ${canary}")\n    return x + y`,
  );
  const importsOs = fence("import os\ndef add(x, y):\n    return x + y");
  const problems = Array.from({ length: 6 }, () => add);
  const t0 = performance.now();
  const s = await attemptScores(
    code,
    problems,
    [broken, right, loop, write, system, right],
    [right, broken, right, right, right, importsOs],
  );
  const ms = performance.now() - t0;
  assert.deepEqual(s.verdicts1.map((v) => v.status), [
    "crash",
    "passed",
    "timeout",
    "failed",
    "failed",
    "passed",
  ]);
  assert.deepEqual(s.scores, [
    { r1: 0, r2: 1 },
    { r1: 1, r2: 0 },
    { r1: 0, r2: 1 },
    { r1: 0, r2: 1 },
    { r1: 0, r2: 1 },
    { r1: 1, r2: 1 }, // importing os is allowed; what it is used for is not
  ]);
  assert.equal(await Deno.stat(canary).then(() => true, () => false), false, "no host file");
  // Stage II's shaped rewards: wrong→right 11, right→wrong −10, right→right 1.
  assert.deepEqual(
    s.scores.map((x) => attemptRewards(STAGE2, x.r1, x.r2)),
    [
      { attempt1: 0, attempt2: 11 },
      { attempt1: 1, attempt2: -10 },
      { attempt1: 0, attempt2: 11 },
      { attempt1: 0, attempt2: 11 },
      { attempt1: 0, attempt2: 11 },
      { attempt1: 1, attempt2: 1 },
    ],
  );
  const adv = groupAdvantages(STAGE2, s.scores.slice(0, 2));
  assert.deepEqual(adv, { attempt1: [-1, 1], attempt2: [21, -21] });
  // The loop is killed at the task's timeout, not the sandbox's 10 s default.
  assert.ok(ms < 9_000, `${ms} ms`);
});

Deno.test("code verifier: a program is run once per problem and batch; a sandbox fault is an error", async () => {
  const runs: string[] = [];
  const counting = verifierFor({ verifier: "code", sandbox: SANDBOX }, {
    run: (req) => {
      runs.push(req.program);
      return Promise.resolve({ passed: true, status: "passed", detail: "stub" });
    },
  });
  const right = fence("def add(x, y):\n    return x + y");
  const v = await counting.verifyAll(
    [add, add, add, byId(humaneval, "HumanEval/5"), add],
    [right, right + "\n", "", right, "```python\ndef add(x, y):\n    return x + y  \n```"],
  );
  assert.deepEqual(v.map((x) => x.status), ["passed", "passed", "no_code", "passed", "passed"]);
  assert.equal(v[2].answer, null);
  assert.equal(runs.length, 2, "same program, same problem: one run");
  const failing = verifierFor({ verifier: "code" }, {
    run: () => Promise.resolve({ passed: false, status: "error", detail: "python3 not found" }),
  });
  await assert.rejects(
    failing.verifyAll([add], [right]),
    /code verifier: problem HumanEval\/4: python3 not found/,
  );
});

Deno.test("evaluation metrics over hand-written HumanEval transcripts", async () => {
  const [close, trunc, addP, dbl] = humaneval;
  const texts = [
    // wrong → right (the completion form for attempt 2)
    {
      attempt1: fence(
        "from typing import List\ndef has_close_elements(numbers, threshold):\n    return False",
      ),
      attempt2: "```python\n" + close.code!.prefix!.trimEnd() + "\n" +
        "    return any(abs(a - b) < threshold for i, a in enumerate(numbers)\n" +
        "               for j, b in enumerate(numbers) if i != j)\n```",
    },
    // right → wrong
    {
      attempt1: fence("def truncate_number(number):\n    return number % 1.0"),
      attempt2: fence("def truncate_number(number):\n    return int(number)"),
    },
    // right → right, the same code
    {
      attempt1: fence("def add(x, y):\n    return x + y"),
      attempt2: fence("def add(x, y):\n    return x + y"),
    },
    // wrong → wrong (an infinite loop, then no code at all)
    { attempt1: fence("def double(x):\n    while True:\n        pass"), attempt2: "" },
  ];
  const records = await evaluateTexts([close, trunc, addP, dbl], texts, code);
  assert.deepEqual(
    records.map((r) => [r.attempt1.correct, r.attempt2.correct]),
    [[false, true], [true, false], [true, true], [false, false]],
  );
  assert.equal(records[0].gold, close.answer);
  assert.equal(records[3].attempt2.answer, null);
  const m = selfCorrectionMetrics(records);
  assert.deepEqual(
    [m.accT1, m.accT2, m.delta, m.deltaIC, m.deltaCI],
    [0.5, 0.5, 0, 0.25, 0.25],
  );
  assert.equal(m.changedRate, 0.75); // right→right kept its code
  const e = evaluateSeed(0, records, { bootstrap: { resamples: 20, seed: 0 } });
  assert.deepEqual(e.perFamily.map((f) => f.key), ["humaneval"]);
  assert.deepEqual(e.metrics, m);
});

Deno.test("cleanup of the verifier fixtures", async () => {
  await Deno.remove(dir, { recursive: true });
});
