import assert from "node:assert/strict";
import {
  AdamW,
  computeGradients,
  GPT,
  type PolicyGradientBatch,
  Rng,
  sample,
  selectBackend,
  tf,
  trainStep,
  WorkerPool,
} from "../../model/mod.ts";
import { maxAbsDiff, randomBatch, TINY } from "./helpers.ts";

Deno.test("Worker-sharded gradients equal single-process gradients (pg batch with KL)", async () => {
  await selectBackend("wasm");
  const model = new GPT(TINY);
  const ref = new GPT({ ...TINY, seed: 9 }, { trainable: false });
  const rng = new Rng(2);
  const b = randomBatch(5, 8, 11, 3);
  b.mask.fill(0, 0, 6); // uneven token counts across shards
  const batch: PolicyGradientBatch = {
    ...b,
    kind: "pg",
    advantages: new Float32Array(40).map(() => rng.normal()),
    klCoef: new Float32Array(40).fill(0.2),
    segmentIds: new Int32Array(40).map((_, i) => (i % 8 < 5 ? 0 : 1)),
  };
  const pool = await WorkerPool.create(model, { workers: 2, ref });
  try {
    const local = await computeGradients(model, batch, { ref });
    const remote = await pool.computeGradients(model, batch);
    assert.ok(Math.abs(local.stats.loss - remote.stats.loss) < 1e-5);
    assert.equal(remote.stats.tokens, local.stats.tokens);
    remote.stats.klSum.forEach((k, i) => assert.ok(Math.abs(k - local.stats.klSum[i]) < 1e-4));
    for (const [k, g] of local.grads) {
      const a = (await g.data()) as Float32Array;
      const scale = Math.max(...a.map(Math.abs));
      assert.ok(maxAbsDiff(a, remote.grads.get(k)!) <= 1e-4 * scale + 1e-7, k);
    }
    tf.dispose([...local.grads.values()]);
    // Training through the pool follows the same trajectory as local training.
    const twin = await model.clone();
    const o1 = new AdamW({ lr: 1e-2 }), o2 = new AdamW({ lr: 1e-2 });
    for (let i = 0; i < 3; i++) {
      const sb = randomBatch(4, 8, 11, 10 + i);
      await trainStep(model, o1, sb);
      await trainStep(twin, o2, sb, { parallel: pool });
    }
    const w1 = await model.getWeights(), w2 = await twin.getWeights();
    for (const [k, v] of w1) assert.ok(maxAbsDiff(v, w2.get(k)!) < 1e-4, k);
    twin.dispose();
  } finally {
    pool.close();
    model.dispose();
    ref.dispose();
  }
});

Deno.test("Worker-sharded sampling gives the tokens and log-probs of one sample call", async () => {
  await selectBackend("wasm");
  const model = new GPT(TINY);
  const rng = new Rng(4);
  // Prompts of different lengths, so each shard pads to its own width.
  const prompts = Array.from(
    { length: 7 },
    (_, i) => Array.from({ length: 2 + (i * 3) % 5 }, () => rng.int(TINY.vocabSize)),
  );
  const pool = await WorkerPool.create(model, { workers: 2 });
  try {
    for (const temperature of [0, 1]) {
      const opts = { maxNewTokens: 6, temperature, seed: 3, stopTokens: [1] };
      const local = await sample(model, prompts, opts);
      const sharded = await pool.sample(model, prompts, opts);
      assert.deepEqual(sharded.tokens, local.tokens);
      assert.deepEqual(sharded.stopped, local.stopped);
      // Bit-identical: a row's arithmetic does not depend on the rows beside it.
      assert.deepEqual(sharded.logprobs, local.logprobs);
    }
    // The pool samples the weights the model has now, not those it was created with.
    const w = await model.getWeights();
    for (const v of w.values()) v.forEach((x, i) => (v[i] = x * -1.5));
    model.setWeights(w);
    const opts = { maxNewTokens: 6, temperature: 0, seed: 3 };
    assert.deepEqual(
      (await pool.sample(model, prompts, opts)).tokens,
      (await sample(model, prompts, opts)).tokens,
    );
    assert.deepEqual((await pool.sample(model, [], opts)).tokens, []);
  } finally {
    pool.close();
    model.dispose();
  }
});
