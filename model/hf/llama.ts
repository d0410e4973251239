/**
 * The Llama-family decoder layer (Llama, Mistral, SmolLM, Qwen2, Qwen3), as HF's modeling code
 * computes it: pre-norm RMSNorm, q/k/v projections (Qwen2's biases), Qwen3's per-head RMSNorm on
 * q and k, rotary embeddings, grouped-query causal attention, o_proj, then RMSNorm and the SwiGLU
 * MLP down(silu(gate(x))·up(x)), each half added to the residual stream.
 */
import { tf } from "../tf.ts";
import type { HfModelConfig } from "./config.ts";
import type { LlamaBlockParams, LlamaParams } from "./params.ts";
import {
  appendKV,
  applyRope,
  attention,
  type BlockContext,
  embedRows,
  type LayerKV,
  linear,
  rmsNorm,
  silu,
  splitHeads,
} from "./layers.ts";
import { matmulRowsT } from "./row_chunks.ts";

/** Token embeddings of ids [N] → [N, hidden] (no position embedding: RoPE acts in attention). */
export function llamaEmbed(p: LlamaParams, ids: tf.Tensor1D): tf.Tensor2D {
  return embedRows(p.embed, ids);
}

/**
 * One decoder layer on x [B·T, hidden] for T new positions, attending over `past` (the layer's
 * cached keys and values, or null) and the new ones. Returns the new residual stream and the
 * layer's keys and values with the new positions appended. The same function serves full
 * sequences, prefill and single-token steps.
 */
export function llamaBlock(
  p: LlamaBlockParams,
  c: HfModelConfig,
  x: tf.Tensor2D,
  ctx: BlockContext,
  past: LayerKV | null,
): { x: tf.Tensor2D; kv: LayerKV } {
  const { batch: b, steps: t } = ctx;
  // Self-attention.
  const h = rmsNorm(x, p.inputNorm, c.normEps);
  let q = splitHeads(linear(h, p.q), b, t, c.numHeads);
  let k = splitHeads(linear(h, p.k), b, t, c.numKvHeads);
  const v = splitHeads(linear(h, p.v), b, t, c.numKvHeads);
  if (p.qNorm && p.kNorm) {
    q = rmsNorm(q, p.qNorm, c.normEps);
    k = rmsNorm(k, p.kNorm, c.normEps);
  }
  if (!ctx.rope) throw new Error("llamaBlock: rotary tables missing");
  q = applyRope(q, ctx.rope.cos, ctx.rope.sin);
  k = applyRope(k, ctx.rope.cos, ctx.rope.sin);
  const kv = appendKV(past, k, v);
  x = tf.add(x, linear(attention(q, kv, ctx.mask), p.o));
  // SwiGLU MLP.
  const m = rmsNorm(x, p.postNorm, c.normEps);
  x = tf.add(x, linear(tf.mul(silu(linear(m, p.gate)), linear(m, p.up)), p.down));
  return { x, kv };
}

/** Final RMSNorm and the output head: x [N, hidden] → logits [N, vocab]. */
export function llamaHead(p: LlamaParams, c: HfModelConfig, x: tf.Tensor2D): tf.Tensor2D {
  return matmulRowsT(rmsNorm(x, p.norm, c.normEps), p.lmHead);
}
