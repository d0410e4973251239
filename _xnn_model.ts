import { selectBackend, tf } from "./model/mod.ts";
await selectBackend("wasm");
// deno-lint-ignore no-explicit-any
const backend = tf.backend() as any;
const wasmBmm = backend.wasm.cwrap("BatchMatMul", null, ["number","array","number","number","array","number","number","number","number"]);
tf.registerKernel({ kernelName: "XnnBmm", backendName: "wasm", kernelFunc: ({ inputs, backend: be }) => {
  // deno-lint-ignore no-explicit-any
  const b_ = be as any; const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const [bt, m, k] = a.shape; const n = b.shape[2];
  const out = b_.makeOutput([bt, m, n], "float32");
  const ao = b_.dataIdMap.get(a.dataId).memoryOffset, bo = b_.dataIdMap.get(b.dataId).memoryOffset, oo = b_.dataIdMap.get(out.dataId).memoryOffset;
  const sa = new Uint8Array(new Int32Array([1, m, k]).buffer), sb = new Uint8Array(new Int32Array([1, k, n]).buffer);
  for (let i = 0; i < bt; i++) {
    const ia = b_.dataIdNextNumber++, ib = b_.dataIdNextNumber++, io = b_.dataIdNextNumber++;
    b_.wasm.tfjs.registerTensor(ia, m * k, ao + i * m * k * 4);
    b_.wasm.tfjs.registerTensor(ib, k * n, bo + i * k * n * 4);
    b_.wasm.tfjs.registerTensor(io, m * n, oo + i * m * n * 4);
    wasmBmm(ia, sa, 3, ib, sb, 3, false, false, io);
    b_.wasm.tfjs.disposeData(ia); b_.wasm.tfjs.disposeData(ib); b_.wasm.tfjs.disposeData(io);
  }
  return out;
}});
const fast = (a: tf.Tensor, b: tf.Tensor) => tf.engine().runKernel("XnnBmm", { a, b }, {}) as tf.Tensor;
function time(name: string, f: () => tf.Tensor, n = 10) {
  f().dispose();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { const r = f(); r.dataSync(); r.dispose(); }
  console.log(name, ((performance.now() - t0) / n).toFixed(2), "ms");
}
for (const [bt, m, k, n] of [[128, 128, 32, 128], [128, 128, 128, 32], [128, 1, 32, 64], [128, 1, 64, 32], [128,32,128,128]]) {
  const a = tf.randomNormal([bt, m, k]), b = tf.randomNormal([bt, k, n]);
  const d = tf.max(tf.abs(tf.sub(fast(a, b), tf.matMul(a, b)))).dataSync()[0];
  console.log([bt, m, k, n].join("x"), "maxdiff", d);
  time(" stock", () => tf.matMul(a, b));
  time(" xnn  ", () => fast(a, b));
}
const a = tf.randomNormal([128, 128, 32]), b = tf.randomNormal([128, 32, 128]);
const mem0 = backend.wasm.HEAPU8.length;
for (let i = 0; i < 300; i++) { const r = fast(a, b); r.dispose(); }
console.log("heap before/after 300 calls", mem0, backend.wasm.HEAPU8.length, tf.memory().numTensors);
