import assert from "node:assert/strict";
import {
  computeGradients,
  GPT,
  initialWeights,
  parseGPTConfig,
  type PolicyGradientBatch,
  Rng,
  selectBackend,
  tf,
} from "../../model/mod.ts";
import { randomBatch, TINY } from "./helpers.ts";

/** Weights with a larger spread than the default init, so gradients are well above fp32 noise. */
function spreadWeights(seed: number): Map<string, Float32Array> {
  const w = initialWeights(parseGPTConfig(TINY));
  const rng = new Rng(seed);
  for (const [k, v] of w) {
    for (let i = 0; i < v.length; i++) v[i] += (k.includes(".g") ? 0.3 : 0.5) * rng.normal();
  }
  return w;
}

async function lossAt(model: GPT, batch: PolicyGradientBatch | ReturnType<typeof randomBatch>) {
  const { grads, stats } = await computeGradients(model, batch);
  tf.dispose([...grads.values()]);
  return stats.loss;
}

for (const backend of ["cpu", "wasm"] as const) {
  Deno.test(`gradients match central finite differences on a tiny model (${backend})`, async () => {
    await selectBackend(backend);
    const weights = spreadWeights(5);
    const model = new GPT(TINY, { weights });
    const batch = randomBatch(3, 9, 11, 17);
    batch.mask[4] = 0; // a masked token must not contribute
    const { grads } = await computeGradients(model, batch);
    const analytic = new Map<string, Float32Array>();
    for (const [k, g] of grads) analytic.set(k, (await g.data()) as Float32Array);
    tf.dispose([...grads.values()]);
    const rng = new Rng(9);
    const h = 1e-2;
    let checked = 0;
    let worst = 0;
    for (const [name, w] of weights) {
      for (let trial = 0; trial < 2; trial++) {
        const i = rng.int(w.length);
        const orig = w[i];
        w[i] = orig + h;
        model.setWeights(weights);
        const lp = await lossAt(model, batch);
        w[i] = orig - h;
        model.setWeights(weights);
        const lm = await lossAt(model, batch);
        w[i] = orig;
        const fd = (lp - lm) / (2 * h);
        const an = analytic.get(name)![i];
        const err = Math.abs(fd - an) / Math.max(1e-2, Math.abs(fd) + Math.abs(an));
        worst = Math.max(worst, err);
        assert.ok(err < 0.05, `${name}[${i}]: analytic ${an} vs finite difference ${fd}`);
        checked++;
      }
    }
    model.setWeights(weights);
    assert.ok(checked >= 2 * 28);
    model.dispose();
  });
}

Deno.test("policy-gradient loss gradient matches finite differences, KL included", async () => {
  await selectBackend("cpu");
  const weights = spreadWeights(6);
  const model = new GPT(TINY, { weights });
  const ref = new GPT(TINY, { weights: spreadWeights(7), trainable: false });
  const b = randomBatch(2, 8, 11, 4);
  const rng = new Rng(1);
  const batch: PolicyGradientBatch = {
    ...b,
    kind: "pg",
    advantages: new Float32Array(16).map(() => rng.normal()),
    klCoef: new Float32Array(16).fill(0.5),
  };
  const { grads } = await computeGradients(model, batch, { ref });
  const g = (await grads.get("h0.mlp.wfc")!.data()) as Float32Array;
  tf.dispose([...grads.values()]);
  const loss = async () => {
    const r = await computeGradients(model, batch, { ref });
    tf.dispose([...r.grads.values()]);
    return r.stats.loss;
  };
  const w = weights.get("h0.mlp.wfc")!;
  for (const i of [3, 77, 200]) {
    const orig = w[i];
    w[i] = orig + 1e-2;
    model.setWeights(weights);
    const lp = await loss();
    w[i] = orig - 1e-2;
    model.setWeights(weights);
    const lm = await loss();
    w[i] = orig;
    model.setWeights(weights);
    const fd = (lp - lm) / 2e-2;
    assert.ok(
      Math.abs(fd - g[i]) <= 0.05 * (Math.abs(fd) + Math.abs(g[i])) + 1e-3,
      `${g[i]} vs ${fd}`,
    );
  }
  model.dispose();
  ref.dispose();
});
