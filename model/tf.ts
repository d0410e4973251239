/**
 * The single place that loads tfjs: core, gradients, and the cpu, wasm and webgpu backends.
 * Everything in `model/` imports `tf` from here so that one tfjs-core instance is shared.
 */
import * as tf from "@tensorflow/tfjs-core";
// The tfjs umbrella package registers every op's gradient and the cpu backend (tfjs-core alone
// registers no gradients, and its ESM gradient files are not importable from Deno).
import "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";

export { tf };

/** Comparison and rounding kernels have no gradient in tfjs; register zero gradients so that
 * backprop through masks built from them (the tfjs stand-in for stop-gradient) does not throw. */
function registerZeroGradients(): void {
  const names = [
    "Equal",
    "NotEqual",
    "Greater",
    "GreaterEqual",
    "Less",
    "LessEqual",
    "ArgMax",
    "OneHot",
  ];
  for (const kernelName of names) {
    if (tf.getGradient(kernelName) !== undefined) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: [],
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs) => {
        void saved;
        void attrs;
        return {};
      },
    });
  }
}
registerZeroGradients();

// Production mode: no per-op debug checks, no "install tfjs-node" banner.
tf.env().set("PROD", true);
