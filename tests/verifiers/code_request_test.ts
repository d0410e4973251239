// Issue 18: requests that cannot be verified are errors that say why, the harness's result
// travels outside the program's output budget, and only the result kind a request asks for counts.
import assert from "node:assert/strict";
import { runCodeTests } from "../../verifiers/code/mod.ts";
import { ResultLineCounter } from "../../verifiers/code/process_runner.ts";
import { MAX_VALUE_DEPTH, valueProblem } from "../../verifiers/code/schema.ts";
import { decideVerdict } from "../../verifiers/code/verdict.ts";

const LIMITS = { timeoutMs: 8000, memoryMb: 256, outputBytes: 64 * 1024 };
const LANGUAGES = ["python", "javascript"] as const;
const echo = (language: string) =>
  language === "python" ? "def f(x):\n    return x" : "function f(x) { return x; }";

Deno.test("a request without tests is an error, not a pass", async () => {
  for (const language of LANGUAGES) {
    const empty = await runCodeTests(
      { language, program: echo(language), entry_point: "f", tests: [] },
      LIMITS,
    );
    assert.equal(empty.status, "error", empty.detail);
    assert.equal(empty.passed, false);
    assert.match(empty.detail, /no tests: a request without tests would pass any program/);
    const blank = await runCodeTests(
      { language, program: echo(language), tests: { code: " \n\t" } },
      LIMITS,
    );
    assert.equal(blank.status, "error", blank.detail);
    assert.match(blank.detail, /tests\.code: test code is empty/);
  }
});

Deno.test("60,000 input/output tests pass a correct program under a 64 KiB output cap", async () => {
  const tests = Array.from({ length: 60_000 }, (_, i) => ({ input: [i], output: i }));
  for (const language of LANGUAGES) {
    const v = await runCodeTests(
      { language, program: echo(language), entry_point: "f", tests },
      { ...LIMITS, timeoutMs: 30_000 },
    );
    assert.equal(v.status, "passed", `${language}: ${v.detail}`);
    assert.equal(v.passedTests, 60_000);
  }
});

Deno.test("the program's own output still counts against the cap", async () => {
  const v = await runCodeTests({
    language: "python",
    program: "def f(x):\n    print('y' * 100_000)\n    return x",
    entry_point: "f",
    tests: [{ input: [1], output: 1 }],
  }, LIMITS);
  assert.equal(v.status, "output_limit", v.detail);
});

Deno.test("the result line is not the program's output; a forged marker without the nonce is", () => {
  const nonce = "ab".repeat(16);
  const enc = (t: string) => new TextEncoder().encode(t);
  const c = new ResultLineCounter(`\n${nonce} `, 1 << 20);
  assert.equal(c.programBytes(enc("hello\n")), 6);
  // the marker split across two chunks: only its first part is charged
  const line = `\n${nonce} ${"x".repeat(5000)}\n`;
  assert.equal(c.programBytes(enc(line.slice(0, 10))) + c.programBytes(enc(line.slice(10))), 10);
  assert.equal(c.programBytes(enc("after\n")), 6);
  const forged = `\n${"cd".repeat(16)} {"kind":"io"}\n`;
  assert.equal(c.programBytes(enc(forged)), forged.length);
  // a result line beyond the result cap is charged as the program's
  const small = new ResultLineCounter(`\n${nonce} `, 10);
  assert.equal(small.programBytes(enc(`\n${nonce} ${"z".repeat(100)}\n`)), 101 - 10);
});

Deno.test("values nested too deeply or numbers JSON cannot carry are request errors", async () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  for (const language of LANGUAGES) {
    for (const test of [{ input: [deep], output: 1 }, { input: [1], output: deep }]) {
      const v = await runCodeTests(
        { language, program: echo(language), entry_point: "f", tests: [test] },
        LIMITS,
      );
      assert.equal(v.status, "error", v.detail);
      assert.match(v.detail, /tests\[0\]\.(input|output) is nested more than 100 levels deep/);
    }
  }
  const huge = JSON.parse(`[${"9".repeat(400)}]`);
  const v = await runCodeTests(
    {
      language: "python",
      program: echo("python"),
      entry_point: "f",
      tests: [{ input: huge, output: 1 }],
    },
    LIMITS,
  );
  assert.equal(v.status, "error");
  assert.match(v.detail, /tests\[0\]\.input holds Infinity.*give it as a string/);
  // the limit itself is allowed
  let ok: unknown = 0;
  for (let i = 0; i < MAX_VALUE_DEPTH; i++) ok = [ok];
  assert.equal(valueProblem(ok), null);
  assert.match(valueProblem([ok]) ?? "", /nested more than 100/);
});

Deno.test("a return value that cannot cross the sandbox says so instead of 'status 70'", async () => {
  const py = await runCodeTests({
    language: "python",
    program: "def f():\n    return 10 ** 100_000",
    entry_point: "f",
    tests: [{ input: [], output: 1 }, { input: [], output: 1 }],
  }, LIMITS);
  assert.equal(py.status, "failed", py.detail);
  assert.match(py.detail, /cannot cross the sandbox: an integer of more than 4300 digits/);
  assert.doesNotMatch(py.detail, /status 70|Traceback/);
  const js = await runCodeTests({
    language: "javascript",
    program: "function f() { return 10n ** 1000n; }",
    entry_point: "f",
    tests: [{ input: [], output: 1 }],
  }, LIMITS);
  assert.equal(js.status, "failed", js.detail);
  assert.match(js.detail, /has no JSON form: TypeError: a BigInt has no JSON form/);
});

Deno.test("only the result kind the request asked for counts", () => {
  const nonce = "ef".repeat(16);
  const proc = (result: unknown) => ({
    code: 0,
    signal: null,
    stdout: new TextEncoder().encode(`\n${nonce} ${JSON.stringify(result)}\n`),
    stderr: new Uint8Array(),
    killed: null,
    peakRssMb: 1,
  });
  const limits = { timeoutMs: 1000, memoryMb: 64, outputBytes: 1024 };
  const io = [{ input: [1], output: 2 }];
  const forged = decideVerdict(proc({ kind: "code", ok: true }), nonce, io, limits, "namespaces");
  assert.equal(forged.passed, false);
  assert.equal(forged.status, "crash");
  assert.match(forged.detail, /only "io" counts/);
  const forgedIo = decideVerdict(
    proc({ kind: "io", results: [{ json: "2" }] }),
    nonce,
    { code: "assert f(1) == 2" },
    limits,
    "namespaces",
  );
  assert.equal(forgedIo.passed, false);
  assert.match(forgedIo.detail, /only "code" counts/);
  const tooMany = decideVerdict(
    proc({ kind: "io", results: [{ json: "2" }, { json: "2" }] }),
    nonce,
    io,
    limits,
    "namespaces",
  );
  assert.equal(tooMany.passed, false);
  assert.equal(
    decideVerdict(proc({ kind: "io", results: [{ json: "2" }] }), nonce, io, limits, "x").status,
    "passed",
  );
});
