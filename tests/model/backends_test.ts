import assert from "node:assert/strict";
import {
  assertFitsBinding,
  GPT,
  initialWeights,
  parseGPTConfig,
  probeWebGpu,
  Rng,
  sample,
  selectBackend,
  tf,
} from "../../model/mod.ts";
import { maxAbsDiff, TINY } from "./helpers.ts";

/** Forward logits agree across backends within this absolute tolerance (logits are O(1)). */
const TOL = 1e-4;

async function logitsOn(backend: "cpu" | "wasm" | "webgpu"): Promise<Float32Array> {
  await selectBackend(backend);
  const cfg = { ...TINY, dModel: 16, nHead: 4 };
  const w = initialWeights(parseGPTConfig(cfg));
  const rng = new Rng(2);
  for (const v of w.values()) for (let i = 0; i < v.length; i++) v[i] += 0.3 * rng.normal();
  const model = new GPT(cfg, { weights: w });
  const ids = tf.tensor2d(
    Array.from({ length: 3 }, (_, r) => Array.from({ length: 12 }, (_, j) => (r * 5 + j * 3) % 11)),
    [3, 12],
    "int32",
  );
  const out = model.forward(ids);
  const data = (await out.data()) as Float32Array;
  tf.dispose([out, ids]);
  model.dispose();
  return data;
}

Deno.test(`forward logits agree across cpu, wasm and webgpu within ${TOL}`, async () => {
  const cpu = await logitsOn("cpu");
  const wasm = await logitsOn("wasm");
  assert.ok(cpu.some((x) => Math.abs(x) > 0.1), "logits are not trivially zero");
  assert.ok(maxAbsDiff(cpu, wasm) < TOL, `cpu vs wasm: ${maxAbsDiff(cpu, wasm)}`);
  const adapter = await probeWebGpu();
  if (!adapter) {
    throw new Error(
      "no WebGPU adapter: install the software adapter with " +
        "`apt-get update && apt-get install -y mesa-vulkan-drivers` to run this check",
    );
  }
  const gpu = await logitsOn("webgpu");
  assert.ok(maxAbsDiff(cpu, gpu) < TOL, `cpu vs webgpu: ${maxAbsDiff(cpu, gpu)}`);
  // Tensors above the binding limit are refused with a clear error instead of reading as zeros.
  assert.throws(
    () => assertFitsBinding([1 << 16, 1 << 16], "test tensor"),
    /above the WebGPU binding limit/,
  );
  await selectBackend("cpu");
});

Deno.test("greedy KV-cached sampling on webgpu (device attention) matches cpu", async () => {
  if (!(await probeWebGpu())) {
    throw new Error("no WebGPU adapter: `apt-get install -y mesa-vulkan-drivers`");
  }
  const cfg = { ...TINY, ctxLen: 24 };
  const w = initialWeights(parseGPTConfig(cfg));
  const rng = new Rng(6);
  for (const v of w.values()) for (let i = 0; i < v.length; i++) v[i] += 0.4 * rng.normal();
  const prompts = [[1, 4, 5], [1], [2, 3, 4, 5, 6]];
  const run = async (backend: "cpu" | "webgpu") => {
    await selectBackend(backend);
    const m = new GPT(cfg, { weights: w });
    const r = await sample(m, prompts, { maxNewTokens: 8, temperature: 0 });
    m.dispose();
    return r;
  };
  const a = await run("cpu"), b = await run("webgpu");
  assert.deepEqual(b.tokens, a.tokens);
  b.logprobs.forEach((row, i) =>
    row.forEach((x, j) => assert.ok(Math.abs(x - a.logprobs[i][j]) < 1e-3))
  );
  await selectBackend("cpu");
});

Deno.test("auto backend selection never picks a fallback WebGPU adapter", async () => {
  const adapter = await probeWebGpu();
  const choice = await selectBackend("auto");
  if (adapter && !adapter.isFallback) assert.equal(choice.backend, "webgpu");
  else assert.equal(choice.backend, "wasm");
  assert.equal(tf.getBackend(), choice.backend);
  await selectBackend("cpu");
});
