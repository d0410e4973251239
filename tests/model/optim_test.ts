import assert from "node:assert/strict";
import { AdamW, GPT, learningRate, selectBackend, tf } from "../../model/mod.ts";
import { AdamWConfig } from "../../model/optim.ts";
import { TINY } from "./helpers.ts";

Deno.test("LR schedule: linear warmup, then cosine decay to the floor or constant", () => {
  const c = AdamWConfig.parse({
    lr: 1,
    warmupSteps: 4,
    schedule: "cosine",
    totalSteps: 14,
    minLrRatio: 0.1,
  });
  assert.deepEqual([0, 1, 2, 3].map((s) => learningRate(c, s)), [0.25, 0.5, 0.75, 1]);
  assert.ok(Math.abs(learningRate(c, 9) - 0.55) < 1e-12);
  assert.ok(Math.abs(learningRate(c, 14) - 0.1) < 1e-12);
  assert.ok(learningRate(c, 6) > learningRate(c, 7));
  const k = AdamWConfig.parse({ lr: 0.3, warmupSteps: 2 });
  assert.equal(learningRate(k, 50), 0.3);
});

Deno.test("AdamW state is keyed by name: gradient order and missing gradients do not matter", async () => {
  await selectBackend("cpu");
  const a = new GPT(TINY), b = new GPT(TINY);
  const oa = new AdamW({ lr: 0.1 }), ob = new AdamW({ lr: 0.1 });
  const grads = (m: GPT, names: string[], k: number) =>
    new Map(names.map((n) => [n, tf.fill(m.params.get(n)!.shape, k * (n.length % 3 + 1))]));
  const names = [...a.params.keys()];
  // Step 1: all gradients, reversed order for b. Step 2: only some parameters get gradients.
  for (const [m, o, order] of [[a, oa, names], [b, ob, [...names].reverse()]] as const) {
    const g1 = grads(m, order as string[], 1);
    tf.dispose(o.apply(m.params, g1).gradNorm);
    tf.dispose([...g1.values()]);
    const g2 = grads(m, (order as string[]).filter((n) => n.includes("mlp")), -2);
    tf.dispose(o.apply(m.params, g2).gradNorm);
    tf.dispose([...g2.values()]);
  }
  const wa = await a.getWeights(), wb = await b.getWeights();
  for (const [k, v] of wa) assert.deepEqual(wb.get(k), v, k);
  assert.throws(
    () => oa.apply(a.params, new Map([["nope", tf.scalar(1)]])),
    /unknown parameter "nope"/,
  );
  a.dispose();
  b.dispose();
});

Deno.test("global-norm clipping bounds the first update and reports the unclipped norm", async () => {
  await selectBackend("cpu");
  const m = new GPT(TINY);
  const before = await m.getWeights();
  // With clipping, Adam's first step still moves each weight by ≈ lr (sign of the gradient), but
  // the reported norm is the raw one.
  const o = new AdamW({ lr: 0.01, clipNorm: 1e-3 });
  const g = new Map([...m.params].map(([n, v]) => [n, tf.fill(v.shape, 3)]));
  const upd = o.apply(m.params, g);
  const total = [...m.params.values()].reduce((a, v) => a + v.size, 0);
  assert.ok(
    Math.abs((await upd.gradNorm.data())[0] - 3 * Math.sqrt(total)) < 1e-2 * Math.sqrt(total),
  );
  const after = await m.getWeights();
  const d = after.get("wte")![0] - before.get("wte")![0];
  assert.ok(Math.abs(d + 0.01) < 1e-4, `moved by ${d}`);
  tf.dispose([upd.gradNorm, ...g.values()]);
  m.dispose();
});
