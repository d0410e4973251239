/**
 * Differentiable building blocks tuned for tfjs-wasm: matmuls whose forward and backward passes
 * use only plain (untransposed) matmuls after explicit transposes, so wasm stays on XNNPACK;
 * embedding lookup as a one-hot matmul (the gather gradient has no wasm kernel).
 */
import { tf } from "./tf.ts";

/** a [M,K] × b [K,N] → [M,N]; the gradient uses explicit transposes and plain matmuls. */
export const matmul: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D = tf.customGrad(
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

/** Batched a [B,M,K] × b [B,K,N] → [B,M,N]; the gradient avoids transposed-matmul flags. */
export const bmm: (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((a: tf.Tensor3D, b: tf.Tensor3D, save: any) => {
    save([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as tf.Tensor3D[];
        return [
          tf.matMul(dy, tf.transpose(sb, [0, 2, 1])),
          tf.matMul(tf.transpose(sa, [0, 2, 1]), dy),
        ];
      },
    };
  }) as never,
) as never;

/** x [N,in] · w [in,out] + b [out]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const y = matmul(x, w);
  return b ? tf.add(y, b) : y;
}

/** Layer normalisation over the last axis of x [N,d] with gain g and bias b. */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps = 1e-5): tf.Tensor2D {
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.mul(xc, xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), g), b);
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (x·x·x rather than pow, which is slow on wasm). */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), GELU_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** Float one-hot rows [N, depth] of int32 ids [N]. */
export function oneHotF(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(ids, depth), "float32") as tf.Tensor2D;
}

/** Embedding lookup table[ids] as oneHot(ids) × table (differentiable on every backend). */
export function embed(ids: tf.Tensor1D, table: tf.Tensor2D): tf.Tensor2D {
  return matmul(oneHotF(ids, table.shape[0]), table);
}
