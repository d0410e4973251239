import { AdamW, GPT, sample, selectBackend, tf, trainStep, padSequences } from "./model/mod.ts";
const be = Deno.args[0] ?? "wasm";
console.log(await selectBackend(be as "wasm"));
const cfg = { vocabSize: 48, ctxLen: 128, nLayer: Number(Deno.args[2] ?? 2), nHead: 4, dModel: Number(Deno.args[1] ?? 128) };
const m = new GPT(cfg);
console.log("params", m.numParams());
const opt = new AdamW({ lr: 1e-3 });
const B = 32, T = 128;
const tokens = new Int32Array(B * T).map((_, i) => (i * 7 + (i >> 7)) % 48);
const batch = { kind: "supervised" as const, batch: B, seqLen: T, tokens, mask: new Float32Array(B * T).fill(1) };
for (let i = 0; i < 4; i++) {
  const t0 = performance.now();
  const s = await trainStep(m, opt, batch);
  console.log("step", i, s.loss.toFixed(4), s.gradNorm.toFixed(3), (performance.now() - t0).toFixed(0), "ms", tf.memory().numTensors);
}
const prompts = Array.from({ length: 32 }, (_, i) => [1, 6 + (i % 10), 7, 8].slice(0, 2 + (i % 3)));
for (let i = 0; i < 2; i++) {
  const t0 = performance.now();
  const r = await sample(m, prompts, { maxNewTokens: 64, seed: 1 });
  const n = r.tokens.reduce((a, b) => a + b.length, 0);
  console.log("sample", n, "tokens", (performance.now() - t0).toFixed(0), "ms", tf.memory().numTensors);
}
