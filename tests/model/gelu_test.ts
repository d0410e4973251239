import assert from "node:assert/strict";
import { selectBackend, tf } from "../../model/mod.ts";
import { gelu } from "../../model/gelu.ts";
import { GELU_CONSTANTS } from "../../model/gelu_wat.ts";

const { c3, twoC } = GELU_CONSTANTS;

/** GELU (tanh approximation) and its derivative in float64. */
function reference(x: number): [number, number] {
  const s = 1 / (1 + Math.exp(-twoC * (x + c3 * x ** 3)));
  return [x * s, s + x * s * (1 - s) * twoC * (1 + 3 * c3 * x * x)];
}

/** GELU and its gradient (of sum(gelu(x)·w)) on one backend. */
async function run(backend: "cpu" | "wasm", xs: Float32Array, w: Float32Array) {
  await selectBackend(backend);
  const x = tf.tensor1d(xs), wt = tf.tensor1d(w);
  const y = gelu(x);
  const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(gelu(a), wt)))([x]);
  const out = { y: (await y.data()) as Float32Array, dx: (await dx.data()) as Float32Array };
  tf.dispose([x, wt, y, dx]);
  return out;
}

// -20..20 on a fine grid, plus 0, ±tiny and past the exponent clamp.
const XS = Float32Array.from(
  [...Array.from({ length: 40_001 }, (_, i) => -20 + i / 1000), 0, 1e-30, -1e-30, -95, 95, -200],
);
const W = XS.map((_, i) => 1 + (i % 7) / 3);

Deno.test("wasm GELU and its gradient match the float64 formula", async () => {
  const { y, dx } = await run("wasm", XS, W);
  for (let i = 0; i < XS.length; i++) {
    const [ry, rd] = reference(XS[i]);
    // Measured: 1.9e-6 relative at most (x ≈ −4.5, where y is small), 5e-7 absolute.
    assert.ok(Math.abs(y[i] - ry) <= 1e-6 + 4e-6 * Math.abs(ry), `GELU(${XS[i]}) = ${y[i]}, ${ry}`);
    assert.ok(Math.abs(dx[i] - rd * W[i]) <= 1e-5 * W[i], `GELU'(${XS[i]}) = ${dx[i]}, ${rd}`);
  }
});

Deno.test("wasm GELU equals the cpu composition within float32 rounding", async () => {
  const got = await run("wasm", XS, W), want = await run("cpu", XS, W);
  for (let i = 0; i < XS.length; i++) {
    assert.ok(Math.abs(got.y[i] - want.y[i]) <= 2e-6 * (1 + Math.abs(want.y[i])), `y at ${XS[i]}`);
    assert.ok(Math.abs(got.dx[i] - want.dx[i]) <= 2e-5 * W[i], `dx at ${XS[i]}`);
  }
});

Deno.test("a wasm GELU element does not depend on its position (vector body and tail agree)", async () => {
  const whole = await run("wasm", XS.subarray(0, 1003), W.subarray(0, 1003));
  for (const [start, len] of [[0, 1], [1, 2], [5, 3], [997, 6], [12, 4], [100, 7]]) {
    const part = await run("wasm", XS.slice(start, start + len), W.slice(start, start + len));
    assert.deepEqual(part.y, whole.y.slice(start, start + len), `y ${start}+${len}`);
    assert.deepEqual(part.dx, whole.dx.slice(start, start + len), `dx ${start}+${len}`);
  }
});
