import { AdamW, GPT, padSequences, Rng, sample, selectBackend, trainStep } from "./model/mod.ts";
await selectBackend("wasm");
const V = 14;
const [d, steps, lr, B, minLen, maxLen, nl] = Deno.args.map(Number);
const rng = new Rng(1);
function example(r: Rng) { const n = minLen + r.int(maxLen - minLen + 1); const dg = Array.from({ length: n }, () => r.int(10)); return { p: [1, ...dg.map((x) => x + 4), 3], a: [...dg.reverse().map((x) => x + 4), 2] }; }
const model = new GPT({ vocabSize: V, ctxLen: 16, nLayer: nl, nHead: 2, dModel: d, seed: 1 });
const opt = new AdamW({ lr, warmupSteps: 10, schedule: "cosine", totalSteps: steps });
const t0 = performance.now();
const evalRng = new Rng(99);
const test = Array.from({ length: 200 }, () => example(evalRng));
for (let s = 0; s < steps; s++) {
  const ex = Array.from({ length: B }, () => example(rng));
  const { tokens, batch, seqLen } = padSequences(ex.map((e) => [...e.p, ...e.a]), 0, 2 * maxLen + 3);
  const mask = new Float32Array(batch * seqLen);
  ex.forEach((e, r) => { for (let j = e.p.length; j < e.p.length + e.a.length; j++) mask[r * seqLen + j] = 1; });
  await trainStep(model, opt, { kind: "supervised", batch, seqLen, tokens, mask });
  if ((s + 1) % 50 === 0) {
    const r = await sample(model, test.map((e) => e.p), { maxNewTokens: maxLen + 1, temperature: 0, stopTokens: [2] });
    const acc = test.filter((e, i) => r.tokens[i].join() === e.a.join()).length / test.length;
    console.log(s + 1, "acc", acc, ((performance.now() - t0) / (s + 1)).toFixed(1), "ms/step");
  }
}
