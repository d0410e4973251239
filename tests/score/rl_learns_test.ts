/**
 * The RL loop optimises what it should: starting from a model that answers "= 3" or "= 7" about
 * equally often, REINFORCE with a reward for "7" makes "7" the likely answer — on attempt 1 under
 * the single-turn objective, and on attempt 2 alone under Stage I (whose attempt 1 gets no reward).
 */
import assert from "node:assert/strict";
import { AdamW, CharTokenizer, GPT, selectBackend } from "../../model/mod.ts";
import { createRng } from "../../datasets/mod.ts";
import { buildTextTranscript } from "../../score/transcript.ts";
import { fitTranscripts } from "../../score/supervised.ts";
import { generateAttempts } from "../../score/generate.ts";
import { type RlStepMetrics, runRl } from "../../score/rl.ts";
import type { ObjectiveSpec } from "../../score/rewards.ts";
import type { TaskProblem } from "../../score/task.ts";
import { verifierFor } from "../../score/verify.ts";

const tok = new CharTokenizer("\n *+-/0123456789=dmox");
const problems: TaskProblem[] = Array.from({ length: 8 }, (_, i) => ({
  id: `p${i}`,
  family: "add",
  level: 1,
  question: `${i}+${7 - i}`,
  answer: "7",
  solution: "= 7",
}));

async function coinFlipModel(): Promise<GPT> {
  const rng = createRng(1);
  const transcripts = [];
  for (let i = 0; i < 256; i++) {
    const p = problems[i % problems.length];
    const a = () => (rng.bool() ? "= 7" : "= 3");
    transcripts.push(buildTextTranscript(tok, p.question, a(), a()));
  }
  const model = new GPT({ vocabSize: tok.vocabSize, ctxLen: 32, nLayer: 1, nHead: 2, dModel: 32 });
  await fitTranscripts(model, new AdamW({ lr: 1e-2 }), transcripts, {
    steps: 60,
    batchSize: 32,
    segments: [1, 2],
    seed: 1,
    padId: tok.special.pad,
  });
  return model;
}

async function sevenRate(model: GPT, attempt: 1 | 2): Promise<number> {
  const rows = Array.from({ length: 64 }, (_, i) => problems[i % problems.length].question);
  const g = await generateAttempts(model, tok, rows, {
    temperature: 1,
    maxAttemptTokens: 6,
    seed: 99,
    secondAttempt: true,
  });
  const ids = attempt === 1 ? g.attempt1 : g.attempt2!;
  return ids.filter((a) => tok.decode(a, { skipSpecial: true }) === "= 7").length / ids.length;
}

async function train(spec: ObjectiveSpec, model: GPT, ref: GPT): Promise<RlStepMetrics[]> {
  const log: RlStepMetrics[] = [];
  await runRl(model, ref, new AdamW({ lr: 3e-3 }), tok, problems, {
    objective: spec,
    steps: 25,
    problemsPerStep: 8,
    samplesPerProblem: 4,
    temperature: 1,
    maxAttemptTokens: 6,
    seed: 3,
    verifier: verifierFor({ verifier: "integer" }),
  }, (m) => {
    log.push(m);
  });
  return log;
}

Deno.test("single-turn REINFORCE raises the rewarded answer's probability on attempt 1", async () => {
  await selectBackend("cpu");
  const model = await coinFlipModel();
  const ref = await model.clone({ trainable: false });
  const before = await sevenRate(model, 1);
  assert.ok(before > 0.2 && before < 0.8, `the start is a coin flip: ${before}`);
  await train({ kind: "single_turn", alpha: 0, beta1: 0.01, beta2: 0.1 }, model, ref);
  const after = await sevenRate(model, 1);
  assert.ok(after > before + 0.2, `attempt-1 rate of "= 7": ${before} → ${after}`);
  model.dispose();
  ref.dispose();
});

Deno.test("Stage I raises attempt 2's reward while β2 keeps attempt 1 near the reference", async () => {
  await selectBackend("cpu");
  const model = await coinFlipModel();
  const ref = await model.clone({ trainable: false });
  const before1 = await sevenRate(model, 1);
  const before2 = await sevenRate(model, 2);
  await train({ kind: "stage1", alpha: 0, beta1: 0.0, beta2: 1.0 }, model, ref);
  const after1 = await sevenRate(model, 1);
  const after2 = await sevenRate(model, 2);
  assert.ok(after2 > before2 + 0.2, `attempt-2 rate: ${before2} → ${after2}`);
  assert.ok(after2 - before2 > after1 - before1 + 0.1, `attempt 1 moved ${before1} → ${after1}`);
  model.dispose();
  ref.dispose();
});
