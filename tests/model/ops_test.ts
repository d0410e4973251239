import assert from "node:assert/strict";
import { selectBackend, tf } from "../../model/mod.ts";
import { layerNorm } from "../../model/ops.ts";

Deno.test("wasm inference layer norm kernel equals the op composition on cpu", async () => {
  const x = Array.from({ length: 6 * 10 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 7)));
  const g = Array.from({ length: 10 }, (_, i) => 0.5 + i / 10);
  const b = Array.from({ length: 10 }, (_, i) => i / 20 - 0.2);
  const run = async (backend: "cpu" | "wasm") => {
    await selectBackend(backend);
    const y = tf.tidy(() => layerNorm(tf.tensor2d(x, [6, 10]), tf.tensor1d(g), tf.tensor1d(b)));
    const out = Array.from(await y.data());
    y.dispose();
    return out;
  };
  const a = await run("cpu"), w = await run("wasm");
  a.forEach((v, i) => assert.ok(Math.abs(v - w[i]) < 1e-5, `${v} vs ${w[i]}`));
  // Normalised rows: with g=1, b=0 the mean is 0 and the variance 1.
  await selectBackend("wasm");
  const y = tf.tidy(() => layerNorm(tf.tensor2d(x, [6, 10]), tf.ones([10]), tf.zeros([10])));
  const row = Array.from(await y.data()).slice(0, 10);
  y.dispose();
  assert.ok(Math.abs(row.reduce((p, q) => p + q, 0)) < 1e-4);
  assert.ok(Math.abs(row.reduce((p, q) => p + q * q, 0) / 10 - 1) < 1e-3);
});

Deno.test("wasm blocked transpose equals the cpu transpose for every permutation it takes", async () => {
  const cases: [number[], number[]][] = [
    [[96, 70], [1, 0]], // 2-D, not a multiple of the block
    [[3, 65, 80], [0, 2, 1]], // batched swap of the last two axes
    [[2, 2, 40, 120], [0, 1, 3, 2]],
    [[4, 8, 3, 5], [0, 2, 1, 3]], // other permutations keep the stock kernel
    [[8, 9], [1, 0]], // small matrices too
  ];
  for (const [shape, perm] of cases) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 100);
    const run = async (backend: "cpu" | "wasm") => {
      await selectBackend(backend);
      const y = tf.tidy(() => tf.transpose(tf.tensor(data, shape), perm));
      const out = { shape: y.shape, data: Array.from(await y.data()) };
      y.dispose();
      return out;
    };
    assert.deepEqual(await run("wasm"), await run("cpu"), `${shape} ${perm}`);
  }
});
