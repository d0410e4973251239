import { selectBackend, tf } from "./model/mod.ts";
await selectBackend("wasm");
function time(name: string, f: () => tf.Tensor, n = 10) {
  f().dispose();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { const r = f(); r.dataSync(); r.dispose(); }
  console.log(name.padEnd(30), ((performance.now() - t0) / n).toFixed(2), "ms");
}
const x = tf.randomNormal([4096, 512]); const y = tf.randomNormal([4096, 512]); const b = tf.randomNormal([512]);
const p = tf.randomNormal([128, 128]); const t3 = tf.randomNormal([32, 128, 128]);
time("mul", () => tf.mul(x, y)); time("add bias", () => tf.add(x, b)); time("mul scalar", () => tf.mul(x, 0.5));
time("tanh", () => tf.tanh(x)); time("sigmoid", () => tf.sigmoid(x)); time("exp", () => tf.exp(x));
time("sum axis0", () => tf.sum(x, 0)); time("sum axis1", () => tf.sum(x, 1));
time("matmul ones[1,4096]@x", () => tf.matMul(tf.ones([1, 4096]), x));
time("transpose", () => tf.transpose(x));
time("tile pos", () => tf.tile(p, [32, 1])); time("bcast add 3d", () => tf.add(t3, p));
const s4 = tf.randomNormal([32, 4, 128, 128]);
time("softmax [128,128,128]", () => tf.softmax(tf.reshape(s4, [128, 128, 128])));
time("transpose 4d 0213", () => tf.transpose(tf.randomNormal([32, 128, 4, 32]), [0, 2, 1, 3]));
time("relu", () => tf.relu(x));
