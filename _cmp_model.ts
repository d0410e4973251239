import process from "node:process";
import { GPT, selectBackend, sample, Rng } from "./model/mod.ts";
await selectBackend("wasm");
const m = new GPT({ vocabSize: 48, ctxLen: 129, nLayer: 2, nHead: 4, dModel: 128 });
const rng = new Rng(5);
const prompts = Array.from({ length: 32 }, () => Array.from({ length: 8 }, () => rng.int(48)));
for (const host of [true, false, true, false]) {
  await sample(m, prompts, { maxNewTokens: 8, seed: 1, hostAttention: host });
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (let i = 0; i < 3; i++) await sample(m, prompts, { maxNewTokens: 64, seed: 1, hostAttention: host });
  const c = process.cpuUsage(c0);
  console.log(host ? "host  " : "device", "tok/CPU-s", (3 * 2048 / ((c.user + c.system) / 1e6)).toFixed(0), "tok/s", (3 * 2048 / ((performance.now() - t0) / 1000)).toFixed(0));
}
