/**
 * The GPT-2 block, as HF's GPT2LMHeadModel computes it: learned position embeddings, pre-norm
 * LayerNorm (eps from the config), the fused Conv1D c_attn split into q, k and v, causal
 * multi-head attention, c_proj, then LayerNorm and the gelu_new MLP, biases everywhere, each half
 * added to the residual stream.
 */
import { tf } from "../tf.ts";
import type { HfModelConfig } from "./config.ts";
import type { Gpt2BlockParams, Gpt2Params } from "./params.ts";
import {
  appendKV,
  attention,
  type BlockContext,
  conv1d,
  embedRows,
  geluNew,
  type LayerKV,
  layerNorm,
  splitHeads,
} from "./layers.ts";
import { matmulRowsT } from "./row_chunks.ts";

/** Token plus learned position embeddings of ids and positions [N] → [N, hidden]. */
export function gpt2Embed(p: Gpt2Params, ids: tf.Tensor1D, positions: tf.Tensor1D): tf.Tensor2D {
  return tf.add(embedRows(p.wte, ids), embedRows(p.wpe, positions));
}

/**
 * One block on x [B·T, hidden] for T new positions, attending over `past` (cached keys and
 * values, or null) and the new ones. Returns the new residual stream and the keys and values
 * with the new positions appended (full sequences, prefill and single-token steps alike).
 */
export function gpt2Block(
  p: Gpt2BlockParams,
  c: HfModelConfig,
  x: tf.Tensor2D,
  ctx: BlockContext,
  past: LayerKV | null,
): { x: tf.Tensor2D; kv: LayerKV } {
  const { batch: b, steps: t } = ctx;
  // Self-attention.
  const h = layerNorm(x, p.ln1, c.normEps);
  const [q, k, v] = tf.split(conv1d(h, p.attn), 3, 1) as tf.Tensor2D[];
  const kv = appendKV(past, splitHeads(k, b, t, c.numHeads), splitHeads(v, b, t, c.numHeads));
  const y = attention(splitHeads(q, b, t, c.numHeads), kv, ctx.mask);
  x = tf.add(x, conv1d(y, p.attnProj));
  // MLP.
  const m = layerNorm(x, p.ln2, c.normEps);
  x = tf.add(x, conv1d(geluNew(conv1d(m, p.fc)), p.proj));
  return { x, kv };
}

/** Final LayerNorm and the output head: x [N, hidden] → logits [N, vocab]. */
export function gpt2Head(p: Gpt2Params, c: HfModelConfig, x: tf.Tensor2D): tf.Tensor2D {
  return matmulRowsT(layerNorm(x, p.lnF, c.normEps), p.lmHead);
}
