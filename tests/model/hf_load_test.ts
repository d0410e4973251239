/**
 * Loading Hugging Face model directories: F16/BF16 conversions, safetensors files, config.json
 * and generation_config.json normalisation, typed parameters, and the errors bad directories get
 * (each names the file and the field or tensor at fault).
 */
import assert from "node:assert/strict";
import { selectBackend, tf } from "../../model/mod.ts";
import {
  bf16ToF32,
  encodeHfSafetensors,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  type HfModelConfig,
  loadHfModel,
  parseHfConfig,
  readHfConfig,
  SafetensorsFile,
} from "../../model/hf/mod.ts";
import { TINY_MODELS, type TinyModel, tinyTensors, writeTinyModel } from "./hf_fixtures.ts";

await selectBackend("wasm");

function fixture(name: string): TinyModel {
  const m = TINY_MODELS.find((x) => x.name === name);
  if (!m) throw new Error(`no fixture ${name}`);
  return m;
}

/** Writes a fixture (optionally changed) to a fresh temporary directory. */
async function writeFixture(m: TinyModel): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "hf-load-" });
  await writeTinyModel(dir, m);
  return dir;
}

/** Runs `f` on a written fixture directory, removing it afterwards. */
async function withFixture(m: TinyModel, f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await writeFixture(m);
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Rewrites a safetensors file's JSON header in place (the data bytes stay as they are). */
async function editHeader(path: string, edit: (h: Record<string, unknown>) => void): Promise<void> {
  const bytes = await Deno.readFile(path);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  const out = new Uint8Array(8 + padded.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded.length), true);
  out.set(padded, 8);
  out.set(bytes.subarray(8 + n), 8 + padded.length);
  await Deno.writeFile(path, out);
}

/** Asserts that `f` rejects with a message containing every one of `parts`. */
async function rejectsWith(f: () => Promise<unknown>, parts: string[]): Promise<string> {
  let message = "";
  await assert.rejects(f, (e: Error) => {
    message = e.message;
    return true;
  });
  for (const p of parts) assert.ok(message.includes(p), `message lacks ${p}:\n${message}`);
  return message;
}

// ---- dtype conversions ------------------------------------------------------------------------

Deno.test("f16 decoding gives IEEE binary16 values, subnormals, infinities and NaN included", () => {
  const cases: [number, number][] = [
    [0x0000, 0],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x0400, 2 ** -14],
    [0x3c00, 1],
    [0x3555, 0.333251953125],
    [0xc000, -2],
    [0x7bff, 65504],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ];
  const got = f16ToF32(Uint16Array.from(cases.map((c) => c[0])));
  cases.forEach(([bits, want], i) => assert.equal(got[i], want, `0x${bits.toString(16)}`));
  assert.ok(Object.is(f16ToF32(Uint16Array.of(0x8000))[0], -0));
  assert.ok(Number.isNaN(f16ToF32(Uint16Array.of(0x7e00))[0]));
  // Every non-NaN pattern survives decode → encode; positive patterns decode in increasing order.
  const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const values = f16ToF32(all), back = f32ToF16(values);
  for (let h = 0; h < 65536; h++) {
    if (Number.isNaN(values[h])) assert.ok(Number.isNaN(f16ToF32(back.subarray(h, h + 1))[0]));
    else assert.equal(back[h], h, `0x${h.toString(16)}`);
    if (h > 0 && h <= 0x7c00) assert.ok(values[h] > values[h - 1]);
  }
});

Deno.test("f32 → f16 rounds to nearest even, overflows to infinity and underflows to subnormals", () => {
  const cases: [number, number][] = [
    [1 + 2 ** -11, 0x3c00], // halfway: to the even mantissa
    [1 + 3 * 2 ** -11, 0x3c02],
    [65504, 0x7bff],
    [65519, 0x7bff],
    [65520, 0x7c00], // rounds past the largest finite half
    [1e6, 0x7c00],
    [-1e6, 0xfc00],
    [2 ** -25, 0x0000], // half the smallest subnormal: to even (zero)
    [3 * 2 ** -25, 0x0002],
    [2 ** -24, 0x0001],
    [2 ** -14 - 2 ** -25, 0x0400], // rounds up into the smallest normal
  ];
  const got = f32ToF16(Float32Array.from(cases.map((c) => c[0])));
  cases.forEach(([x, want], i) => assert.equal(got[i], want, `${x}`));
});

Deno.test("bf16 is the upper half of float32: decoding shifts, encoding rounds to nearest even", () => {
  assert.deepEqual(
    [...bf16ToF32(Uint16Array.of(0x3f80, 0x4049, 0xc000, 0x7f80, 0x0001))],
    [1, 3.140625, -2, Infinity, 2 ** -133],
  );
  const bits = Uint32Array.of(0x3f808000, 0x3f818000, 0x3f80c000, 0x7fc00001, 0xff800000);
  assert.deepEqual([...f32ToBf16(new Float32Array(bits.buffer))], [
    0x3f80,
    0x3f82,
    0x3f81,
    0x7fc0,
    0xff80,
  ]);
});

Deno.test("safetensors files round-trip F32, F16 and BF16 tensors and their metadata", async () => {
  const data = Float32Array.of(1, -2.5, 0.333251953125, 65504, 2 ** -24, 3.140625);
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  try {
    await Deno.writeFile(
      path,
      encodeHfSafetensors([
        { name: "a", dtype: "F32", shape: [2, 3], data },
        { name: "b.ü", dtype: "F16", shape: [6], data },
        {
          name: "c",
          dtype: "BF16",
          shape: [3, 2],
          data: Float32Array.of(1, -2, 3.140625, 0, 4, 8),
        },
      ], { format: "pt" }),
    );
    const f = SafetensorsFile.open(path);
    try {
      assert.deepEqual(f.metadata, { format: "pt" });
      assert.deepEqual([...f.entries.keys()], ["a", "b.ü"].concat("c"));
      assert.deepEqual(f.read("a"), { shape: [2, 3], data });
      assert.deepEqual(f.read("b.ü").data, data);
      assert.deepEqual([...f.read("c").data], [1, -2, 3.140625, 0, 4, 8]);
    } finally {
      f.close();
    }
  } finally {
    await Deno.remove(path);
  }
});

// ---- configs ----------------------------------------------------------------------------------

Deno.test("config.json of every architecture normalises to its family, heads, head_dim and flags", () => {
  const want: Record<string, Partial<HfModelConfig>> = {
    "gpt2-f32-tied": {
      family: "gpt2",
      hiddenSize: 32,
      numHeads: 4,
      numKvHeads: 4,
      headDim: 8,
      intermediateSize: 128,
      maxPositions: 64,
      normEps: 1e-5,
      hiddenAct: "gelu_new",
      rope: null,
      tieWordEmbeddings: true,
      qkvBias: true,
      oBias: true,
      mlpBias: true,
      eosTokenIds: [2],
    },
    "gpt2-f16-untied-noprefix": { intermediateSize: 80, normEps: 1e-3, tieWordEmbeddings: false },
    "llama-bf16-llama3rope-untied-sharded": {
      family: "llama",
      numHeads: 4,
      numKvHeads: 2,
      headDim: 12,
      hiddenAct: "silu",
      rope: {
        theta: 500000,
        scaling: {
          kind: "llama3",
          factor: 8,
          lowFreqFactor: 1,
          highFreqFactor: 4,
          originalMaxPositions: 64,
        },
      },
      tieWordEmbeddings: false,
      qkvBias: false,
      qkNorm: false,
    },
    "llama-f32-linearrope-tied-bias-mqa": {
      numKvHeads: 1,
      headDim: 10,
      rope: { theta: 10000, scaling: { kind: "linear", factor: 2 } },
      tieWordEmbeddings: true,
      qkvBias: true,
      oBias: true,
      mlpBias: true,
    },
    "mistral-bf16": { family: "llama", slidingWindow: 4096, qkvBias: false },
    "qwen2-f16-bias-tied": {
      family: "qwen2",
      qkvBias: true,
      oBias: false,
      mlpBias: false,
      rope: { theta: 1e6, scaling: null },
      tieWordEmbeddings: true,
      bosTokenId: 10,
      eosTokenIds: [11],
    },
    "qwen3-f32-headdim-untied-sharded": {
      family: "qwen3",
      hiddenSize: 48,
      headDim: 16,
      qkNorm: true,
      qkvBias: false,
      oBias: false,
      normEps: 1e-6,
    },
  };
  for (const m of TINY_MODELS) {
    const c = parseHfConfig(m.config);
    assert.equal(c.architecture, (m.config.architectures as string[])[0]);
    for (const [k, v] of Object.entries(want[m.name])) {
      assert.deepEqual(c[k as keyof HfModelConfig], v, `${m.name}: ${k}`);
    }
  }
});

Deno.test("rope_scaling: the legacy `type` key, `default` as none, transformers 5's rope_parameters", () => {
  const base = fixture("llama-f32-linearrope-tied-bias-mqa").config;
  const rope = (extra: Record<string, unknown>) => parseHfConfig({ ...base, ...extra }).rope;
  assert.deepEqual(rope({ rope_scaling: { type: "linear", factor: 4 } })?.scaling, {
    kind: "linear",
    factor: 4,
  });
  assert.deepEqual(rope({ rope_scaling: { rope_type: "default" } }), {
    theta: 10000,
    scaling: null,
  });
  assert.deepEqual(rope({ rope_scaling: null, rope_theta: undefined }), {
    theta: 10000,
    scaling: null,
  });
  assert.deepEqual(
    rope({
      rope_theta: undefined,
      rope_scaling: undefined,
      rope_parameters: {
        rope_type: "linear",
        rope_theta: 5e5,
        factor: 3,
      },
    }),
    { theta: 5e5, scaling: { kind: "linear", factor: 3 } },
  );
});

Deno.test("generation_config.json's eos and bos ids replace config.json's; without it config.json's apply", async () => {
  const llama = fixture("llama-bf16-llama3rope-untied-sharded");
  await withFixture(llama, async (dir) => {
    const c = await readHfConfig(dir);
    assert.deepEqual(c.eosTokenIds, [7, 9]);
    assert.equal(c.bosTokenId, 1);
    await Deno.writeTextFile(`${dir}/generation_config.json`, JSON.stringify({ eos_token_id: 5 }));
    assert.deepEqual((await readHfConfig(dir)).eosTokenIds, [5]);
    await Deno.remove(`${dir}/generation_config.json`);
    assert.deepEqual((await readHfConfig(dir)).eosTokenIds, [2]);
  });
});

Deno.test("an unknown architecture is one error naming config.json, the field, the value and what is supported", async () => {
  const m = fixture("qwen2-f16-bias-tied");
  await withFixture(
    { ...m, config: { ...m.config, architectures: ["BertForMaskedLM"] } },
    (dir) =>
      rejectsWith(() => loadHfModel(dir), [
        `${dir}/config.json`,
        `"architectures"`,
        "BertForMaskedLM",
        "LlamaForCausalLM",
        "Qwen3ForCausalLM",
        "GPT2LMHeadModel",
      ]).then(() => {}),
  );
});

Deno.test("unsupported config values name the field, the value found and what is supported", () => {
  const llama = fixture("llama-f32-linearrope-tied-bias-mqa").config;
  const qwen2 = fixture("qwen2-f16-bias-tied").config;
  const gpt2 = fixture("gpt2-f32-tied").config;
  const cases: [Record<string, unknown>, string[]][] = [
    [{ ...llama, hidden_act: "gelu" }, ['field "hidden_act"', '"gelu"', '"silu"']],
    [
      { ...llama, rope_scaling: { rope_type: "yarn", factor: 4 } },
      ['field "rope_scaling.rope_type"', '"yarn"', '"linear", "llama3"'],
    ],
    [
      { ...llama, rope_scaling: { rope_type: "llama3", factor: 8 } },
      ['field "rope_scaling.low_freq_factor"', "missing"],
    ],
    [{ ...qwen2, use_sliding_window: true }, ['field "use_sliding_window"', "true", "false"]],
    [{ ...gpt2, activation_function: "relu" }, ['"activation_function"', '"relu"', '"gelu_new"']],
    [{ ...llama, num_key_value_heads: 3 }, ['field "num_key_value_heads"', "found 3"]],
  ];
  for (const [raw, parts] of cases) {
    let message = "";
    assert.throws(() => parseHfConfig(raw, "/m/config.json"), (e: Error) => {
      message = e.message;
      return true;
    });
    assert.ok(message.startsWith("/m/config.json: unsupported"), message);
    for (const p of parts) assert.ok(message.includes(p), `lacks ${p}:\n${message}`);
  }
});

// ---- checkpoints ------------------------------------------------------------------------------

Deno.test("parameters are typed per block: Qwen3's q/k norms, Qwen2's biases, tied and untied heads", async () => {
  const load = async (name: string) => {
    const dir = await writeFixture(fixture(name));
    try {
      return await loadHfModel(dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  };
  const qwen3 = await load("qwen3-f32-headdim-untied-sharded");
  const qwen2 = await load("qwen2-f16-bias-tied");
  const gpt2 = await load("gpt2-f16-untied-noprefix");
  try {
    assert.equal(qwen3.params.kind, "llama");
    assert.equal(qwen2.params.kind, "llama");
    assert.equal(gpt2.params.kind, "gpt2");
    if (qwen3.params.kind !== "llama" || qwen2.params.kind !== "llama") return;
    if (gpt2.params.kind !== "gpt2") return;
    const b3 = qwen3.params.blocks[1];
    assert.deepEqual(b3.q.weight.shape, [64, 48]); // 4 heads × head_dim 16
    assert.deepEqual(b3.k.weight.shape, [32, 48]);
    assert.deepEqual(b3.qNorm?.shape, [16]);
    assert.equal(b3.q.bias, null);
    assert.notEqual(qwen3.params.lmHead, qwen3.params.embed);
    const b2 = qwen2.params.blocks[0];
    assert.deepEqual(b2.q.bias?.shape, [32]);
    assert.deepEqual(b2.v.bias?.shape, [16]);
    assert.equal(b2.o.bias, null);
    assert.equal(b2.qNorm, null);
    assert.equal(qwen2.params.lmHead, qwen2.params.embed);
    assert.deepEqual(gpt2.params.blocks[0].attn.weight.shape, [48, 144]); // Conv1D [in, out]
    assert.deepEqual(gpt2.params.blocks[0].fc.weight.shape, [48, 80]);
    assert.notEqual(gpt2.params.lmHead, gpt2.params.wte);
  } finally {
    [qwen3, qwen2, gpt2].forEach((m) => m.dispose());
  }
});

Deno.test("a missing shard names the index, the shard file and a tensor it holds", async () => {
  await withFixture(fixture("qwen3-f32-headdim-untied-sharded"), async (dir) => {
    await Deno.remove(`${dir}/model-00002-of-00003.safetensors`);
    await rejectsWith(() => loadHfModel(dir), [
      `${dir}/model.safetensors.index.json`,
      '"model-00002-of-00003.safetensors"',
      "missing",
      '"model.layers.',
    ]);
  });
});

Deno.test("a truncated safetensors header names the file and the header length", async () => {
  await withFixture(fixture("gpt2-f32-tied"), async (dir) => {
    const path = `${dir}/model.safetensors`;
    await Deno.writeFile(path, (await Deno.readFile(path)).subarray(0, 100));
    await rejectsWith(() => loadHfModel(dir), [path, "header length", "truncated"]);
    await Deno.writeFile(path, new Uint8Array(5));
    await rejectsWith(() => loadHfModel(dir), [path, "5 bytes", "truncated"]);
  });
});

Deno.test("truncated tensor data names the file and the tensor", async () => {
  await withFixture(fixture("mistral-bf16"), async (dir) => {
    const path = `${dir}/model.safetensors`;
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 10));
    await rejectsWith(() => loadHfModel(dir), [path, '"lm_head.weight"', "truncated"]);
  });
});

Deno.test("an unknown or unconvertible dtype names the file, the tensor and the supported dtypes", async () => {
  await withFixture(fixture("qwen2-f16-bias-tied"), async (dir) => {
    const path = `${dir}/model.safetensors`;
    const original = await Deno.readFile(path);
    await editHeader(path, (h) => ((h["model.norm.weight"] as { dtype: string }).dtype = "Q4_K"));
    await rejectsWith(() => loadHfModel(dir), [
      path,
      '"model.norm.weight"',
      "Q4_K",
      "F32, F16, BF16",
    ]);
    await Deno.writeFile(path, original);
    // I16 is a safetensors dtype (byte sizes check out) that this loader does not convert.
    await editHeader(path, (h) => ((h["model.norm.weight"] as { dtype: string }).dtype = "I16"));
    await rejectsWith(() => loadHfModel(dir), [
      path,
      '"model.norm.weight"',
      "I16",
      "F32, F16, BF16",
    ]);
  });
});

Deno.test("a dtype that disagrees with a tensor's byte length names the file, the tensor and the sizes", async () => {
  await withFixture(fixture("llama-f32-linearrope-tied-bias-mqa"), async (dir) => {
    const path = `${dir}/model.safetensors`;
    const name = "model.layers.1.mlp.up_proj.weight"; // [64, 40] F32: 10240 bytes
    await editHeader(path, (h) => ((h[name] as { dtype: string }).dtype = "BF16"));
    await rejectsWith(() => loadHfModel(dir), [path, `"${name}"`, "BF16", "10240", "5120"]);
  });
});

Deno.test("a tensor whose shape disagrees with config.json names the file, the tensor and the config", async () => {
  const m = fixture("llama-bf16-llama3rope-untied-sharded");
  await withFixture(m, async (dir) => {
    // The checkpoint has intermediate_size 96; a config.json saying 100 disagrees.
    await Deno.writeTextFile(
      `${dir}/config.json`,
      JSON.stringify({ ...m.config, intermediate_size: 100 }),
    );
    const before = tf.memory().numTensors;
    await rejectsWith(() => loadHfModel(dir), [
      `${dir}/model-00001-of-00002.safetensors`,
      '"model.layers.0.mlp.gate_proj.weight"',
      "[96,48]",
      "[100,48]",
      "intermediate_size 100",
    ]);
    assert.equal(tf.memory().numTensors, before, "tensors of a failed load are freed");
  });
});

Deno.test("a missing tensor names it and the architecture that needs it", async () => {
  const qwen3 = fixture("qwen3-f32-headdim-untied-sharded");
  const dir = await writeFixture({ ...qwen3, shards: 1 });
  try {
    const drop = (names: string[]) =>
      Deno.writeFile(
        `${dir}/model.safetensors`,
        encodeHfSafetensors(tinyTensors(qwen3).filter((t) => !names.includes(t.name))),
      );
    await drop(["model.layers.1.self_attn.k_norm.weight"]);
    await rejectsWith(() => loadHfModel(dir), [
      dir,
      '"model.layers.1.self_attn.k_norm.weight"',
      "Qwen3ForCausalLM",
    ]);
    await drop(["lm_head.weight"]);
    await rejectsWith(() => loadHfModel(dir), ['"lm_head.weight"', "tie_word_embeddings false"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a directory without safetensors weights says what it holds", async () => {
  await withFixture(fixture("gpt2-f32-tied"), async (dir) => {
    await Deno.rename(`${dir}/model.safetensors`, `${dir}/pytorch_model.bin`);
    await rejectsWith(() => loadHfModel(dir), [
      "model.safetensors",
      "model.safetensors.index.json",
      "pytorch_model.bin",
    ]);
  });
});

Deno.test("GPT-2 refuses sequences longer than n_positions, and any model token ids outside its vocabulary", async () => {
  await withFixture(fixture("gpt2-f16-untied-noprefix"), async (dir) => {
    const model = await loadHfModel(dir);
    try {
      assert.throws(
        () => model.forward([new Array(41).fill(1)]),
        /41 positions exceed n_positions 40/,
      );
      await assert.rejects(() => model.greedy([[1, 2, 3]], 40), /n_positions 40/);
      assert.throws(() => model.forward([[1, 150]]), /token id 150 is outside the vocabulary/);
    } finally {
      model.dispose();
    }
  });
});
