import { AdamW, GPT, padSequences, Rng, sample, selectBackend, tf, trainStep } from "./model/mod.ts";
await selectBackend((Deno.args[2] ?? "wasm") as "wasm");
// vocab: 0 pad,1 bos,2 eos,3 '=', 4..13 digits
const V = 14;
const rng = new Rng(1);
function example(r: Rng) { const n = 3 + r.int(3); const d = Array.from({ length: n }, () => r.int(10)); return { p: [1, ...d.map((x) => x + 4), 3], a: [...d.reverse().map((x) => x + 4), 2] }; }
const model = new GPT({ vocabSize: V, ctxLen: 16, nLayer: 2, nHead: 2, dModel: Number(Deno.args[0] ?? 32), seed: 1 });
const steps = Number(Deno.args[1] ?? 300);
const opt = new AdamW({ lr: Number(Deno.args[3] ?? 3e-3), warmupSteps: 20, schedule: "cosine", totalSteps: steps });
const t0 = performance.now();
for (let s = 0; s < steps; s++) {
  const ex = Array.from({ length: 64 }, () => example(rng));
  const { tokens, batch, seqLen } = padSequences(ex.map((e) => [...e.p, ...e.a]), 0, 14);
  const mask = new Float32Array(batch * seqLen);
  ex.forEach((e, r) => { for (let j = e.p.length; j < e.p.length + e.a.length; j++) mask[r * seqLen + j] = 1; });
  const st = await trainStep(model, opt, { kind: "supervised", batch, seqLen, tokens, mask });
  if (s % 50 === 0) console.log(s, st.loss.toFixed(3), ((performance.now() - t0) / (s + 1)).toFixed(1), "ms/step");
}
const test = Array.from({ length: 200 }, () => example(new Rng(rng.int(1e9))));
const r = await sample(model, test.map((e) => e.p), { maxNewTokens: 7, temperature: 0, stopTokens: [2] });
const acc = test.filter((e, i) => r.tokens[i].join() === e.a.join()).length / test.length;
console.log("acc", acc, "time", ((performance.now() - t0) / 1000).toFixed(1), "s");
