import assert from "node:assert/strict";
import {
  AdamW,
  type Batch,
  GPT,
  padSequences,
  type PolicyGradientBatch,
  Rng,
  sample,
  selectBackend,
  tf,
  tokenLogProbs,
  trainStep,
} from "../../model/mod.ts";
import { randomBatch, TINY } from "./helpers.ts";

/** Reversal task: <bos> d1..dn = dn..d1 <eos>, digits are ids 4..13, '=' is 3. */
function reversal(r: Rng) {
  const n = 3 + r.int(3);
  const dg = Array.from({ length: n }, () => 4 + r.int(10));
  return { prompt: [1, ...dg, 3], answer: [...dg.reverse(), 2] };
}

function reversalBatch(r: Rng, b: number): Batch {
  const ex = Array.from({ length: b }, () => reversal(r));
  const { tokens, batch, seqLen } = padSequences(ex.map((e) => [...e.prompt, ...e.answer]), 0, 13);
  const mask = new Float32Array(batch * seqLen);
  ex.forEach((e, i) => {
    for (let j = e.prompt.length; j < e.prompt.length + e.answer.length; j++) {
      mask[i * seqLen + j] = 1;
    }
  });
  return { kind: "supervised", batch, seqLen, tokens, mask };
}

Deno.test("a tiny model learns to reverse digit strings to at least 95% exact match", async () => {
  await selectBackend("wasm");
  const model = new GPT({ vocabSize: 14, ctxLen: 16, nLayer: 1, nHead: 2, dModel: 32, seed: 1 });
  const opt = new AdamW({ lr: 1e-2, warmupSteps: 10, schedule: "cosine", totalSteps: 200 });
  const rng = new Rng(1);
  const test = Array.from({ length: 200 }, ((r) => () => reversal(r))(new Rng(99)));
  const before = await sample(model, test.map((e) => e.prompt), {
    maxNewTokens: 6,
    temperature: 0,
  });
  let first = 0, last = 0;
  for (let s = 0; s < 200; s++) {
    const st = await trainStep(model, opt, reversalBatch(rng, 32));
    if (s === 0) first = st.loss;
    last = st.loss;
  }
  assert.ok(last < first / 5, `loss ${first} → ${last}`);
  const r = await sample(model, test.map((e) => e.prompt), {
    maxNewTokens: 6,
    temperature: 0,
    stopTokens: [2],
  });
  const exact = (res: { tokens: number[][] }) =>
    test.filter((e, i) => res.tokens[i].join() === e.answer.join()).length / test.length;
  assert.ok(exact(before) < 0.05);
  assert.ok(exact(r) >= 0.95, `exact match ${exact(r)}`);
  model.dispose();
  opt.dispose();
});

async function trainedWeights(seed: number, steps: number) {
  const model = new GPT({ ...TINY, seed });
  const opt = new AdamW({
    lr: 1e-2,
    weightDecay: 0.1,
    warmupSteps: 2,
    schedule: "cosine",
    totalSteps: steps,
  });
  const rng = new Rng(seed);
  for (let s = 0; s < steps; s++) await trainStep(model, opt, randomBatch(4, 10, 11, rng.int(1e9)));
  const w = await model.getWeights();
  const smp = await sample(model, [[1, 2], [3]], { maxNewTokens: 6, seed: 4 });
  model.dispose();
  opt.dispose();
  return { w, smp };
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`same seed and backend give identical weights and samples after training (${backend})`, async () => {
    await selectBackend(backend);
    const a = await trainedWeights(1, 6),
      b = await trainedWeights(1, 6),
      c = await trainedWeights(2, 6);
    for (const [k, v] of a.w) {
      assert.deepEqual(new Uint8Array(b.w.get(k)!.buffer), new Uint8Array(v.buffer), k);
    }
    assert.deepEqual(a.smp, b.smp);
    assert.notDeepEqual(a.w.get("wte"), c.w.get("wte"));
  });
}

Deno.test("tf.memory().numTensors is flat across 50 training steps and 50 sampling calls", async () => {
  await selectBackend("wasm");
  const model = new GPT(TINY);
  const ref = await model.clone({ trainable: false });
  const opt = new AdamW({ lr: 1e-3 });
  const rng = new Rng(3);
  const pgBatch = (): PolicyGradientBatch => ({
    ...randomBatch(3, 8, 11, rng.int(1e9)),
    kind: "pg",
    advantages: new Float32Array(24).map(() => rng.normal()),
    klCoef: new Float32Array(24).fill(0.1),
    segmentIds: new Int32Array(24).map((_, i) => (i % 8 < 4 ? 0 : 1)),
  });
  // Warm-up creates the optimizer slots and cached masks once.
  await trainStep(model, opt, randomBatch(3, 8, 11, 1));
  await trainStep(model, opt, pgBatch(), { ref });
  await sample(model, [[1, 2, 3], [4]], { maxNewTokens: 5, seed: 1 });
  const base = tf.memory().numTensors;
  for (let i = 0; i < 50; i++) {
    await trainStep(model, opt, i % 2 ? randomBatch(3, 8, 11, i) : pgBatch(), { ref });
    assert.equal(tf.memory().numTensors, base, `after training step ${i}`);
  }
  for (let i = 0; i < 50; i++) {
    await sample(model, [[1, 2, 3], [4]], { maxNewTokens: 5, seed: i, temperature: i % 3 ? 1 : 0 });
    assert.equal(tf.memory().numTensors, base, `after sampling call ${i}`);
  }
  model.dispose();
  ref.dispose();
  opt.dispose();
});

Deno.test("KL to a frozen clone is zero, grows with training, and is reported per segment", async () => {
  await selectBackend("wasm");
  const model = new GPT(TINY);
  const ref = await model.clone({ trainable: false });
  assert.ok(ref.variables().every((v) => !v.trainable));
  const opt = new AdamW({ lr: 3e-2 });
  const rng = new Rng(8);
  const batch: PolicyGradientBatch = {
    ...randomBatch(4, 8, 11, 5),
    kind: "pg",
    advantages: new Float32Array(32).map(() => rng.normal()),
    klCoef: new Float32Array(32).map((_, i) => (i % 8 < 4 ? 0.25 : 0.01)),
    segmentIds: new Int32Array(32).map((_, i) => (i % 8 < 4 ? 0 : 1)),
  };
  batch.mask.fill(0, 0, 1);
  const s0 = await trainStep(model, opt, batch, { ref });
  assert.ok(Math.abs(s0.meanKl!) < 1e-6);
  assert.equal(s0.klBySegment!.length, 2);
  let s = s0;
  for (let i = 0; i < 5; i++) s = await trainStep(model, opt, batch, { ref });
  assert.ok(s.meanKl! > 1e-4, `KL after training ${s.meanKl}`);
  assert.ok(s.klBySegment!.every((k) => k > 0));
  // The sampled estimator is non-negative and agrees in scale with the exact KL.
  const sampled = await trainStep(model, new AdamW({ lr: 1e-9 }), {
    ...batch,
    klEstimator: "sampled",
  }, { ref });
  assert.ok(sampled.meanKl! > 0);
  assert.ok(sampled.meanKl! < 20 * s.meanKl! + 1e-3);
  model.dispose();
  ref.dispose();
});

Deno.test("a policy-gradient step raises log-probs of positive-advantage tokens", async () => {
  await selectBackend("wasm");
  const model = new GPT(TINY);
  const b = randomBatch(2, 8, 11, 21);
  const adv = new Float32Array(16).map((_, i) => (i < 8 ? 1 : -1));
  const ids = tf.tensor2d(b.tokens, [2, 8], "int32");
  const logprobs = async () => {
    const t = tokenLogProbs(model, ids);
    const a = Array.from(await t.data());
    t.dispose();
    return a;
  };
  const lp0 = await logprobs();
  await trainStep(model, new AdamW({ lr: 1e-2 }), { ...b, kind: "pg", advantages: adv });
  const lp1 = await logprobs();
  const delta = (r: number) =>
    lp1.slice(r * 8 + 1, r * 8 + 8).reduce((a, x, j) => a + x - lp0[r * 8 + 1 + j], 0);
  assert.ok(delta(0) > 0, `row 0 (A=+1) changed by ${delta(0)}`);
  assert.ok(delta(1) < 0, `row 1 (A=−1) changed by ${delta(1)}`);
  tf.dispose(ids);
  model.dispose();
});
