import assert from "node:assert/strict";
import { selectBackend, tf } from "../../model/mod.ts";
import { gemm, GEMM_SUPPORTED } from "../../model/gemm.ts";
import { GEMM_WASM_BASE64 } from "../../model/gemm_wasm.ts";
import { gemmWasmBytes } from "../../tools/gemm_binary.ts";

type Case = { m: number; k: number; n: number; batch?: number; bias?: boolean };

/** Shapes that cover every micro-kernel height (M mod 6), partial panels (N mod 8), odd and
 * unit inner sizes, several column blocks (N > 128), vectors and batches. */
const CASES: Case[] = [
  { m: 1, k: 1, n: 1 },
  { m: 7, k: 5, n: 9 },
  { m: 13, k: 33, n: 24, bias: true },
  { m: 6, k: 128, n: 8 },
  { m: 32, k: 128, n: 48, bias: true },
  { m: 23, k: 17, n: 300, bias: true },
  { m: 1, k: 64, n: 130 },
  { m: 65, k: 3, n: 1 },
  { m: 11, k: 16, n: 20, batch: 3 },
  { m: 64, k: 32, n: 64, batch: 2 },
];

function data(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.731 + seed) * (1 + (i % 5)));
}

/** op(a)·op(b) (+ bias) and its gradients with respect to every input, on one backend. */
async function run(backend: "cpu" | "wasm", c: Case, ta: boolean, tb: boolean) {
  await selectBackend(backend);
  const pre = c.batch ? [c.batch] : [];
  const aShape = [...pre, ...(ta ? [c.k, c.m] : [c.m, c.k])];
  const bShape = [...pre, ...(tb ? [c.n, c.k] : [c.k, c.n])];
  const a = tf.tensor(data(aShape.reduce((p, q) => p * q), 1), aShape) as tf.Tensor as tf.Tensor2D;
  const b = tf.tensor(data(bShape.reduce((p, q) => p * q), 2), bShape) as tf.Tensor as tf.Tensor2D;
  const bias = c.bias ? tf.tensor1d(data(c.n, 3)) : undefined;
  const dy = tf.tensor(data([...pre, c.m, c.n].reduce((p, q) => p * q), 4), [...pre, c.m, c.n]);
  const f = (x: tf.Tensor, y: tf.Tensor, z?: tf.Tensor) =>
    gemm(x as tf.Tensor2D, y as tf.Tensor2D, {
      transposeA: ta,
      transposeB: tb,
      bias: z as tf.Tensor1D,
    });
  const y = f(a, b, bias);
  const grads = bias
    ? tf.grads((x, w, z) => tf.sum(tf.mul(f(x, w, z), dy)))([a, b, bias])
    : tf.grads((x, w) => tf.sum(tf.mul(f(x, w), dy)))([a, b]);
  const out = {
    shape: y.shape,
    y: await y.data(),
    grads: await Promise.all(grads.map((g) => g.data())),
  };
  tf.dispose([a, b, dy, y, ...grads, ...(bias ? [bias] : [])]);
  return out;
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-5 * (1 + Math.abs(want[i])) * 64;
    assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what} [${i}]: ${got[i]} vs ${want[i]}`);
  }
}

Deno.test("the embedded gemm module is the assembly of gemm_wat.ts", async () => {
  assert.equal(GEMM_WASM_BASE64, (await gemmWasmBytes()).toBase64());
  assert.ok(GEMM_SUPPORTED, "this Deno validates relaxed SIMD");
});

Deno.test("wasm gemm and its gradients equal tfjs cpu matMul for every transposition", async () => {
  for (const c of CASES) {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
      const what = `${JSON.stringify(c)} ta=${ta} tb=${tb}`;
      const want = await run("cpu", c, ta, tb), got = await run("wasm", c, ta, tb);
      assert.deepEqual(got.shape, want.shape, what);
      assertClose(got.y, want.y, what + " product");
      got.grads.forEach((g, i) => assertClose(g, want.grads[i], `${what} gradient ${i}`));
    }
  }
});

Deno.test("a wasm gemm row does not depend on the other rows (row shards give the same bits)", async () => {
  await selectBackend("wasm");
  const [m, k, n] = [203, 96, 70]; // the whole product packs B (≥ 192 rows); the parts do not
  const a = tf.tensor2d(data(m * k, 5), [m, k]), b = tf.tensor2d(data(k * n, 6), [k, n]);
  const bias = tf.tensor1d(data(n, 7));
  const whole = await gemm(a, b, { bias }).data();
  for (const [start, rows] of [[0, 1], [5, 7], [12, 6], [202, 1], [3, 26], [0, 192]]) {
    const part = tf.slice(a, [start, 0], [rows, k]);
    const y = gemm(part, b, { bias });
    assert.deepEqual(await y.data(), whole.slice(start * n, (start + rows) * n), `rows ${start}+`);
    tf.dispose([part, y]);
  }
  tf.dispose([a, b, bias]);
});

Deno.test("wasm gemm leaves no tensors or heap bytes behind", async () => {
  await selectBackend("wasm");
  const a = tf.tensor2d(data(40 * 50, 1), [40, 50]), b = tf.tensor2d(data(50 * 30, 2), [30, 50]);
  const round = () => tf.tidy(() => gemm(a, b, { transposeB: true })).dispose();
  round();
  const before = tf.memory();
  for (let i = 0; i < 50; i++) round();
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numBytes, before.numBytes);
  tf.dispose([a, b]);
});
