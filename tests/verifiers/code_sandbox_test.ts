import assert from "node:assert/strict";
import {
  type CodeVerdict,
  jsonEqual,
  mapOrdered,
  runCodeBatch,
  runCodeTests,
} from "../../verifiers/code/mod.ts";

const LIMITS = { timeoutMs: 4000, memoryMb: 256, outputBytes: 64 * 1024 };

const ADD_TESTS = [
  { input: [1, 2], output: 3 },
  { input: [-5, 5], output: 0 },
  { input: [10, 20], output: 30 },
];

Deno.test("a correct python program passes every input/output test", async () => {
  const v = await runCodeTests({
    language: "python",
    program: "def add(a, b):\n    return a + b\n",
    entry_point: "add",
    tests: ADD_TESTS,
  }, LIMITS);
  assert.equal(v.status, "passed", v.detail);
  assert.equal(v.passed, true);
  assert.equal(v.passedTests, 3);
  assert.equal(v.totalTests, 3);
});

Deno.test("a wrong javascript program fails with the count of passed tests", async () => {
  const v = await runCodeTests({
    language: "javascript",
    program: "function add(a, b) { return a > 0 ? a + b : a - b; }",
    entry_point: "add",
    tests: ADD_TESTS,
  }, LIMITS);
  assert.equal(v.status, "failed", v.detail);
  assert.equal(v.passed, false);
  assert.equal(v.passedTests, 2);
  assert.equal(v.totalTests, 3);
  assert.match(v.detail, /test 2: expected 0, got -10/);
});

Deno.test("typescript programs are transpiled and checked", async () => {
  const ok = await runCodeTests({
    language: "typescript",
    program: "interface P { x: number }\nfunction norm(p: P): number { return Math.abs(p.x); }",
    entry_point: "norm",
    tests: [{ input: [{ x: -3 }], output: 3 }, { input: [{ x: 4 }], output: 4 }],
  }, LIMITS);
  assert.equal(ok.status, "passed", ok.detail);
  const bad = await runCodeTests({
    language: "typescript",
    program: "export function norm(p: { x: number }): number { return p.x; }",
    entry_point: "norm",
    tests: [{ input: [{ x: -3 }], output: 3 }],
  }, LIMITS);
  assert.equal(bad.status, "failed", bad.detail);
});

Deno.test("syntax errors are crashes in both languages", async () => {
  const [py, js] = await runCodeBatch([
    {
      language: "python",
      program: "def f(:\n  pass",
      entry_point: "f",
      tests: [{ input: [], output: 1 }],
    },
    {
      language: "javascript",
      program: "function f( {",
      entry_point: "f",
      tests: [{ input: [], output: 1 }],
    },
  ], LIMITS);
  assert.equal(py.status, "crash", py.detail);
  assert.match(py.detail, /SyntaxError/);
  assert.equal(js.status, "crash", js.detail);
  assert.match(js.detail, /SyntaxError/);
});

Deno.test("a missing entry point fails rather than crashing", async () => {
  const v = await runCodeTests({
    language: "python",
    program: "def other(x):\n    return x\n",
    entry_point: "add",
    tests: ADD_TESTS,
  }, LIMITS);
  assert.equal(v.status, "failed");
  assert.equal(v.passedTests, 0);
  assert.match(v.detail, /add is not defined/);
});

Deno.test("HumanEval-style check(candidate) passes a correct program and fails a wrong one", async () => {
  const test = [
    "METADATA = {}",
    "def check(candidate):",
    "    assert candidate([1, 2, 3]) == (6, 6)",
    "    assert candidate([]) == (0, 1)",
    "    assert is_even(4)",
  ].join("\n");
  const good = [
    "def is_even(n):\n    return n % 2 == 0",
    "def sum_product(xs):\n    p = 1\n    for x in xs:\n        p *= x\n    return (sum(xs), p)",
  ].join("\n");
  const [ok, bad] = await runCodeBatch([
    { language: "python", program: good, entry_point: "sum_product", tests: { code: test } },
    {
      language: "python",
      program: good.replace("return (sum(xs), p)", "return [sum(xs), p]"),
      entry_point: "sum_product",
      tests: { code: test },
    },
  ], LIMITS);
  assert.equal(ok.status, "passed", ok.detail);
  // a list is not a tuple: values keep their Python types across the boundary
  assert.equal(bad.status, "failed", bad.detail);
  assert.match(bad.detail, /AssertionError at test line 3/);
});

Deno.test("MBPP-style assert lines can use candidate classes through opaque handles", async () => {
  const program = [
    "class Pair:",
    "    def __init__(self, a, b):",
    "        self.a = a",
    "        self.b = b",
    "def max_chain_length(arr, n):",
    "    arr = sorted(arr, key=lambda p: p.b)",
    "    best, end = 0, float('-inf')",
    "    for p in arr:",
    "        if p.a > end:",
    "            best, end = best + 1, p.b",
    "    return best",
  ].join("\n");
  const v = await runCodeTests({
    language: "python",
    program,
    tests: {
      code:
        "assert max_chain_length([Pair(5, 24), Pair(15, 25), Pair(27, 40), Pair(50, 60)], 4) == 3",
    },
  }, LIMITS);
  assert.equal(v.status, "passed", v.detail);
});

Deno.test("javascript assert-style tests run with require('assert') and report failures", async () => {
  const code = [
    "const assert = require('node:assert');",
    "function test() {",
    "  let candidate = mul;",
    "  assert.deepEqual(candidate(2, 3), 6);",
    "  assert.deepEqual(candidate(0, 9), 0);",
    "}",
    "test();",
  ].join("\n");
  const [ok, bad] = await runCodeBatch([
    { language: "javascript", program: "function mul(a, b) { return a * b; }", tests: { code } },
    {
      language: "javascript",
      program: "function mul(a, b) { return a + b + 1; }",
      tests: { code },
    },
  ], LIMITS);
  assert.equal(ok.status, "passed", ok.detail);
  assert.equal(bad.status, "failed", bad.detail);
  assert.match(bad.detail, /AssertionError/);
});

Deno.test("javascript test code mentioning reserved words does not break the program's load", async () => {
  const code = [
    "const assert = require('node:assert');",
    "// interface public private package protected implements enum arguments await",
    "assert.strictEqual(kind('public'), 'word:public');",
  ].join("\n");
  const [js, ts] = await runCodeBatch([
    {
      language: "javascript",
      program: "function kind(w) { return 'word:' + w; }",
      tests: { code },
    },
    {
      language: "typescript",
      program: "type W = string;\nfunction kind(w: W): string { return 'word:' + w; }",
      tests: { code },
    },
  ], LIMITS);
  assert.equal(js.status, "passed", js.detail);
  assert.equal(ts.status, "passed", ts.detail);
});

Deno.test("an invalid request is an error verdict, not an exception", async () => {
  const v = await runCodeTests({ language: "ruby", program: "", tests: [] });
  assert.equal(v.status, "error");
  assert.match(v.detail, /language/);
  const w = await runCodeTests({
    language: "python",
    program: "",
    tests: [{ input: [], output: 1 }],
  });
  assert.equal(w.status, "error");
  assert.match(w.detail, /entry_point/);
});

Deno.test("jsonEqual compares structure, not identity or key order", () => {
  assert.equal(jsonEqual({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] }), true);
  assert.equal(jsonEqual([1, 2], [2, 1]), false);
  assert.equal(jsonEqual({ a: 1 }, { a: 1, b: undefined }), false);
  assert.equal(jsonEqual(1, true), false);
  assert.equal(jsonEqual(null, {}), false);
});

Deno.test("mapOrdered keeps input order and bounds concurrency", async () => {
  let inFlight = 0;
  let peak = 0;
  const seen: number[] = [];
  const out = await mapOrdered(
    [30, 5, 20, 1, 10],
    2,
    async (ms, i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return i * 10;
    },
    (r) => {
      seen.push(r);
    },
  );
  assert.deepEqual(out, [0, 10, 20, 30, 40]);
  assert.deepEqual(seen, [0, 10, 20, 30, 40]);
  assert.equal(peak, 2);
});

Deno.test("a batch runs both languages and keeps verdict order", async () => {
  const reqs = [0, 1, 2, 3].map((k) => ({
    language: k % 2 === 0 ? "python" : "javascript",
    program: k % 2 === 0 ? `def f(x):\n    return x + ${k}` : `function f(x) { return x + ${k}; }`,
    entry_point: "f",
    tests: [{ input: [1], output: 1 + k }],
  }));
  const out: CodeVerdict[] = await runCodeBatch(reqs, { ...LIMITS, concurrency: 2 });
  assert.deepEqual(out.map((v) => v.status), ["passed", "passed", "passed", "passed"]);
});
