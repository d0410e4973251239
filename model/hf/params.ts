/**
 * Hugging Face tensor names mapped into typed per-block parameters (tf tensors), every shape
 * checked against the config. Llama-family checkpoints (Llama, Mistral, Qwen2, Qwen3) store
 * `nn.Linear` weights as [out, in] under `model.`; GPT-2 stores Conv1D weights as [in, out], with
 * or without the `transformer.` prefix, and a fused q|k|v projection `c_attn`.
 */
import { tf } from "../tf.ts";
import type { HfModelConfig } from "./config.ts";
import type { HfCheckpoint } from "./weights.ts";
import { type HfMatrix, matrixFromData, matrixTensors } from "./row_chunks.ts";

/** A LoRA update of one projection (PEFT's layout): y += scale·(x·Aᵀ)·Bᵀ, whatever the
 * projection's own weight layout. */
export interface LoraWeights {
  /** lora_A [r, in]. */
  a: tf.Tensor2D;
  /** lora_B [out, r]. */
  b: tf.Tensor2D;
  /** alpha / r (or alpha / √r for rsLoRA). */
  scale: number;
}

/** An `nn.Linear`: y = x·weightᵀ + bias, weight [out, in]; plus a LoRA update when set. */
export interface Linear {
  weight: tf.Tensor2D;
  bias: tf.Tensor1D | null;
  lora?: LoraWeights;
}

/** A GPT-2 Conv1D: y = x·weight + bias, weight [in, out]; plus a LoRA update when set. */
export interface Conv1D {
  weight: tf.Tensor2D;
  bias: tf.Tensor1D;
  lora?: LoraWeights;
}

/** A LayerNorm's gain and bias. */
export interface LayerNormParams {
  weight: tf.Tensor1D;
  bias: tf.Tensor1D;
}

/** One Llama-family decoder layer (`model.layers.{i}.*`). */
export interface LlamaBlockParams {
  /** input_layernorm (RMSNorm) [hidden]. */
  inputNorm: tf.Tensor1D;
  /** self_attn.q_proj [heads·head_dim, hidden]. */
  q: Linear;
  /** self_attn.k_proj [kv_heads·head_dim, hidden]. */
  k: Linear;
  /** self_attn.v_proj [kv_heads·head_dim, hidden]. */
  v: Linear;
  /** self_attn.o_proj [hidden, heads·head_dim]. */
  o: Linear;
  /** Qwen3 self_attn.q_norm (RMSNorm over head_dim) [head_dim]; null elsewhere. */
  qNorm: tf.Tensor1D | null;
  /** Qwen3 self_attn.k_norm (RMSNorm over head_dim) [head_dim]; null elsewhere. */
  kNorm: tf.Tensor1D | null;
  /** post_attention_layernorm (RMSNorm) [hidden]. */
  postNorm: tf.Tensor1D;
  /** mlp.gate_proj [intermediate, hidden]. */
  gate: Linear;
  /** mlp.up_proj [intermediate, hidden]. */
  up: Linear;
  /** mlp.down_proj [hidden, intermediate]. */
  down: Linear;
}

/** A Llama-family model's parameters. */
export interface LlamaParams {
  kind: "llama";
  /** model.embed_tokens [vocab, hidden] (row chunks where one tensor exceeds the device's
   * binding limit: row_chunks.ts). */
  embed: HfMatrix;
  blocks: LlamaBlockParams[];
  /** model.norm (RMSNorm) [hidden]. */
  norm: tf.Tensor1D;
  /** lm_head [vocab, hidden]; the embedding itself when tied (row chunks as embed). */
  lmHead: HfMatrix;
}

/** One GPT-2 block (`h.{i}.*`). */
export interface Gpt2BlockParams {
  ln1: LayerNormParams;
  /** attn.c_attn: the fused q|k|v projection [hidden, 3·hidden]. */
  attn: Conv1D;
  /** attn.c_proj [hidden, hidden]. */
  attnProj: Conv1D;
  ln2: LayerNormParams;
  /** mlp.c_fc [hidden, inner]. */
  fc: Conv1D;
  /** mlp.c_proj [inner, hidden]. */
  proj: Conv1D;
}

/** A GPT-2 model's parameters. */
export interface Gpt2Params {
  kind: "gpt2";
  /** wte [vocab, hidden] (row chunks where one tensor exceeds the device's binding limit). */
  wte: HfMatrix;
  /** wpe [n_positions, hidden]. */
  wpe: tf.Tensor2D;
  blocks: Gpt2BlockParams[];
  lnF: LayerNormParams;
  /** lm_head [vocab, hidden]; wte itself when tied (row chunks as wte). */
  lmHead: HfMatrix;
}

/** Parameters of any supported model. */
export type HfParams = LlamaParams | Gpt2Params;

/** Reads named tensors with config-implied shapes into tf tensors, remembering them all. */
class Reader {
  readonly made: tf.Tensor[] = [];
  constructor(
    readonly ckpt: HfCheckpoint,
    readonly architecture: string,
    readonly maxChunkBytes = Infinity,
  ) {}

  vec(name: string, n: number, why: string): tf.Tensor1D {
    const t = this.ckpt.read(name, [n], `${this.architecture} with ${why}`);
    return this.#keep(tf.tensor1d(t.data, "float32"));
  }

  mat(name: string, rows: number, cols: number, why: string): tf.Tensor2D {
    const t = this.ckpt.read(name, [rows, cols], `${this.architecture} with ${why}`);
    return this.#keep(tf.tensor2d(t.data, [rows, cols], "float32"));
  }

  /** A [vocab, hidden]-like matrix (embedding, head): row chunks when over maxChunkBytes. */
  rows(name: string, rows: number, cols: number, why: string): HfMatrix {
    const t = this.ckpt.read(name, [rows, cols], `${this.architecture} with ${why}`);
    const m = matrixFromData(t.data, rows, cols, this.maxChunkBytes, `${t.file}: "${name}"`);
    matrixTensors(m).forEach((p) => this.#keep(p));
    return m;
  }

  #keep<T extends tf.Tensor>(t: T): T {
    this.made.push(t);
    return t;
  }
}

/** Options of {@link loadParams}. */
export interface LoadParamsOptions {
  /** Embedding and head matrices above this many float32 bytes are stored as row chunks that fit
   * (the device's storage-binding limit on webgpu); default: no limit. */
  maxChunkBytes?: number;
}

/** Reads a model's parameters from its checkpoint. On error every tensor made so far is freed. */
export function loadParams(
  c: HfModelConfig,
  ckpt: HfCheckpoint,
  opts: LoadParamsOptions = {},
): HfParams {
  const r = new Reader(ckpt, c.architecture, opts.maxChunkBytes);
  try {
    return c.family === "gpt2" ? gpt2Params(c, r) : llamaParams(c, r);
  } catch (e) {
    tf.dispose(r.made);
    throw e;
  }
}

/** Every distinct tensor of a parameter set (a tied head is its embedding). */
export function paramTensors(p: HfParams): tf.Tensor[] {
  const all: tf.Tensor[] = [];
  const add = (...ts: (tf.Tensor | HfMatrix | null)[]) =>
    ts.forEach((t) => t && all.push(...(t instanceof tf.Tensor ? [t] : matrixTensors(t))));
  const lin = (l: Linear | Conv1D) => add(l.weight, l.bias);
  if (p.kind === "llama") {
    add(p.embed, p.norm, p.lmHead);
    for (const b of p.blocks) {
      add(b.inputNorm, b.qNorm, b.kNorm, b.postNorm);
      [b.q, b.k, b.v, b.o, b.gate, b.up, b.down].forEach(lin);
    }
  } else {
    add(p.wte, p.wpe, p.lnF.weight, p.lnF.bias, p.lmHead);
    for (const b of p.blocks) {
      add(b.ln1.weight, b.ln1.bias, b.ln2.weight, b.ln2.bias);
      [b.attn, b.attnProj, b.fc, b.proj].forEach(lin);
    }
  }
  return [...new Set(all)];
}

function llamaParams(c: HfModelConfig, r: Reader): LlamaParams {
  const d = c.hiddenSize, hd = c.headDim, qDim = c.numHeads * hd, kvDim = c.numKvHeads * hd;
  const ff = c.intermediateSize;
  const attnWhy = `hidden_size ${d}, num_attention_heads ${c.numHeads}, ` +
    `num_key_value_heads ${c.numKvHeads}, head_dim ${hd}`;
  const mlpWhy = `hidden_size ${d}, intermediate_size ${ff}`;
  const linear = (name: string, out: number, inp: number, bias: boolean, why: string): Linear => ({
    weight: r.mat(`${name}.weight`, out, inp, why),
    bias: bias ? r.vec(`${name}.bias`, out, why) : null,
  });
  const embed = r.rows("model.embed_tokens.weight", c.vocabSize, d, `vocab_size ${c.vocabSize}`);
  const blocks: LlamaBlockParams[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    blocks.push({
      inputNorm: r.vec(`${p}.input_layernorm.weight`, d, `hidden_size ${d}`),
      q: linear(`${p}.self_attn.q_proj`, qDim, d, c.qkvBias, attnWhy),
      k: linear(`${p}.self_attn.k_proj`, kvDim, d, c.qkvBias, attnWhy),
      v: linear(`${p}.self_attn.v_proj`, kvDim, d, c.qkvBias, attnWhy),
      o: linear(`${p}.self_attn.o_proj`, d, qDim, c.oBias, attnWhy),
      qNorm: c.qkNorm ? r.vec(`${p}.self_attn.q_norm.weight`, hd, `head_dim ${hd}`) : null,
      kNorm: c.qkNorm ? r.vec(`${p}.self_attn.k_norm.weight`, hd, `head_dim ${hd}`) : null,
      postNorm: r.vec(`${p}.post_attention_layernorm.weight`, d, `hidden_size ${d}`),
      gate: linear(`${p}.mlp.gate_proj`, ff, d, c.mlpBias, mlpWhy),
      up: linear(`${p}.mlp.up_proj`, ff, d, c.mlpBias, mlpWhy),
      down: linear(`${p}.mlp.down_proj`, d, ff, c.mlpBias, mlpWhy),
    });
  }
  const norm = r.vec("model.norm.weight", d, `hidden_size ${d}`);
  const lmHead = c.tieWordEmbeddings ? embed : r.rows(
    "lm_head.weight",
    c.vocabSize,
    d,
    `vocab_size ${c.vocabSize}, hidden_size ${d}, tie_word_embeddings false`,
  );
  return { kind: "llama", embed, blocks, norm, lmHead };
}

function gpt2Params(c: HfModelConfig, r: Reader): Gpt2Params {
  const d = c.hiddenSize, ff = c.intermediateSize;
  const pre = r.ckpt.gpt2Prefix();
  const why = `n_embd ${d}`;
  const conv = (name: string, inp: number, out: number, w: string): Conv1D => ({
    weight: r.mat(`${pre}${name}.weight`, inp, out, w),
    bias: r.vec(`${pre}${name}.bias`, out, w),
  });
  const ln = (name: string): LayerNormParams => ({
    weight: r.vec(`${pre}${name}.weight`, d, why),
    bias: r.vec(`${pre}${name}.bias`, d, why),
  });
  const wte = r.rows(`${pre}wte.weight`, c.vocabSize, d, `vocab_size ${c.vocabSize}, ${why}`);
  const wpe = r.mat(`${pre}wpe.weight`, c.maxPositions, d, `n_positions ${c.maxPositions}, ${why}`);
  const blocks: Gpt2BlockParams[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `h.${i}`;
    const ffWhy = `${why}, n_inner ${ff}`;
    blocks.push({
      ln1: ln(`${p}.ln_1`),
      attn: conv(`${p}.attn.c_attn`, d, 3 * d, why),
      attnProj: conv(`${p}.attn.c_proj`, d, d, why),
      ln2: ln(`${p}.ln_2`),
      fc: conv(`${p}.mlp.c_fc`, d, ff, ffWhy),
      proj: conv(`${p}.mlp.c_proj`, ff, d, ffWhy),
    });
  }
  const lnF = ln("ln_f");
  const lmHead = c.tieWordEmbeddings ? wte : r.rows(
    "lm_head.weight",
    c.vocabSize,
    d,
    `vocab_size ${c.vocabSize}, tie_word_embeddings false`,
  );
  return { kind: "gpt2", wte, wpe, blocks, lnF, lmHead };
}
