/**
 * What LoRA training writes for other tools, on every fixture architecture: PEFT adapters
 * (adapter_config.json + adapter_model.safetensors) that load back bit-identically and that the
 * float64 PyTorch reference (hf_reference.py, applying PEFT's LoRA forward and PEFT's merge)
 * reproduces within 1e-4 — so the tensor names and transposes are PEFT's; merged Hugging Face
 * model directories that loadHfModel reloads to the adapted model's logits (≤ 1e-5) and the
 * reference reads too; and adapters PEFT could have written that are refused clearly.
 */
import assert from "node:assert/strict";
import { tf } from "../../model/mod.ts";
import {
  ADAPTER_CONFIG,
  ADAPTER_WEIGHTS,
  encodeHfSafetensors,
  type HfModel,
  HfPolicy,
  loadHfModel,
} from "../../model/hf/mod.ts";
import { TINY_MODELS } from "./hf_fixtures.ts";
import {
  ALL_TARGETS,
  fixtureDirs,
  randomizeAdapter,
  take,
  tokenBatch,
  TOKENIZER_JSON,
} from "./hf_lora_fixtures.ts";
import { maxAbsDiff } from "./helpers.ts";
import { torchReference } from "./torch_reference.ts";

const MERGED_TOLERANCE = 1e-5;
const TORCH_TOLERANCE = 1e-4;

/** A trained-looking LoRA policy (random A and B) over every projection of a fixture model. */
function trainedLora(model: HfModel, seed: number): HfPolicy {
  const family = model.config.family;
  const policy = HfPolicy.lora(model, { r: 3, alpha: 5, targets: ALL_TARGETS[family] });
  randomizeAdapter(policy, seed, 0.15);
  return policy;
}

/** Runs the PyTorch reference on a request; returns its results in order. */
function reference(
  models: { dir: string; ids: number[][]; adapter?: string }[],
): Promise<{ logits: number[]; logits_merged?: number[] }[]> {
  return torchReference(models.map((m) => ({ ...m, prompts: [], max_new: 0, stop: [] })));
}

Deno.test("merged exports reload through loadHfModel to the adapted logits (≤ 1e-5) with config and tokenizer files, every architecture", async () => {
  const dirs = await fixtureDirs();
  const diffs: string[] = [];
  for (const m of TINY_MODELS) {
    const model = await loadHfModel(dirs.get(m.name)!);
    const policy = trainedLora(model, m.seed);
    const { ids } = tokenBatch(model.vocabSize, m.seed);
    const adapted = await take(policy.forward(ids));
    const out = await Deno.makeTempDir({ prefix: "hf-merged-" });
    await policy.exportMerged(out);
    const merged = await loadHfModel(out);
    const d = maxAbsDiff(await take(merged.forward(ids)), adapted);
    diffs.push(`${m.name} ${d.toExponential(2)}`);
    assert.ok(d <= MERGED_TOLERANCE, `${m.name}: max |merged − adapted| ${d}`);
    assert.deepEqual(merged.config, model.config, m.name);
    const config = JSON.parse(await Deno.readTextFile(`${out}/config.json`));
    assert.deepEqual(config, { ...m.config, torch_dtype: "float32" });
    assert.equal(await Deno.readTextFile(`${out}/tokenizer.json`), TOKENIZER_JSON);
    const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    const expected = ["config.json", "model.safetensors", "tokenizer.json"];
    if (m.generationConfig) expected.splice(1, 0, "generation_config.json");
    assert.deepEqual(files, expected, m.name);
    await assert.rejects(() => policy.exportMerged(out), /export directory is not empty/);
    merged.dispose();
    policy.dispose();
    model.dispose();
    await Deno.remove(out, { recursive: true });
  }
  console.log(`max |merged − adapted logit|: ${diffs.join(", ")}`);
});

Deno.test("a fully fine-tuned model exports to a directory that reloads to its logits bit-identically (F32) or BF16-rounded", async () => {
  const model = await loadHfModel((await fixtureDirs()).get("gpt2-f16-untied-noprefix")!);
  const policy = HfPolicy.fullFineTuning(model, { optimizer: { lr: 1e-2 } });
  const { ids, targets, mask } = tokenBatch(model.vocabSize, 2);
  await policy.step(() => tf.neg(tf.mean(policy.tokenLogProbs(ids, targets, mask))));
  const trained = await take(policy.forward(ids));
  for (const dtype of ["F32", "BF16"] as const) {
    const out = await Deno.makeTempDir({ prefix: "hf-full-" });
    await policy.exportMerged(out, { dtype });
    const reloaded = await loadHfModel(out);
    const logits = await take(reloaded.forward(ids));
    if (dtype === "F32") assert.deepEqual(logits, trained);
    else assert.ok(maxAbsDiff(logits, trained) < 0.05, `BF16: ${maxAbsDiff(logits, trained)}`);
    const config = JSON.parse(await Deno.readTextFile(`${out}/config.json`));
    assert.equal(config.torch_dtype, dtype === "F32" ? "float32" : "bfloat16");
    reloaded.dispose();
    await Deno.remove(out, { recursive: true });
  }
  policy.dispose();
  model.dispose();
});

Deno.test("PEFT adapters give the PyTorch reference's PEFT-forward and PEFT-merge logits (≤ 1e-4), every architecture", async () => {
  const dirs = await fixtureDirs();
  const runs: { name: string; ids: number[][]; adapted: Float32Array }[] = [];
  const request: { dir: string; ids: number[][]; adapter?: string }[] = [];
  const root = await Deno.makeTempDir({ prefix: "hf-peft-" });
  for (const m of TINY_MODELS) {
    const model = await loadHfModel(dirs.get(m.name)!);
    const policy = trainedLora(model, m.seed + 100);
    const { ids } = tokenBatch(model.vocabSize, m.seed);
    runs.push({ name: m.name, ids, adapted: await take(policy.forward(ids)) });
    await policy.saveAdapter(`${root}/${m.name}-adapter`);
    await policy.exportMerged(`${root}/${m.name}-merged`);
    request.push({ dir: dirs.get(m.name)!, ids, adapter: `${root}/${m.name}-adapter` });
    request.push({ dir: `${root}/${m.name}-merged`, ids });
    policy.dispose();
    model.dispose();
  }
  const results = await reference(request);
  const lines: string[] = [];
  runs.forEach((r, i) => {
    const [withAdapter, mergedDir] = [results[2 * i], results[2 * i + 1]];
    const d = {
      forward: maxAbsDiff(r.adapted, withAdapter.logits),
      merge: maxAbsDiff(r.adapted, withAdapter.logits_merged!),
      exported: maxAbsDiff(r.adapted, mergedDir.logits),
    };
    lines.push(
      `${r.name} ${d.forward.toExponential(2)}/${d.merge.toExponential(2)}/` +
        `${d.exported.toExponential(2)}`,
    );
    for (const [k, v] of Object.entries(d)) {
      assert.ok(v <= TORCH_TOLERANCE, `${r.name}: torch ${k} differs by ${v}`);
    }
  });
  console.log(`max |tfjs − torch| (PEFT forward/PEFT merge/exported dir): ${lines.join(", ")}`);
  await Deno.remove(root, { recursive: true });
});

Deno.test("saved adapters load back bit-identically with PEFT's config fields and tensor names", async () => {
  const dirs = await fixtureDirs();
  for (const name of ["gpt2-f32-tied", "qwen2-f16-bias-tied"]) {
    const model = await loadHfModel(dirs.get(name)!);
    const policy = trainedLora(model, 7);
    const dir = await Deno.makeTempDir({ prefix: "hf-adapter-" });
    await policy.saveAdapter(dir);
    const config = JSON.parse(await Deno.readTextFile(`${dir}/${ADAPTER_CONFIG}`));
    const gpt2 = name.startsWith("gpt2");
    assert.deepEqual(
      {
        peft_type: config.peft_type,
        task_type: config.task_type,
        r: config.r,
        lora_alpha: config.lora_alpha,
        lora_dropout: config.lora_dropout,
        target_modules: config.target_modules,
        fan_in_fan_out: config.fan_in_fan_out,
        bias: config.bias,
        base_model_name_or_path: config.base_model_name_or_path,
      },
      {
        peft_type: "LORA",
        task_type: "CAUSAL_LM",
        r: 3,
        lora_alpha: 5,
        lora_dropout: 0,
        target_modules: ALL_TARGETS[model.config.family],
        fan_in_fan_out: gpt2,
        bias: "none",
        base_model_name_or_path: dirs.get(name),
      },
    );
    const names = [...policy.variables.keys()];
    assert.equal(
      names[0],
      gpt2
        ? "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight"
        : "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
    );
    const loaded = await HfPolicy.loadAdapter(model, dir);
    assert.deepEqual([...loaded.variables.keys()], names);
    for (const [n, v] of policy.variables) {
      assert.deepEqual(loaded.variables.get(n)!.shape, v.shape, n);
      assert.deepEqual(await loaded.variables.get(n)!.data(), await v.data(), n);
    }
    const { ids } = tokenBatch(model.vocabSize, 1);
    assert.deepEqual(await take(loaded.forward(ids)), await take(policy.forward(ids)));
    loaded.dispose();
    policy.dispose();
    model.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- adapters from elsewhere ----------------------------------------------------------------------

/** Writes a PEFT-style adapter for the qwen3 fixture (hidden 48, q_proj out 64) by hand. */
async function writeAdapter(
  dir: string,
  config: Record<string, unknown>,
  tensors: { name: string; shape: number[] }[],
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/${ADAPTER_CONFIG}`, JSON.stringify(config));
  const data = tensors.map((t, i) => ({
    ...t,
    dtype: "BF16" as const,
    data: Float32Array.from(
      { length: t.shape.reduce((a, b) => a * b, 1) },
      (_, j) => Math.sin(i + j) / 8,
    ),
  }));
  await Deno.writeFile(`${dir}/${ADAPTER_WEIGHTS}`, encodeHfSafetensors(data, { format: "pt" }));
}

const PEFT_CONFIG = {
  peft_type: "LORA",
  r: 2,
  lora_alpha: 4,
  target_modules: "model\\.layers\\.1\\.self_attn\\.q_proj", // a regex, as PEFT allows
  lora_dropout: 0.05,
  fan_in_fan_out: false,
  bias: "none",
  task_type: "CAUSAL_LM",
};
const Q1 = "base_model.model.model.layers.1.self_attn.q_proj";
const PEFT_TENSORS = [
  { name: `${Q1}.lora_A.weight`, shape: [2, 48] },
  { name: `${Q1}.lora_B.weight`, shape: [64, 2] },
];

Deno.test("adapters PEFT could have written load (BF16, regex targets), and unsupported ones are refused with the field or tensor", async () => {
  const model = await loadHfModel((await fixtureDirs()).get("qwen3-f32-headdim-untied-sharded")!);
  const root = await Deno.makeTempDir({ prefix: "hf-adapters-" });
  const tensors = tf.memory().numTensors;
  await writeAdapter(`${root}/ok`, PEFT_CONFIG, PEFT_TENSORS);
  const ok = await HfPolicy.loadAdapter(model, `${root}/ok`);
  assert.deepEqual([...ok.adapter!.modules.keys()], ["model.layers.1.self_attn.q_proj"]);
  assert.equal(ok.adapter!.scale, 2);
  ok.dispose();
  const bad: [string, Record<string, unknown>, { name: string; shape: number[] }[], RegExp][] = [
    ["type", { ...PEFT_CONFIG, peft_type: "IA3" }, PEFT_TENSORS, /peft_type[\s\S]*"LORA"/],
    ["dora", { ...PEFT_CONFIG, use_dora: true }, PEFT_TENSORS, /DoRA is not supported/],
    ["bias", { ...PEFT_CONFIG, bias: "all" }, PEFT_TENSORS, /bias[\s\S]*no trained biases/],
    ["ranks", { ...PEFT_CONFIG, rank_pattern: { q_proj: 4 } }, PEFT_TENSORS, /per-module ranks/],
    ["save", { ...PEFT_CONFIG, modules_to_save: ["lm_head"] }, PEFT_TENSORS, /modules_to_save/],
    ["shape", { ...PEFT_CONFIG, r: 4 }, PEFT_TENSORS, /has shape \[2,48\], but r 4/],
    ["half", PEFT_CONFIG, PEFT_TENSORS.slice(0, 1), /lora_B.weight" is missing/],
    [
      "module",
      PEFT_CONFIG,
      [{ name: "base_model.model.model.layers.1.self_attn.c_attn.lora_A.weight", shape: [2, 48] }],
      /adapts module "model.layers.1.self_attn.c_attn", which Qwen3ForCausalLM does not have \(its projections: q_proj, k_proj/,
    ],
    [
      "embedding",
      PEFT_CONFIG,
      [{ name: "base_model.model.model.embed_tokens.lora_embedding_A", shape: [2, 200] }],
      /is not a LoRA A or B weight/,
    ],
  ];
  for (const [name, config, tensors, message] of bad) {
    await writeAdapter(`${root}/${name}`, config, tensors);
    await assert.rejects(() => HfPolicy.loadAdapter(model, `${root}/${name}`), message, name);
  }
  await assert.rejects(
    () => HfPolicy.loadAdapter(model, `${root}/absent`),
    /adapter_config.json: missing \(not a PEFT adapter directory\?\)/,
  );
  assert.equal(tf.memory().numTensors, tensors, "a refused adapter left tensors behind");
  model.dispose();
  await Deno.remove(root, { recursive: true });
});
