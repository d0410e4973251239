/**
 * Row-chunked embedding and head matrices (model/hf/row_chunks.ts) and the device-limit checks
 * made before loading (model/hf/device_limits.ts), exercised on cpu and wasm with small forced
 * limits: the WebGPU backend itself is not available on these machines. Chunked and unchunked
 * models must give bitwise identical logits; the swapped small-batch product must equal the
 * direct one bitwise.
 */
import assert from "node:assert/strict";
import { gemm, GEMM_SUPPORTED, Rng, selectBackend, tf } from "../../model/mod.ts";
import {
  checkDeviceLimits,
  gatherRows,
  type HfModel,
  loadHfModel,
  matmulRowsT,
  matmulT,
  plannedTensors,
  readHfConfig,
  RowChunks,
} from "../../model/hf/mod.ts";
import { paramTensors } from "../../model/hf/params.ts";
import { namedTensors } from "../../model/hf/modules.ts";
import { TINY_MODELS, writeTinyModels } from "./hf_fixtures.ts";

let fixtures: Promise<Map<string, string>> | null = null;
function dirs(): Promise<Map<string, string>> {
  fixtures ??= (async () => {
    const { root, dirs } = await writeTinyModels();
    globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
    return dirs;
  })();
  return fixtures;
}

const ROWS_PER_PART = 7;
const PROMPTS = [[4, 6, 8], [9, 1, 2, 3, 5, 7, 8]];

function bitwiseEqual(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  const i = a.findIndex((x, j) => !Object.is(x, b[j]));
  assert.equal(i, -1, `${what}: first difference at ${i}: ${a[i]} vs ${b[i]}`);
}

async function values(t: tf.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

/** The vocabulary matrices of a model: embedding (wte) and head. */
function vocabMatrices(m: HfModel) {
  const p = m.params;
  return p.kind === "llama" ? [p.embed, p.lmHead] : [p.wte, p.lmHead];
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`${backend}: row-chunked embedding and head give bitwise the same logits, steps and greedy tokens for every architecture`, async () => {
    const d = await dirs();
    await selectBackend(backend);
    for (const fx of TINY_MODELS) {
      const whole = await loadHfModel(d.get(fx.name)!);
      const hidden = whole.config.hiddenSize, vocab = whole.vocabSize;
      const split = await loadHfModel(d.get(fx.name)!, {
        maxChunkBytes: ROWS_PER_PART * hidden * 4 + 3, // not a whole number of rows
      });
      try {
        for (const m of vocabMatrices(split)) {
          assert.ok(m instanceof RowChunks, fx.name);
          assert.equal(m.parts.length, Math.ceil(vocab / ROWS_PER_PART), fx.name);
          assert.ok(m.parts.every((p) => p.shape[0] <= ROWS_PER_PART));
        }
        for (const m of vocabMatrices(whole)) assert.ok(m instanceof tf.Tensor, fx.name);
        // Every id of the vocabulary once (each part's first and last rows included), in a
        // shuffled order, then a batch.
        const rng = new Rng(fx.seed);
        const ids = Array.from({ length: vocab }, (_, i) => i).sort(() => rng.uniform() - 0.5);
        const t = Math.min(ids.length, whole.config.maxPositions);
        const rows = [ids.slice(0, t)];
        bitwiseEqual(
          await values(split.forward(rows)),
          await values(whole.forward(rows)),
          `${fx.name} forward over the vocabulary`,
        );
        const a = whole.prefill(PROMPTS), b = split.prefill(PROMPTS);
        bitwiseEqual(await values(b.logits), await values(a.logits), `${fx.name} prefill`);
        bitwiseEqual(
          await values(split.step([vocab - 1, 0], b.cache)),
          await values(whole.step([vocab - 1, 0], a.cache)),
          `${fx.name} step`,
        );
        a.cache.dispose();
        b.cache.dispose();
        assert.deepEqual(await split.greedy(PROMPTS, 6), await whole.greedy(PROMPTS, 6), fx.name);
      } finally {
        whole.dispose();
        split.dispose();
      }
    }
  });
}

Deno.test("gatherRows and matmulRowsT on row chunks equal tf.gather and the whole product bitwise; RowChunks round-trips", async () => {
  for (const backend of ["wasm", "cpu"] as const) {
    await selectBackend(backend);
    const rng = new Rng(3);
    const rows = 23, cols = 9;
    const data = Float32Array.from({ length: rows * cols }, () => rng.normal());
    const whole = tf.tensor2d(data, [rows, cols]);
    for (const per of [1, 5, 22, 23]) {
      const before = tf.memory().numTensors;
      const chunks = RowChunks.fromData(data, rows, cols, per);
      assert.equal(chunks.parts.length, Math.ceil(rows / per));
      assert.deepEqual(chunks.shape, [rows, cols]);
      bitwiseEqual(await values(chunks.toTensor()), data, `${backend} toTensor per ${per}`);
      const idList = [0, rows - 1, per - 1, Math.min(per, rows - 1), 11, 11, 3];
      const ids = tf.tensor1d(idList, "int32");
      bitwiseEqual(
        await values(gatherRows(chunks, ids)),
        await values(tf.gather(whole, ids)),
        `${backend} gather per ${per}`,
      );
      for (const n of [1, 4, 70]) {
        const x = tf.randomNormal([n, cols], 0, 1, "float32", n) as tf.Tensor2D;
        bitwiseEqual(
          await values(matmulRowsT(x, chunks)),
          await values(gemm(x, whole, { transposeB: true })),
          `${backend} head per ${per}, ${n} rows`,
        );
        x.dispose();
      }
      ids.dispose();
      chunks.dispose();
      assert.equal(tf.memory().numTensors, before, "no tensors left");
    }
    whole.dispose();
  }
});

Deno.test("matmulT (swapped for few rows on wasm) equals the direct product bitwise, gradients included", async () => {
  await selectBackend("wasm");
  assert.ok(GEMM_SUPPORTED, "the swapped path is the wasm gemm kernel's");
  for (const [n, out, inp] of [[1, 576, 64], [8, 33, 17], [64, 100, 37], [65, 10, 12]]) {
    const x = tf.randomNormal([n, inp], 0, 1, "float32", 1) as tf.Tensor2D;
    const w = tf.randomNormal([out, inp], 0, 1, "float32", 2) as tf.Tensor2D;
    bitwiseEqual(
      await values(matmulT(x, w)),
      await values(gemm(x, w, { transposeB: true })),
      `${n}×${inp} · (${out}×${inp})ᵀ`,
    );
    const f = (g: (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(g(a as tf.Tensor2D, b as tf.Tensor2D)))
      )([x, w]);
    const [dx1, dw1] = f(matmulT), [dx2, dw2] = f((a, b) => gemm(a, b, { transposeB: true }));
    const close = async (p: tf.Tensor, q: tf.Tensor, what: string) => {
      const [u, v] = [await values(p), await values(q)];
      const diff = Math.max(...u.map((z, i) => Math.abs(z - v[i]) / (1 + Math.abs(v[i]))));
      assert.ok(diff < 1e-5, `${what}: ${diff}`);
    };
    await close(dx1, dx2, `dx ${n}`);
    await close(dw1, dw2, `dw ${n}`);
    tf.dispose([x, w]);
  }
});

Deno.test("plannedTensors lists exactly the tensors loadParams creates, with their float32 sizes", async () => {
  const d = await dirs();
  await selectBackend("cpu");
  for (const fx of TINY_MODELS) {
    const model = await loadHfModel(d.get(fx.name)!);
    try {
      const prefix = fx.transformerPrefix ? "transformer." : "";
      const planned = plannedTensors(model.config, prefix);
      const sizes = (xs: number[][]) => xs.map((s) => s.join("x")).sort();
      assert.deepEqual(
        sizes(planned.map((t) => t.shape)),
        sizes(paramTensors(model.params).map((t) => t.shape)),
        fx.name,
      );
      assert.deepEqual(
        planned.map((t) => t.name),
        namedTensors(model.params, prefix).map((n) => n.name),
        `${fx.name}: the names the loader reads, in its order`,
      );
      const split = planned.filter((t) => t.splittable).map((t) => t.name.replace(prefix, ""));
      assert.equal(split.length, model.config.tieWordEmbeddings ? 1 : 2, `${fx.name}: ${split}`);
      assert.ok(planned.every((t) => t.bytes === t.shape.reduce((a, b) => a * b, 1) * 4));
    } finally {
      model.dispose();
    }
  }
});

Deno.test("device limits: embedding and head above the binding limit load as chunks with the same logits; other tensors, rows and the memory budget are refused up front", async () => {
  const d = await dirs();
  await selectBackend("wasm");
  const name = "llama-bf16-llama3rope-untied-sharded"; // embed and lm_head [256, 48]: 49,152 B
  const dir = d.get(name)!;
  const whole = await loadHfModel(dir);
  const limited = await loadHfModel(dir, {
    limits: { maxBindingBytes: 20000, source: "a test adapter" }, // MLP weights: 18,432 B
  });
  try {
    for (const m of vocabMatrices(limited)) {
      assert.ok(m instanceof RowChunks);
      assert.ok(m.parts.every((p) => p.size * 4 <= 20000));
    }
    bitwiseEqual(
      await values(limited.forward([PROMPTS[1]])),
      await values(whole.forward([PROMPTS[1]])),
      "logits under a binding limit",
    );
  } finally {
    whole.dispose();
    limited.dispose();
  }

  const before = tf.memory().numTensors;
  const refuse = async (limits: Parameters<typeof checkDeviceLimits>[1], parts: string[]) => {
    await assert.rejects(() => loadHfModel(dir, { limits }), (e: Error) => {
      for (const p of parts) assert.ok(e.message.includes(p), `${p} not in: ${e.message}`);
      return true;
    });
    assert.equal(tf.memory().numTensors, before, "nothing loaded");
  };
  // A tensor that cannot be split: named, with its shape, size and the limit.
  await refuse({ maxBindingBytes: 10000, source: "a test adapter" }, [
    dir,
    'tensor "model.layers.0.mlp.gate_proj.weight" [96,48] float32 = 18432 bytes',
    "above the 10000-byte",
    "a test adapter",
    "only embedding and head matrices are split",
    'tensor "model.layers.1.mlp.down_proj.weight"',
    "--backend wasm",
  ]);
  // maxBufferSize counts as a per-tensor limit too.
  await refuse({ maxBindingBytes: 1e9, maxBufferBytes: 10000 }, ["gate_proj", "10000-byte"]);
  // An embedding row above the limit: no chunk fits.
  await refuse({ maxBindingBytes: 100 }, [
    'tensor "model.embed_tokens.weight" [256,48]',
    "one row is 192 bytes",
    'tensor "lm_head.weight"',
  ]);
  // The memory budget: all float32 weights.
  const planned = plannedTensors(await readHfConfig(dir));
  const total = planned.reduce((a, t) => a + t.bytes, 0);
  await refuse({ maxBindingBytes: 1e9, memoryBytes: total - 1 }, [
    `the float32 weights take ${total} bytes`,
    `above the ${total - 1} bytes`,
  ]);
  const ok = checkDeviceLimits(planned, { maxBindingBytes: 20000, memoryBytes: total }, dir);
  assert.deepEqual(ok.chunked, ["model.embed_tokens.weight", "lm_head.weight"]);
  assert.equal(ok.totalBytes, total);
});
