import { GPT, selectBackend, tf, computeGradients } from "./model/mod.ts";
await selectBackend("wasm");
const cfg = { vocabSize: 48, ctxLen: 128, nLayer: 2, nHead: 4, dModel: 128 };
const m = new GPT(cfg);
const B = 32, T = 128;
const tokens = new Int32Array(B * T).map((_, i) => (i * 7 + (i >> 7)) % 48);
const batch = { kind: "supervised" as const, batch: B, seqLen: T, tokens, mask: new Float32Array(B * T).fill(1) };
const r0 = await computeGradients(m, batch); tf.dispose([...r0.grads.values()]);
const prof = await tf.profile(async () => { const r = await computeGradients(m, batch); tf.dispose([...r.grads.values()]); });
const agg = new Map<string, [number, number]>();
for (const k of prof.kernels) { if (k.name === "unnamed scope") continue; const key = k.name === "BatchMatMul" || k.name === "Transpose" || k.name === "Multiply" ? k.name + JSON.stringify(k.inputShapes) : k.name; const a = agg.get(key) ?? [0, 0]; a[0] += k.kernelTimeMs as number; a[1]++; agg.set(key, a); }
const rows = [...agg].sort((a, b) => b[1][0] - a[1][0]);
let tot = 0; for (const [, [ms]] of rows) tot += ms;
console.log("total kernel ms", tot.toFixed(0), "kernels", prof.kernels.length);
for (const [k, [ms, n]] of rows.slice(0, 25)) console.log(ms.toFixed(1).padStart(8), n, k);
