/**
 * Tiny random models in the Hugging Face layout for the model/hf tests: config.json (+ optional
 * generation_config.json) and model.safetensors or shards with an index, written from the
 * names and layouts of HF's own checkpoints (independently of model/hf/params.ts).
 */
import { Rng } from "../../model/mod.ts";
import { encodeHfSafetensors, type HfDtype, type HfTensorToWrite } from "../../model/hf/mod.ts";

/** One tiny model to write. */
export interface TinyModel {
  /** Directory name under the fixture root. */
  name: string;
  /** config.json as written. */
  config: Record<string, unknown>;
  /** generation_config.json as written (none when absent). */
  generationConfig?: Record<string, unknown>;
  /** Storage dtype of every tensor. */
  dtype: HfDtype;
  /** Number of shard files (1: a single model.safetensors). */
  shards: number;
  /** GPT-2 only: prefix names with "transformer." (as GPT2LMHeadModel.save_pretrained does). */
  transformerPrefix?: boolean;
  seed: number;
}

/** The fixture set: every architecture, tied and untied heads, each dtype, sharded and not. */
export const TINY_MODELS: TinyModel[] = [
  {
    name: "gpt2-f32-tied",
    config: {
      architectures: ["GPT2LMHeadModel"],
      model_type: "gpt2",
      vocab_size: 211,
      n_positions: 64,
      n_embd: 32,
      n_layer: 2,
      n_head: 4,
      n_inner: null,
      activation_function: "gelu_new",
      layer_norm_epsilon: 1e-5,
      bos_token_id: 1,
      eos_token_id: 2,
    },
    dtype: "F32",
    shards: 1,
    transformerPrefix: true,
    seed: 11,
  },
  {
    name: "gpt2-f16-untied-noprefix",
    config: {
      architectures: ["GPT2LMHeadModel"],
      vocab_size: 150,
      n_positions: 40,
      n_embd: 48,
      n_layer: 2,
      n_head: 3,
      n_inner: 80,
      layer_norm_epsilon: 1e-3,
      tie_word_embeddings: false,
      eos_token_id: 5,
    },
    dtype: "F16",
    shards: 1,
    seed: 12,
  },
  {
    name: "llama-bf16-llama3rope-untied-sharded",
    config: {
      architectures: ["LlamaForCausalLM"],
      model_type: "llama",
      vocab_size: 256,
      hidden_size: 48,
      intermediate_size: 96,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      hidden_act: "silu",
      max_position_embeddings: 256,
      rms_norm_eps: 1e-5,
      rope_theta: 500000.0,
      rope_scaling: {
        rope_type: "llama3",
        factor: 8.0,
        low_freq_factor: 1.0,
        high_freq_factor: 4.0,
        original_max_position_embeddings: 64,
      },
      attention_bias: false,
      tie_word_embeddings: false,
      bos_token_id: 1,
      eos_token_id: 2,
    },
    generationConfig: { bos_token_id: 1, eos_token_id: [7, 9] },
    dtype: "BF16",
    shards: 2,
    seed: 13,
  },
  {
    name: "llama-f32-linearrope-tied-bias-mqa",
    config: {
      architectures: ["LlamaForCausalLM"],
      vocab_size: 120,
      hidden_size: 40,
      intermediate_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 1,
      rms_norm_eps: 1e-6,
      rope_theta: 10000.0,
      rope_scaling: { type: "linear", factor: 2.0 },
      attention_bias: true,
      mlp_bias: true,
      tie_word_embeddings: true,
      eos_token_id: 3,
    },
    dtype: "F32",
    shards: 1,
    seed: 14,
  },
  {
    name: "mistral-bf16",
    config: {
      architectures: ["MistralForCausalLM"],
      vocab_size: 130,
      hidden_size: 32,
      intermediate_size: 72,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      hidden_act: "silu",
      max_position_embeddings: 512,
      rms_norm_eps: 1e-5,
      rope_theta: 1000000.0,
      sliding_window: 4096,
      tie_word_embeddings: false,
      eos_token_id: 2,
    },
    dtype: "BF16",
    shards: 1,
    seed: 15,
  },
  {
    name: "qwen2-f16-bias-tied",
    config: {
      architectures: ["Qwen2ForCausalLM"],
      model_type: "qwen2",
      vocab_size: 300,
      hidden_size: 32,
      intermediate_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      hidden_act: "silu",
      max_position_embeddings: 128,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000.0,
      rope_scaling: null,
      tie_word_embeddings: true,
      use_sliding_window: false,
      sliding_window: 4096,
      bos_token_id: 10,
      eos_token_id: 11,
    },
    dtype: "F16",
    shards: 1,
    seed: 16,
  },
  {
    name: "qwen3-f32-headdim-untied-sharded",
    config: {
      architectures: ["Qwen3ForCausalLM"],
      model_type: "qwen3",
      vocab_size: 200,
      hidden_size: 48,
      intermediate_size: 80,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 16,
      hidden_act: "silu",
      max_position_embeddings: 128,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000.0,
      rope_scaling: null,
      attention_bias: false,
      tie_word_embeddings: false,
      use_sliding_window: false,
      eos_token_id: 4,
    },
    dtype: "F32",
    shards: 3,
    seed: 17,
  },
];

/** Tensor names and shapes of a fixture's config, in HF checkpoint order. */
function tensorSpecs(m: TinyModel): { name: string; shape: number[]; kind: string }[] {
  const cfg = m.config;
  const num = (key: string, fallback?: number): number => {
    const v = cfg[key] ?? fallback;
    if (typeof v !== "number") throw new Error(`fixture ${m.name}: ${key} is not a number`);
    return v;
  };
  const arch = (cfg.architectures as string[])[0];
  const out: { name: string; shape: number[]; kind: string }[] = [];
  const add = (name: string, shape: number[], kind: string) => out.push({ name, shape, kind });
  if (arch === "GPT2LMHeadModel") {
    const p = m.transformerPrefix ? "transformer." : "", d = num("n_embd");
    const ff = num("n_inner", 4 * d), pos = num("n_positions");
    add(`${p}wte.weight`, [num("vocab_size"), d], "embed");
    add(`${p}wpe.weight`, [pos, d], "embed");
    for (let i = 0; i < num("n_layer"); i++) {
      const h = `${p}h.${i}`;
      add(`${h}.ln_1.weight`, [d], "norm");
      add(`${h}.ln_1.bias`, [d], "bias");
      // The causal-mask buffer older GPT-2 checkpoints carry (the loader ignores it).
      if (i === 0) add(`${h}.attn.bias`, [1, 1, pos, pos], "bias");
      add(`${h}.attn.c_attn.weight`, [d, 3 * d], "conv");
      add(`${h}.attn.c_attn.bias`, [3 * d], "bias");
      add(`${h}.attn.c_proj.weight`, [d, d], "conv");
      add(`${h}.attn.c_proj.bias`, [d], "bias");
      add(`${h}.ln_2.weight`, [d], "norm");
      add(`${h}.ln_2.bias`, [d], "bias");
      add(`${h}.mlp.c_fc.weight`, [d, ff], "conv");
      add(`${h}.mlp.c_fc.bias`, [ff], "bias");
      add(`${h}.mlp.c_proj.weight`, [ff, d], "conv");
      add(`${h}.mlp.c_proj.bias`, [d], "bias");
    }
    add(`${p}ln_f.weight`, [d], "norm");
    add(`${p}ln_f.bias`, [d], "bias");
    if (cfg.tie_word_embeddings === false) add("lm_head.weight", [num("vocab_size"), d], "linear");
    return out;
  }
  const d = num("hidden_size"), heads = num("num_attention_heads");
  const kv = num("num_key_value_heads", heads), hd = num("head_dim", d / heads);
  const ff = num("intermediate_size");
  const qkvBias = arch === "Qwen2ForCausalLM" || cfg.attention_bias === true;
  const oBias = arch !== "Qwen2ForCausalLM" && cfg.attention_bias === true;
  const mlpBias = cfg.mlp_bias === true;
  add("model.embed_tokens.weight", [num("vocab_size"), d], "embed");
  for (let i = 0; i < num("num_hidden_layers"); i++) {
    const l = `model.layers.${i}`;
    add(`${l}.input_layernorm.weight`, [d], "norm");
    for (const [n, rows] of [["q", heads * hd], ["k", kv * hd], ["v", kv * hd]] as const) {
      add(`${l}.self_attn.${n}_proj.weight`, [rows, d], "linear");
      if (qkvBias) add(`${l}.self_attn.${n}_proj.bias`, [rows], "bias");
    }
    add(`${l}.self_attn.o_proj.weight`, [d, heads * hd], "linear");
    if (oBias) add(`${l}.self_attn.o_proj.bias`, [d], "bias");
    if (arch === "Qwen3ForCausalLM") {
      add(`${l}.self_attn.q_norm.weight`, [hd], "norm");
      add(`${l}.self_attn.k_norm.weight`, [hd], "norm");
    }
    add(`${l}.post_attention_layernorm.weight`, [d], "norm");
    for (const [n, shape] of [["gate", [ff, d]], ["up", [ff, d]], ["down", [d, ff]]] as const) {
      add(`${l}.mlp.${n}_proj.weight`, [...shape], "linear");
      if (mlpBias) add(`${l}.mlp.${n}_proj.bias`, [shape[0]], "bias");
    }
  }
  add("model.norm.weight", [d], "norm");
  if (cfg.tie_word_embeddings !== true) add("lm_head.weight", [num("vocab_size"), d], "linear");
  return out;
}

/** Seeded values for one tensor: unit-gain projections, N(1, 0.1) norm gains, small biases. */
function values(shape: number[], kind: string, rng: Rng): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const fanIn = kind === "conv" ? shape[0] : shape[shape.length - 1];
  const [mean, std] = kind === "norm"
    ? [1, 0.1]
    : kind === "bias"
    ? [0, 0.1]
    : kind === "embed"
    ? [0, 0.1]
    : [0, 1 / Math.sqrt(fanIn)];
  return Float32Array.from({ length: n }, () => mean + std * rng.normal());
}

/** The tensors of a fixture (seeded by its `seed`). */
export function tinyTensors(m: TinyModel): HfTensorToWrite[] {
  const rng = new Rng(m.seed);
  return tensorSpecs(m).map((s) => ({
    name: s.name,
    dtype: m.dtype,
    shape: s.shape,
    data: values(s.shape, s.kind, rng),
  }));
}

/** Writes a fixture into `dir` (created): config files and one or several safetensors files. */
export async function writeTinyModel(dir: string, m: TinyModel): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(m.config, null, 2));
  if (m.generationConfig) {
    await Deno.writeTextFile(
      `${dir}/generation_config.json`,
      JSON.stringify(m.generationConfig, null, 2),
    );
  }
  const tensors = tinyTensors(m);
  const meta = { format: "pt" };
  if (m.shards === 1) {
    await Deno.writeFile(`${dir}/model.safetensors`, encodeHfSafetensors(tensors, meta));
    return;
  }
  const per = Math.ceil(tensors.length / m.shards);
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (let s = 0; s < m.shards; s++) {
    const file = `model-${String(s + 1).padStart(5, "0")}-of-${
      String(m.shards).padStart(5, "0")
    }.safetensors`;
    const part = tensors.slice(s * per, (s + 1) * per);
    for (const t of part) weightMap[t.name] = file;
    const bytes = encodeHfSafetensors(part, meta);
    total += bytes.length;
    await Deno.writeFile(`${dir}/${file}`, bytes);
  }
  await Deno.writeTextFile(
    `${dir}/model.safetensors.index.json`,
    JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2),
  );
}

/** Writes every fixture under a new temporary directory; returns it and each model's path. */
export async function writeTinyModels(
  models: TinyModel[] = TINY_MODELS,
): Promise<{ root: string; dirs: Map<string, string> }> {
  const root = await Deno.makeTempDir({ prefix: "hf-tiny-" });
  const dirs = new Map<string, string>();
  for (const m of models) {
    const dir = `${root}/${m.name}`;
    await writeTinyModel(dir, m);
    dirs.set(m.name, dir);
  }
  return { root, dirs };
}
