/**
 * GELU (tanh approximation), differentiable on every backend. On wasm it is one kernel each way
 * (gelu_wat.ts: forward, and the gradient recomputed from x), run in tfjs-wasm's memory;
 * elsewhere a composition of tfjs kernels with the same formula.
 */
import { tf } from "./tf.ts";
import { GEMM_SUPPORTED, wasmHeap } from "./gemm.ts";
import { GELU_CONSTANTS } from "./gelu_wat.ts";

/** Name of the wasm forward kernel (input x). */
export const SCORE_GELU = "ScoreGelu";
/** Name of the wasm gradient kernel (inputs x and dy). */
export const SCORE_GELU_GRAD = "ScoreGeluGrad";

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown };

function geluKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const heap = wasmHeap(backend);
  const x = inputs.x as tf.TensorInfo;
  const out = heap.makeOutput(x.shape);
  const n = x.shape.reduce((p, q) => p * q, 1);
  if (n > 0) heap.kernels.gelu(heap.offsetOf(x), heap.offsetOf(out), n);
  return out;
}

function geluGradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const heap = wasmHeap(backend);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const out = heap.makeOutput(x.shape);
  const n = x.shape.reduce((p, q) => p * q, 1);
  if (n > 0) heap.kernels.geluGrad(heap.offsetOf(x), heap.offsetOf(dy), heap.offsetOf(out), n);
  return out;
}

if (GEMM_SUPPORTED) {
  tf.registerKernel({
    kernelName: SCORE_GELU,
    backendName: "wasm",
    kernelFunc: geluKernel as never,
  });
  tf.registerKernel({
    kernelName: SCORE_GELU_GRAD,
    backendName: "wasm",
    kernelFunc: geluGradKernel as never,
  });
  tf.registerGradient({
    kernelName: SCORE_GELU,
    inputsToSave: ["x"],
    gradFunc: (dy, saved) =>
      ({
        x: () => tf.engine().runKernel(SCORE_GELU_GRAD, { x: saved[0], dy: dy as tf.Tensor }, {}),
      }) as never,
  });
}

/** GELU(x) = x·σ(2c(x + 0.044715x³)), c = √(2/π) — the tanh approximation, since
 * 0.5(1 + tanh u) = σ(2u). bench/torch_ref.py uses F.gelu(approximate="tanh"). */
export function gelu<T extends tf.Tensor>(x: T): T {
  if (GEMM_SUPPORTED && tf.getBackend() === "wasm") {
    return tf.engine().runKernel(SCORE_GELU, { x }, {}) as T;
  }
  const { c3, twoC } = GELU_CONSTANTS;
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), c3)), twoC);
  return tf.mul(x, tf.sigmoid(inner));
}
