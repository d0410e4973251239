/**
 * Differentiable building blocks tuned for tfjs-wasm: matmuls whose forward and backward passes
 * use only plain (untransposed) matmuls after explicit transposes, so wasm stays on XNNPACK;
 * embedding lookup as a one-hot matmul (the gather gradient has no wasm kernel).
 */
import { tf } from "./tf.ts";

/** Whether a gradient tape is recording (inside tf.grads / tf.variableGrads). Outside one, the
 * ops below skip their custom-gradient wrappers and use fused kernels (inference). */
export function taping(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

const matmulGrad: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((a: tf.Tensor2D, b: tf.Tensor2D, save: any) => {
    save([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as tf.Tensor2D[];
        return [tf.matMul(dy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy)];
      },
    };
  }) as never,
) as never;

/** a [M,K] × b [K,N] → [M,N]; the gradient uses explicit transposes and plain matmuls. */
export function matmul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return taping() ? matmulGrad(a, b) : tf.matMul(a, b);
}

/** Name of the wasm kernel that runs a batched matmul as one XNNPACK matmul per batch slice. */
export const XNN_BMM = "ScoreXnnBatchMatMul";

/** Batch slices with fewer rows or columns than this use the stock kernel (XNNPACK's per-call
 * setup wins only for larger slices; decoding steps are matrix–vector products). */
export const XNN_BMM_MIN_ROWS = 8;

interface WasmBackendInternals {
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...a: unknown[]) => void;
    tfjs: {
      registerTensor(id: number, size: number, offset: number): void;
      disposeData(id: number): void;
    };
  };
  dataIdMap: { get(id: unknown): { memoryOffset: number } };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
}

const wasmBmmFns = new WeakMap<object, (...a: unknown[]) => void>();

/**
 * tfjs-wasm runs batched matmuls in a scalar loop; only batch-1 untransposed matmuls reach
 * XNNPACK. This kernel registers a temporary tensor id per batch slice (a view into the same wasm
 * memory, no copy) and calls the backend's own BatchMatMul on each slice, which takes the
 * XNNPACK path. 3–4× faster for attention-sized slices.
 */
function xnnBatchMatMul(
  { inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown },
): tf.TensorInfo {
  const be = backend as WasmBackendInternals;
  let call = wasmBmmFns.get(be);
  if (!call) {
    call = be.wasm.cwrap("BatchMatMul", null, [
      "number",
      "array",
      "number",
      "number",
      "array",
      "number",
      "number",
      "number",
      "number",
    ]);
    wasmBmmFns.set(be, call);
  }
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const [bt, m, k] = a.shape, n = b.shape[2];
  const out = be.makeOutput([bt, m, n], "float32");
  const ao = be.dataIdMap.get(a.dataId).memoryOffset;
  const bo = be.dataIdMap.get(b.dataId).memoryOffset;
  const oo = be.dataIdMap.get(out.dataId).memoryOffset;
  const sa = new Uint8Array(new Int32Array([1, m, k]).buffer);
  const sb = new Uint8Array(new Int32Array([1, k, n]).buffer);
  for (let i = 0; i < bt; i++) {
    const ia = be.dataIdNextNumber++, ib = be.dataIdNextNumber++, io = be.dataIdNextNumber++;
    be.wasm.tfjs.registerTensor(ia, m * k, ao + i * m * k * 4);
    be.wasm.tfjs.registerTensor(ib, k * n, bo + i * k * n * 4);
    be.wasm.tfjs.registerTensor(io, m * n, oo + i * m * n * 4);
    call(ia, sa, 3, ib, sb, 3, false, false, io);
    be.wasm.tfjs.disposeData(ia);
    be.wasm.tfjs.disposeData(ib);
    be.wasm.tfjs.disposeData(io);
  }
  return out;
}

tf.registerKernel({
  kernelName: XNN_BMM,
  backendName: "wasm",
  kernelFunc: xnnBatchMatMul as never,
});

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

/** Matrices with at least this many elements take the blocked JS transpose on wasm. */
export const JS_TRANSPOSE_MIN = 4096;

const stockTransposeConfig = tf.getKernel("Transpose", "wasm") as tf.KernelConfig | undefined;
const stockTranspose = stockTransposeConfig?.kernelFunc;

/**
 * tfjs-wasm's Transpose runs at ~9 ns per element on matrix-sized inputs (a [2048,384]
 * activation: 8 ms, as long as the matmul that consumes it). A swap of the last two axes — the
 * backward passes' x → xᵀ and the attention gradients' [B·H,T,T] → [B·H,T,T]ᵀ — is done here as a
 * cache-blocked copy over the wasm heap, 1.7–2.2× faster; every other permutation, and small
 * matrices, keep the stock kernel.
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
  const be = args.backend as WasmBackendInternals & {
    typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  };
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
  const be = backend as WasmBackendInternals & {
    typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  };
  const { x, g, b } = inputs as { x: tf.TensorInfo; g: tf.TensorInfo; b: tf.TensorInfo };
  const d = x.shape[x.shape.length - 1], n = x.shape.reduce((p, q) => p * q, 1) / d;
  const out = be.makeOutput(x.shape, "float32");
  // Views are taken after makeOutput (an allocation may grow and detach the heap).
  const xv = be.typedArrayFromHeap(x), gv = be.typedArrayFromHeap(g), bv = be.typedArrayFromHeap(b);
  const ov = be.typedArrayFromHeap(out);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += xv[o + j];
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const c = xv[o + j] - mean;
      v += c * c;
    }
    const rstd = 1 / Math.sqrt(v / d + 1e-5);
    for (let j = 0; j < d; j++) ov[o + j] = (xv[o + j] - mean) * rstd * gv[j] + bv[j];
  }
  return out;
}

tf.registerKernel({
  kernelName: WASM_LAYER_NORM,
  backendName: "wasm",
  kernelFunc: wasmLayerNorm as never,
});

/** Untransposed batched matmul, routed to XNNPACK slices on wasm when slices are large enough. */
export function rawBmm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (
    tf.getBackend() === "wasm" && a.shape[1] >= XNN_BMM_MIN_ROWS &&
    b.shape[2] >= XNN_BMM_MIN_ROWS &&
    a.shape[0] === b.shape[0]
  ) {
    return tf.engine().runKernel(XNN_BMM, { a, b }, {}) as tf.Tensor3D;
  }
  return tf.matMul(a, b);
}

/** Batched a [B,M,K] × b [B,K,N] → [B,M,N]; forward and gradient use untransposed matmuls. */
export function bmm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return taping() ? bmmGrad(a, b) : rawBmm(a, b);
}

const bmmGrad: (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((a: tf.Tensor3D, b: tf.Tensor3D, save: any) => {
    save([a, b]);
    return {
      value: rawBmm(a, b),
      gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as tf.Tensor3D[];
        return [
          rawBmm(dy, tf.transpose(sb, [0, 2, 1])),
          rawBmm(tf.transpose(sa, [0, 2, 1]), dy),
        ];
      },
    };
  }) as never,
) as never;

/** Column sums of x [N,C] → [C] as ones[1,N]·x (a plain matmul: fast on wasm, where a Sum over
 * axis 0 is ~10× slower). */
export function colSum(x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [x.shape[1]]);
}

const linearBias: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: any) => {
    save([x, w]);
    return {
      value: tf.add(tf.matMul(x, w), b),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sx, sw] = saved as tf.Tensor2D[];
        return [tf.matMul(dy, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dy), colSum(dy)];
      },
    };
  }) as never,
) as never;

/** x [N,in] · w [in,out] + b [out]; the bias gradient is a ones-matmul, not a Sum. (tfjs's
 * fused matmul+bias was slower here: its wrapper adds reshapes costing more than the add.) */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  if (!b) return matmul(x, w);
  return taping() ? linearBias(x, w, b) : tf.add(tf.matMul(x, w), b);
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
          return [dx, colSum(tf.mul(dy, sxhat) as tf.Tensor2D), colSum(dy)];
        },
      };
    }) as never,
  ) as never;

const GELU_2C = 2 * Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation, written as x·σ(2c(x + 0.044715x³)) since 0.5(1 + tanh z) = σ(2z)
 * (σ is fast on wasm; tanh and pow are not). bench/torch_ref.py uses F.gelu(approximate="tanh"). */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), GELU_2C);
  return tf.mul(x, tf.sigmoid(inner));
}

/** Float one-hot rows [N, depth] of int32 ids [N]. */
export function oneHotF(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(ids, depth), "float32") as tf.Tensor2D;
}

/** Embedding lookup table[ids] as oneHot(ids) × table (differentiable on every backend). */
export function embed(ids: tf.Tensor1D, table: tf.Tensor2D): tf.Tensor2D {
  return matmul(oneHotF(ids, table.shape[0]), table);
}
