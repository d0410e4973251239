/**
 * Differentiable building blocks tuned for tfjs-wasm: products through gemm.ts (transposed
 * operands read in place, the bias fused), layer normalisation with a hand-written gradient,
 * embedding lookup as a one-hot product (the gather gradient has no wasm kernel), and wasm kernels
 * that replace slow stock ones (Identity, Transpose).
 */
import { tf } from "./tf.ts";
import { columnSums, gemm } from "./gemm.ts";

/** Whether a gradient tape is recording (inside tf.grads / tf.variableGrads). Outside one,
 * layerNorm skips its custom-gradient wrapper and runs one fused kernel (inference). */
export function taping(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

/** tfjs-wasm's Identity kernel copies memory, and the autodiff tape clones every tensor it saves
 * for the backward pass through it; tensors are immutable, so sharing the buffer (as reshape
 * does) is safe and removes those copies. */
function shareIdentity(
  { inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown },
): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  (backend as { incRef(id: unknown): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
if (tf.getKernel("Identity", "wasm")) tf.unregisterKernel("Identity", "wasm");
tf.registerKernel({
  kernelName: "Identity",
  backendName: "wasm",
  kernelFunc: shareIdentity as never,
});

/** The tfjs-wasm backend methods the JS kernels below use. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** Matrices with at least this many elements take the blocked JS transpose on wasm. */
export const JS_TRANSPOSE_MIN = 4096;

const stockTransposeConfig = tf.getKernel("Transpose", "wasm") as tf.KernelConfig | undefined;
const stockTranspose = stockTransposeConfig?.kernelFunc;

/**
 * tfjs-wasm's Transpose runs at ~9 ns per element on matrix-sized inputs (a [2048,384]
 * activation: 8 ms). gemm.ts reads transposed operands in place, so the model transposes
 * matrices only where gemm falls back to explicit transposes (a runtime without relaxed SIMD);
 * there, and for any other caller, a swap of the last two axes is done here as a cache-blocked
 * copy over the wasm heap, 1.7–2.2× faster; every other permutation, and small matrices, keep the
 * stock kernel.
 */
function blockedTranspose(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const perm = (args.attrs as { perm: number[] }).perm;
  const rank = x.shape.length;
  const swapsLastTwo = rank >= 2 && perm[rank - 2] === rank - 1 && perm[rank - 1] === rank - 2 &&
    perm.slice(0, rank - 2).every((p, i) => p === i);
  const r = x.shape[rank - 2], c = x.shape[rank - 1];
  if (!swapsLastTwo || x.dtype !== "float32" || r * c < JS_TRANSPOSE_MIN) {
    return stockTranspose!(args as never);
  }
  const be = args.backend as HeapBackend;
  const out = be.makeOutput(perm.map((p) => x.shape[p]), "float32");
  const xv = be.typedArrayFromHeap(x), ov = be.typedArrayFromHeap(out);
  const slices = x.shape.slice(0, rank - 2).reduce((a, b) => a * b, 1);
  const B = 32;
  for (let s = 0; s < slices; s++) {
    const o = s * r * c;
    for (let i0 = 0; i0 < r; i0 += B) {
      const i1 = Math.min(r, i0 + B);
      for (let j0 = 0; j0 < c; j0 += B) {
        const j1 = Math.min(c, j0 + B);
        for (let i = i0; i < i1; i++) {
          const src = o + i * c;
          for (let j = j0; j < j1; j++) ov[o + j * r + i] = xv[src + j];
        }
      }
    }
  }
  return out;
}

if (stockTransposeConfig) {
  tf.unregisterKernel("Transpose", "wasm");
  tf.registerKernel({
    ...stockTransposeConfig, // its setupFunc binds the stock kernel's wasm entry point
    kernelFunc: blockedTranspose as never,
  });
}

/** Name of the wasm inference kernel for layer normalisation. */
export const WASM_LAYER_NORM = "ScoreLayerNorm";

/** Layer normalisation of x [N,d] as one JS kernel over the wasm heap (inference only: decoding
 * steps run five of these on [B,d]; the op composition costs nine kernel launches each). */
function wasmLayerNorm(
  { inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown },
): tf.TensorInfo {
  const be = backend as HeapBackend;
  const { x, g, b } = inputs as { x: tf.TensorInfo; g: tf.TensorInfo; b: tf.TensorInfo };
  const d = x.shape[x.shape.length - 1], n = x.shape.reduce((p, q) => p * q, 1) / d;
  const out = be.makeOutput(x.shape, "float32");
  // Views are taken after makeOutput (an allocation may grow and detach the heap).
  const xv = be.typedArrayFromHeap(x), gv = be.typedArrayFromHeap(g), bv = be.typedArrayFromHeap(b);
  layerNormRows(xv, gv, bv, be.typedArrayFromHeap(out), n, d);
  return out;
}

/** Layer normalisation of n rows of d floats (eps 1e-5), accumulated in float64: the wasm
 * inference kernel, also used by host decoding steps (host_decode.ts) so both give the same bits.
 * `out` may be `x`. */
export function layerNormRows(
  x: Float32Array,
  g: Float32Array,
  b: Float32Array,
  out: Float32Array,
  n: number,
  d: number,
): void {
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[o + j];
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const c = x[o + j] - mean;
      v += c * c;
    }
    const rstd = 1 / Math.sqrt(v / d + 1e-5);
    for (let j = 0; j < d; j++) out[o + j] = (x[o + j] - mean) * rstd * g[j] + b[j];
  }
}

tf.registerKernel({
  kernelName: WASM_LAYER_NORM,
  backendName: "wasm",
  kernelFunc: wasmLayerNorm as never,
});

/** x [N,in] · w [in,out] + b [out], the bias added inside the product kernel on wasm. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  return gemm(x, w, { bias: b });
}

/** Layer normalisation over the last axis of x [N,d] with gain g and bias b (eps 1e-5);
 * hand-written gradient (row reductions only, column sums as matmuls). */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor2D {
  if (taping()) return layerNormGrad(x, g, b);
  if (tf.getBackend() === "wasm") {
    return tf.engine().runKernel(WASM_LAYER_NORM, { x, g, b }, {}) as tf.Tensor2D;
  }
  const xc = tf.sub(x, tf.mean(x, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.mul(xc, xc), -1, true), 1e-5));
  return tf.add(tf.mul(tf.mul(xc, rstd), g), b);
}

const layerNormGrad: (x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor2D = tf
  .customGrad(
    // deno-lint-ignore no-explicit-any
    ((x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, save: any) => {
      const mean = tf.mean(x, -1, true);
      const xc = tf.sub(x, mean);
      const rstd = tf.rsqrt(tf.add(tf.mean(tf.mul(xc, xc), -1, true), 1e-5));
      const xhat = tf.mul(xc, rstd);
      save([xhat, rstd, g]);
      return {
        value: tf.add(tf.mul(xhat, g), b),
        gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
          const [sxhat, srstd, sg] = saved as tf.Tensor2D[];
          const dxhat = tf.mul(dy, sg);
          const m1 = tf.mean(dxhat, -1, true);
          const m2 = tf.mean(tf.mul(dxhat, sxhat), -1, true);
          const dx = tf.mul(tf.sub(tf.sub(dxhat, m1), tf.mul(sxhat, m2)), srstd);
          return [dx, columnSums(tf.mul(dy, sxhat) as tf.Tensor2D), columnSums(dy)];
        },
      };
    }) as never,
  ) as never;

/** Float one-hot rows [N, depth] of int32 ids [N]. */
export function oneHotF(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(ids, depth), "float32") as tf.Tensor2D;
}

/** Embedding lookup table[ids] as oneHot(ids) × table (differentiable on every backend). */
export function embed(ids: tf.Tensor1D, table: tf.Tensor2D): tf.Tensor2D {
  return gemm(oneHotF(ids, table.shape[0]), table);
}
