/**
 * The same stages run on a public math format given as local files: a GSM8K fixture written here,
 * checked with the math verifier, end to end to the report.
 */
import assert from "node:assert/strict";
import { METHOD_IDS } from "../../report/mod.ts";
import { cli } from "../cli.ts";

function gsm8kRows(n: number, offset: number): string {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const a = 3 + ((i + offset) % 17), b = 2 + ((i * 7 + offset) % 13);
    rows.push(JSON.stringify({
      question: `Ann has ${a} pens and gets ${b} more. How many pens?`,
      answer: `She has ${a}+${b}=<<${a}+${b}=${a + b}>>${a + b} pens.\n#### ${a + b}`,
    }));
  }
  return rows.join("\n") + "\n";
}

Deno.test("a GSM8K config runs every stage with the math verifier and reports", async () => {
  const dir = await Deno.makeTempDir({ prefix: "score-gsm8k-" });
  try {
    await Deno.writeTextFile(`${dir}/train.jsonl`, gsm8kRows(40, 0));
    await Deno.writeTextFile(`${dir}/test.jsonl`, gsm8kRows(12, 100));
    await Deno.writeTextFile(
      `${dir}/gsm8k.yaml`,
      `problems: { source: gsm8k, train: ${dir}/train.jsonl, test: ${dir}/test.jsonl }\n` +
        "model: { ctxLen: 256 }\ndecode: { maxAttemptTokens: 48 }\n",
    );
    const run = await cli(
      `${dir}/store`,
      "reproduce",
      "--preset",
      "smoke",
      "--config",
      `${dir}/gsm8k.yaml`,
    );
    assert.equal(run.code, 0, run.text);
    const task = JSON.parse(await Deno.readTextFile(`${dir}/store/out/problems/task.json`));
    assert.equal(task.verifier, "math");
    assert.deepEqual(task.counts, { train: 40, test: 12 });
    const report = JSON.parse(await Deno.readTextFile(`${dir}/store/out/report/report.json`));
    assert.equal(report.methods.length, METHOD_IDS.length);
    assert.match(report.meta.dataset, /gsm8k/);
    // Evaluation records carry the gold answers of the fixture, verified by the math verifier.
    const evalLines = (await Deno.readTextFile(`${dir}/store/out/eval@base.s0/eval.jsonl`))
      .trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(evalLines.length, 12);
    assert.equal(evalLines[0].gold, String(3 + (100 % 17) + 2 + (100 % 13)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a code config (MBPP train, HumanEval test) runs every stage with the sandboxed code verifier and reports", async () => {
  const { writePublicFixtures } = await import("../datasets/public_fixtures.ts");
  const dir = await Deno.makeTempDir({ prefix: "score-code-" });
  try {
    const fx = await writePublicFixtures(`${dir}/data`);
    await Deno.writeTextFile(
      `${dir}/code.yaml`,
      `problems:\n  source: code\n  train: { mbpp: ${fx.mbpp} }\n  test: { humaneval: ${fx.humaneval} }\n` +
        "  sandbox: { timeoutMs: 3000 }\n" +
        "model: { ctxLen: 1024 }\ndecode: { maxAttemptTokens: 48 }\nrl: { selectProblems: 2 }\n",
    );
    const run = await cli(
      `${dir}/store`,
      "reproduce",
      "--preset",
      "smoke",
      "--config",
      `${dir}/code.yaml`,
    );
    assert.equal(run.code, 0, run.text);
    const read = async (rel: string) => await Deno.readTextFile(`${dir}/store/out/${rel}`);
    const task = JSON.parse(await read("problems/task.json"));
    assert.equal(task.verifier, "code");
    assert.deepEqual(task.counts, { train: 4, test: 4 });
    const report = JSON.parse(await read("report/report.json"));
    assert.equal(report.methods.length, METHOD_IDS.length);
    assert.match(report.meta.dataset, /^code \(4 train \/ 4 test\)/);
    // The evaluation records: one per HumanEval problem, the reference program as gold, and each
    // attempt's answer the program the sandbox ran (the HumanEval prompt before a completion).
    const evalLines = (await read("eval@base.s0/eval.jsonl")).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.deepEqual(evalLines.map((r) => r.problemId), [
      "HumanEval/0",
      "HumanEval/2",
      "HumanEval/4",
      "HumanEval/5",
    ]);
    assert.ok(evalLines[2].gold.includes("return x + y"));
    for (const r of evalLines) {
      for (const a of [r.attempt1, r.attempt2]) {
        assert.equal(typeof a.correct, "boolean");
        if (a.answer !== null) assert.ok(a.answer.includes("def "), a.answer);
      }
    }
    const rollouts = JSON.parse(await read("rollouts@s0/summary.json"));
    assert.equal(rollouts.samples, 8);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
