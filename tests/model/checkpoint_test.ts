import assert from "node:assert/strict";
import {
  AdamW,
  CharTokenizer,
  decodeSafetensors,
  encodeSafetensors,
  GPT,
  loadCheckpoint,
  selectBackend,
  tf,
  trainStep,
} from "../../model/mod.ts";
import { randomBatch, TINY } from "./helpers.ts";

Deno.test("safetensors encoding round-trips bytes and aligns the header to 8 bytes", () => {
  const tensors = new Map([
    ["a", {
      dtype: "F32" as const,
      shape: [2, 3],
      data: new Float32Array([1, -2, 3.5, NaN, 0, -0]),
    }],
    ["b", { dtype: "I32" as const, shape: [4], data: new Int32Array([7, -1, 0, 2 ** 31 - 1]) }],
  ]);
  const bytes = encodeSafetensors(tensors, { note: "x" });
  const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + hlen) % 8, 0);
  const back = decodeSafetensors(bytes);
  assert.equal(back.metadata.note, "x");
  for (const [k, t] of tensors) {
    const u = back.tensors.get(k)!;
    assert.deepEqual(u.shape, t.shape);
    assert.deepEqual(new Uint8Array(u.data.buffer), new Uint8Array(t.data.buffer));
  }
});

Deno.test("safetensors decoding names the problem for truncated or inconsistent files", () => {
  const bytes = encodeSafetensors(
    new Map([["w", { dtype: "F32" as const, shape: [4], data: new Float32Array(4) }]]),
  );
  assert.throws(
    () => decodeSafetensors(bytes.slice(0, bytes.length - 4), "f.st"),
    /f\.st: tensor "w"/,
  );
  assert.throws(() => decodeSafetensors(bytes.slice(0, 5), "f.st"), /too short/);
  const bad = bytes.slice();
  bad[8] = "[".charCodeAt(0);
  assert.throws(() => decodeSafetensors(bad, "f.st"), /f\.st: header/);
});

Deno.test("checkpoint round trip is bit-exact for weights and optimizer state", async () => {
  await selectBackend("cpu");
  const dir = await Deno.makeTempDir();
  const model = new GPT(TINY);
  const opt = new AdamW({ lr: 1e-2 });
  await trainStep(model, opt, randomBatch(2, 8, 11, 1));
  await trainStep(model, opt, randomBatch(2, 8, 11, 2));
  await saveCk(dir, model, opt);
  const { model: m2, config, optimizerState } = await loadCheckpoint(dir);
  assert.equal(config.tokenizer?.charset, "012");
  const w1 = await model.getWeights(), w2 = await m2.getWeights();
  for (const [k, v] of w1) {
    assert.deepEqual(new Uint8Array(w2.get(k)!.buffer), new Uint8Array(v.buffer), k);
  }
  const s1 = await opt.getState();
  assert.equal(optimizerState!.step, 2);
  for (const [k, v] of s1.m) assert.deepEqual(optimizerState!.m.get(k), v);
  for (const [k, v] of s1.v) assert.deepEqual(optimizerState!.v.get(k), v);
  // Resuming from the checkpoint continues exactly like the original.
  const opt2 = new AdamW({ lr: 1e-2 });
  opt2.setState(optimizerState!, m2.params);
  const b = randomBatch(2, 8, 11, 3);
  await trainStep(model, opt, b);
  await trainStep(m2, opt2, b);
  const a1 = await model.getWeights(), a2 = await m2.getWeights();
  for (const [k, v] of a1) assert.deepEqual(a2.get(k), v, k);
  tf.dispose([...model.variables(), ...m2.variables()]);
  opt.dispose();
  opt2.dispose();
  await Deno.remove(dir, { recursive: true });
});

async function saveCk(dir: string, model: GPT, opt: AdamW) {
  const { saveCheckpoint } = await import("../../model/mod.ts");
  await saveCheckpoint(dir, model, {
    optimizer: opt,
    tokenizer: new CharTokenizer("012").toJSON(),
  });
}

Deno.test("loading a checkpoint with a bad config or mismatched tensor fails clearly", async () => {
  await selectBackend("cpu");
  const dir = await Deno.makeTempDir();
  const model = new GPT(TINY);
  await saveCk(dir, model, new AdamW());
  const cfgPath = `${dir}/config.json`;
  const cfg = JSON.parse(await Deno.readTextFile(cfgPath));
  cfg.model.dModel = 12;
  await Deno.writeTextFile(cfgPath, JSON.stringify(cfg));
  await assert.rejects(
    () => loadCheckpoint(dir),
    /model\.safetensors: tensor "wte" is F32 \[11,8\]/,
  );
  cfg.model.nHead = "two";
  await Deno.writeTextFile(cfgPath, JSON.stringify(cfg));
  await assert.rejects(() => loadCheckpoint(dir), /config\.json: invalid data[\s\S]*nHead/);
  model.dispose();
  await Deno.remove(dir, { recursive: true });
});
