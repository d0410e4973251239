/**
 * The same stages run on a public math format given as local files: a GSM8K fixture written here,
 * checked with the math verifier, end to end to the report.
 */
import assert from "node:assert/strict";
import { METHOD_IDS } from "../../report/mod.ts";

const root = new URL("../../", import.meta.url).pathname;

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
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "main.ts",
        "reproduce",
        "--preset",
        "smoke",
        "--config",
        `${dir}/gsm8k.yaml`,
      ],
      cwd: root,
      env: { SCORE_STORE: `${dir}/store`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, log);
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
