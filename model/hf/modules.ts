/**
 * The Hugging Face names of a parameter set, in both directions: the projections a LoRA adapter
 * can target under their PyTorch module paths (`model.layers.0.self_attn.q_proj`,
 * `transformer.h.0.attn.c_attn`: the names PEFT prefixes with `base_model.model.`), and every
 * tensor under its checkpoint name in the checkpoint's layout (for exports). Structural copies of
 * a parameter set share every tensor they do not replace, so adapted and trainable views never
 * copy the frozen weights.
 */
import { RowChunks } from "./row_chunks.ts";
import { tf } from "../tf.ts";
import type {
  Conv1D,
  Gpt2BlockParams,
  Gpt2Params,
  HfParams,
  Linear,
  LlamaBlockParams,
  LlamaParams,
} from "./params.ts";

/** The projections of a Llama-family layer: parameter field → module path under the layer. */
const LLAMA_PROJECTIONS = [
  ["q", "self_attn.q_proj"],
  ["k", "self_attn.k_proj"],
  ["v", "self_attn.v_proj"],
  ["o", "self_attn.o_proj"],
  ["gate", "mlp.gate_proj"],
  ["up", "mlp.up_proj"],
  ["down", "mlp.down_proj"],
] as const satisfies readonly (readonly [keyof LlamaBlockParams, string])[];

/** The projections of a GPT-2 block: parameter field → module path under the block. */
const GPT2_PROJECTIONS = [
  ["attn", "attn.c_attn"],
  ["attnProj", "attn.c_proj"],
  ["fc", "mlp.c_fc"],
  ["proj", "mlp.c_proj"],
] as const satisfies readonly (readonly [keyof Gpt2BlockParams, string])[];

/** One projection of the model under its PyTorch module path. */
export interface Projection {
  /** e.g. "model.layers.0.self_attn.q_proj" or "transformer.h.0.attn.c_attn". */
  module: string;
  /** `nn.Linear` (weight [out, in]) or GPT-2's Conv1D (weight [in, out]). */
  kind: "linear" | "conv1d";
  inFeatures: number;
  outFeatures: number;
  /** The parameters (with the LoRA update, if the set carries one). */
  param: Linear | Conv1D;
}

/** The module path prefix of layer i. */
function layerPrefix(p: HfParams, i: number): string {
  return p.kind === "llama" ? `model.layers.${i}.` : `transformer.h.${i}.`;
}

/** Every projection of a parameter set, layer by layer in module order. */
export function projections(p: HfParams): Projection[] {
  const out: Projection[] = [];
  p.blocks.forEach((block, i) => {
    const table = p.kind === "llama" ? LLAMA_PROJECTIONS : GPT2_PROJECTIONS;
    for (const [field, path] of table) {
      const param = (block as unknown as Record<string, Linear | Conv1D>)[field];
      const [rows, cols] = param.weight.shape;
      const kind = p.kind === "llama" ? "linear" : "conv1d";
      out.push({
        module: layerPrefix(p, i) + path,
        kind,
        inFeatures: kind === "linear" ? cols : rows,
        outFeatures: kind === "linear" ? rows : cols,
        param,
      });
    }
  });
  return out;
}

/** A copy of a parameter set with each projection replaced by `f(module, projection)`; every
 * other tensor is shared. */
export function mapProjections(
  p: HfParams,
  f: (module: string, param: Linear | Conv1D) => Linear | Conv1D,
): HfParams {
  const table = p.kind === "llama" ? LLAMA_PROJECTIONS : GPT2_PROJECTIONS;
  const blocks = p.blocks.map((block, i) => {
    const copy = { ...block } as unknown as Record<string, Linear | Conv1D>;
    for (const [field, path] of table) copy[field] = f(layerPrefix(p, i) + path, copy[field]);
    return copy;
  });
  return { ...p, blocks } as unknown as HfParams;
}

/** A copy of a parameter set with every tensor replaced by `f(tensor)`, called once per distinct
 * tensor (a tied head stays tied). */
export function mapTensors(p: HfParams, f: (t: tf.Tensor) => tf.Tensor): HfParams {
  const memo = new Map<tf.Tensor, tf.Tensor>();
  const walk = (v: unknown): unknown => {
    if (v instanceof tf.Tensor) {
      if (!memo.has(v)) memo.set(v, f(v));
      return memo.get(v);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(p) as HfParams;
}

/** A tensor under its checkpoint name, in the checkpoint's layout. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * Every distinct tensor under its checkpoint name, in HF checkpoint order (no `lm_head.weight`
 * when the head is the embedding). GPT-2 names carry `gpt2Prefix` ("transformer.", as
 * GPT2LMHeadModel.save_pretrained writes them, or "" as the original checkpoints).
 */
export function namedTensors(p: HfParams, gpt2Prefix = "transformer."): NamedTensor[] {
  const out = new Names();
  if (p.kind === "llama") llamaNames(p, out);
  else gpt2Names(p, gpt2Prefix, out);
  return out.list;
}

/** Collects names: a tensor (skipped when null) or a projection's weight and bias. */
class Names {
  readonly list: NamedTensor[] = [];
  add(name: string, t: tf.Tensor | RowChunks | null): void {
    if (t instanceof RowChunks) {
      throw new Error(
        `${name} is stored in ${t.parts.length} row chunks (it exceeds the device's binding ` +
          "limit): training and export need it whole; load the model on a backend without that " +
          "limit (wasm or cpu) to fine-tune or export it",
      );
    }
    if (t) this.list.push({ name, tensor: t });
  }
  proj(module: string, l: Linear | Conv1D): void {
    this.add(`${module}.weight`, l.weight);
    this.add(`${module}.bias`, l.bias);
  }
}

function llamaNames(p: LlamaParams, out: Names): void {
  out.add("model.embed_tokens.weight", p.embed);
  p.blocks.forEach((b, i) => {
    const pre = `model.layers.${i}`;
    out.add(`${pre}.input_layernorm.weight`, b.inputNorm);
    for (const f of ["q", "k", "v", "o"] as const) out.proj(`${pre}.self_attn.${f}_proj`, b[f]);
    out.add(`${pre}.self_attn.q_norm.weight`, b.qNorm);
    out.add(`${pre}.self_attn.k_norm.weight`, b.kNorm);
    out.add(`${pre}.post_attention_layernorm.weight`, b.postNorm);
    for (const f of ["gate", "up", "down"] as const) out.proj(`${pre}.mlp.${f}_proj`, b[f]);
  });
  out.add("model.norm.weight", p.norm);
  if (p.lmHead !== p.embed) out.add("lm_head.weight", p.lmHead);
}

function gpt2Names(p: Gpt2Params, pre: string, out: Names): void {
  out.add(`${pre}wte.weight`, p.wte);
  out.add(`${pre}wpe.weight`, p.wpe);
  p.blocks.forEach((b, i) => {
    const h = `${pre}h.${i}`;
    out.add(`${h}.ln_1.weight`, b.ln1.weight);
    out.add(`${h}.ln_1.bias`, b.ln1.bias);
    out.proj(`${h}.attn.c_attn`, b.attn);
    out.proj(`${h}.attn.c_proj`, b.attnProj);
    out.add(`${h}.ln_2.weight`, b.ln2.weight);
    out.add(`${h}.ln_2.bias`, b.ln2.bias);
    out.proj(`${h}.mlp.c_fc`, b.fc);
    out.proj(`${h}.mlp.c_proj`, b.proj);
  });
  out.add(`${pre}ln_f.weight`, p.lnF.weight);
  out.add(`${pre}ln_f.bias`, p.lnF.bias);
  if (p.lmHead !== p.wte) out.add("lm_head.weight", p.lmHead);
}
