import assert from "node:assert/strict";
import { runVerifyCli } from "../../verifiers/cli.ts";

function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      // split in odd places to exercise line reassembly
      for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
      controller.close();
    },
  });
}

function sink(): { stream: WritableStream<Uint8Array>; text: () => string } {
  const parts: Uint8Array[] = [];
  return {
    stream: new WritableStream({
      write(chunk) {
        parts.push(chunk);
      },
    }),
    text: () => parts.map((p) => new TextDecoder().decode(p)).join(""),
  };
}

async function run(args: string[], input: string) {
  const out = sink();
  const err = sink();
  const code = await runVerifyCli(args, {
    stdin: streamOf(input),
    stdout: out.stream,
    stderr: err.stream,
  });
  const lines = out.text().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  return { code, lines, stderr: err.text() };
}

Deno.test("verify code writes one verdict per input line, in input order, errors included", async () => {
  const input = [
    // slow first: its verdict must still come first
    JSON.stringify({
      language: "python",
      program: "import time\ndef f(x):\n    time.sleep(0.3)\n    return x",
      entry_point: "f",
      tests: [{ input: [1], output: 1 }],
    }),
    "{not json",
    JSON.stringify({
      language: "javascript",
      program: "function f(x) { return x + 1; }",
      entry_point: "f",
      tests: [{ input: [1], output: 3 }],
    }),
    "",
    JSON.stringify({ language: "cobol", program: "", tests: [] }),
    JSON.stringify({
      language: "python",
      program: "def f(x):\n    return x * 2",
      entry_point: "f",
      tests: { code: "def check(candidate):\n    assert candidate(4) == 8\n" },
    }),
  ].join("\n");
  const { code, lines } = await run(["code", "--timeout-ms", "4000"], input);
  assert.equal(code, 0);
  assert.equal(lines.length, 5);
  assert.deepEqual(lines.map((l) => l.status), ["passed", "error", "failed", "error", "passed"]);
  assert.match(lines[1].detail, /stdin line 2: not valid JSON/);
  assert.match(lines[3].detail, /stdin line 5: field language/);
  for (const l of lines) {
    assert.equal(typeof l.passed, "boolean");
    assert.equal(typeof l.detail, "string");
  }
});

Deno.test("verify math answers equal/reason per line and flags bad lines", async () => {
  const input = [
    JSON.stringify({ gold: "\\frac{1}{2}", pred: "0.5" }),
    JSON.stringify({ gold: "3", pred: "4" }),
    JSON.stringify({ gold: 3, pred: "3" }),
    "[]",
    JSON.stringify({ gold: "12", pred: "The final answer is \\boxed{12}." }),
  ].join("\r\n");
  const { code, lines } = await run(["math"], input);
  assert.equal(code, 0);
  assert.equal(lines.length, 5);
  assert.equal(lines[0].equal, true);
  assert.equal(lines[1].equal, false);
  assert.equal(lines[2].reason, "bad_input");
  assert.match(lines[2].error, /stdin line 3: field gold/);
  assert.equal(lines[3].reason, "bad_input");
  assert.equal(lines[4].equal, true, JSON.stringify(lines[4]));
  for (const l of lines) assert.equal(typeof l.reason, "string");
});

Deno.test("verify rejects unknown modes and bad options with status 2", async () => {
  const a = await run(["sql"], "");
  assert.equal(a.code, 2);
  assert.match(a.stderr, /expected "math" or "code"/);
  const b = await run(["code", "--concurrency", "zero"], "");
  assert.equal(b.code, 2);
  assert.match(b.stderr, /--concurrency must be a positive integer/);
  const c = await run(["math", "--bogus"], "");
  assert.equal(c.code, 2);
});
