import { GPT, selectBackend, tf, sample, Rng } from "./model/mod.ts";
await selectBackend("wasm");
const m = new GPT({ vocabSize: 48, ctxLen: 129, nLayer: 2, nHead: 4, dModel: 128 });
const rng = new Rng(5);
const prompts = Array.from({ length: 32 }, () => Array.from({ length: 8 }, () => rng.int(48)));
await sample(m, prompts, { maxNewTokens: 8, seed: 1 });
import process from "node:process";
let t0 = performance.now(); let c0 = process.cpuUsage();
await sample(m, prompts, { maxNewTokens: 64, seed: 1 });
{ const c = process.cpuUsage(c0); console.log("sample ms", (performance.now() - t0).toFixed(0), "cpu ms", ((c.user + c.system) / 1000).toFixed(0)); }
const prof = await tf.profile(async () => { await sample(m, prompts, { maxNewTokens: 64, seed: 1 }); });
const agg = new Map<string, [number, number]>();
for (const k of prof.kernels) { if (k.name === "unnamed scope") continue; const key = k.name; const a = agg.get(key) ?? [0, 0]; a[0] += k.kernelTimeMs as number; a[1]++; agg.set(key, a); }
const rows = [...agg].sort((a, b) => b[1][0] - a[1][0]);
let tot = 0; for (const [, [ms]] of rows) tot += ms;
console.log("total kernel ms", tot.toFixed(0), "kernels", prof.kernels.length);
for (const [k, [ms, n]] of rows.slice(0, 20)) console.log(ms.toFixed(1).padStart(8), n, k);
t0 = performance.now(); c0 = process.cpuUsage();
await sample(m, prompts, { maxNewTokens: 64, seed: 1 });
{ const c = process.cpuUsage(c0); console.log("sample ms", (performance.now() - t0).toFixed(0), "cpu ms", ((c.user + c.system) / 1000).toFixed(0)); }
