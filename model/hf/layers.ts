/**
 * The layers Hugging Face decoder blocks are made of, as float32 tfjs ops: projections
 * (`nn.Linear` and GPT-2's Conv1D), RMSNorm and LayerNorm, SiLU and GELU (tanh), rotary position
 * embeddings (HF Llama's rotate-half convention, with linear and llama3 frequency scaling), the
 * additive attention mask, and grouped-query attention over a per-layer key/value cache.
 */
import { tf } from "../tf.ts";
import { gemm } from "../gemm.ts";
import { gelu } from "../gelu.ts";
import { embed, taping } from "../ops.ts";
import type { HfModelConfig, RopeScaling } from "./config.ts";
import type { Conv1D, Linear, LoraWeights } from "./params.ts";
import { gatherRows, type HfMatrix, matmulT } from "./row_chunks.ts";

/** Keys (after RoPE) and values of one layer: [B, kv_heads, L, head_dim] each. */
export interface LayerKV {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

/** What every block of one pass shares: batch and step sizes, the mask, the rotary tables. */
export interface BlockContext {
  batch: number;
  /** New positions in this pass (T). */
  steps: number;
  /** Additive masks over cached then new keys (0 visible, −1e9 hidden). */
  mask: AttentionMask;
  /** cos and sin [B, 1, T, head_dim] of the new positions (null: no RoPE). */
  rope: { cos: tf.Tensor4D; sin: tf.Tensor4D } | null;
}

/** x [N, in] through an `nn.Linear` (weight [out, in]) → [N, out], plus its LoRA update. */
export function linear(x: tf.Tensor2D, l: Linear): tf.Tensor2D {
  const y = l.bias ? gemm(x, l.weight, { transposeB: true, bias: l.bias }) : matmulT(x, l.weight); // swapped on wasm for few rows (row_chunks.ts)
  return l.lora ? tf.add(y, loraUpdate(x, l.lora)) : y;
}

/** x [N, in] through a GPT-2 Conv1D (weight [in, out]) → [N, out], plus its LoRA update. */
export function conv1d(x: tf.Tensor2D, c: Conv1D): tf.Tensor2D {
  const y = gemm(x, c.weight, { bias: c.bias });
  return c.lora ? tf.add(y, loraUpdate(x, c.lora)) : y;
}

/** PEFT's lora_B(lora_A(x))·scaling for x [N, in]: scale·(x·Aᵀ)·Bᵀ → [N, out] (exact zeros
 * while B is zero). */
export function loraUpdate(x: tf.Tensor2D, l: LoraWeights): tf.Tensor2D {
  const h = gemm(x, l.a, { transposeB: true });
  return gemm(tf.mul(h, l.scale), l.b, { transposeB: true });
}

/** Rows of an embedding table [V, d] (one tensor or row chunks) for ids [N] → [N, d]: a gather
 * (per chunk), except for a trainable variable under a gradient tape, where it is a one-hot
 * product (ops.ts `embed`: tf.gather has no gradient on wasm). */
export function embedRows(table: HfMatrix, ids: tf.Tensor1D): tf.Tensor2D {
  const trained = table instanceof tf.Variable && table.trainable && taping();
  return trained ? embed(ids, table as tf.Variable & tf.Tensor2D) : gatherRows(table, ids);
}

/** RMSNorm over the last axis as HF computes it: x·rsqrt(mean(x²) + eps)·weight. */
export function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, eps: number): T {
  const variance = tf.mean(tf.mul(x, x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight);
}

/** LayerNorm over the last axis: (x − mean)·rsqrt(var + eps)·weight + bias (biased variance). */
export function layerNorm(
  x: tf.Tensor2D,
  p: { weight: tf.Tensor1D; bias: tf.Tensor1D },
  eps: number,
): tf.Tensor2D {
  const xc = tf.sub(x, tf.mean(x, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.mul(xc, xc), -1, true), eps));
  return tf.add(tf.mul(tf.mul(xc, rstd), p.weight), p.bias);
}

/** SiLU: x·σ(x). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/** GPT-2's gelu_new: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function geluNew<T extends tf.Tensor>(x: T): T {
  return gelu(x);
}

/** RoPE inverse frequencies θ^(−2i/d), i < d/2, after HF's linear or llama3 scaling. */
export function ropeInverseFrequencies(
  theta: number,
  headDim: number,
  scaling: RopeScaling,
): Float64Array {
  const inv = Float64Array.from(
    { length: headDim / 2 },
    (_, i) => 1 / theta ** ((2 * i) / headDim),
  );
  if (scaling === null) return inv;
  if (scaling.kind === "linear") return inv.map((f) => f / scaling.factor);
  // Llama 3.1: long wavelengths divided by factor, short ones kept, a smooth blend in between.
  const { factor, lowFreqFactor: lo, highFreqFactor: hi, originalMaxPositions: old } = scaling;
  const lowFreqWavelen = old / lo, highFreqWavelen = old / hi;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highFreqWavelen) return f;
    if (wavelen > lowFreqWavelen) return f / factor;
    const smooth = (old / wavelen - lo) / (hi - lo);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}

/** cos and sin tables [B, 1, T, head_dim] for positions [B][T] (angles in float64; the halves
 * repeat, as HF's `cat(freqs, freqs)`). */
export function ropeTables(
  c: HfModelConfig,
  positions: number[][],
): { cos: tf.Tensor4D; sin: tf.Tensor4D } {
  if (!c.rope) throw new Error(`${c.architecture} has no rotary embedding`);
  const inv = ropeInverseFrequencies(c.rope.theta, c.headDim, c.rope.scaling);
  const b = positions.length, t = positions[0].length, hd = c.headDim, half = hd / 2;
  const cos = new Float32Array(b * t * hd), sin = new Float32Array(b * t * hd);
  for (let r = 0; r < b; r++) {
    for (let j = 0; j < t; j++) {
      const o = (r * t + j) * hd, p = positions[r][j];
      for (let i = 0; i < half; i++) {
        const a = p * inv[i];
        cos[o + i] = cos[o + half + i] = Math.cos(a);
        sin[o + i] = sin[o + half + i] = Math.sin(a);
      }
    }
  }
  return { cos: tf.tensor4d(cos, [b, 1, t, hd]), sin: tf.tensor4d(sin, [b, 1, t, hd]) };
}

/** Rotary embedding of x [B, H, T, hd]: x·cos + rotate_half(x)·sin, rotate_half(x) =
 * cat(−x₂, x₁) over the two halves of head_dim (not interleaved pairs). */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  const [x1, x2] = tf.split(x, 2, 3);
  const rotated = tf.concat([tf.neg(x2), x1], 3);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/** The additive attention mask of T new queries over L cached and T new columns, as two
 * broadcast terms (never a [B, 1, T, L+T] tensor): the causal part and, when some rows are left
 * padded, a per-row key part. */
export interface AttentionMask {
  /** [1, 1, T, L+T]: query j sees columns i ≤ L + j. */
  causal: tf.Tensor4D;
  /** [B, 1, 1, L+T]: −1e9 on padding columns; null when every column is a real token. */
  keys: tf.Tensor4D | null;
}

/** The mask of T new queries for keyMask [B][L+T] (1 real token, 0 padding). */
export function attentionMask(keyMask: number[][], steps: number): AttentionMask {
  const b = keyMask.length, total = keyMask[0].length, cached = total - steps;
  const causal = new Float32Array(steps * total);
  for (let j = 0; j < steps; j++) causal.fill(-1e9, j * total + cached + j + 1, (j + 1) * total);
  const padded = keyMask.some((row) => row.some((m) => m === 0));
  const keys = padded
    ? tf.tensor4d(keyMask.flatMap((row) => row.map((m) => (m ? 0 : -1e9))), [b, 1, 1, total])
    : null;
  return { causal: tf.tensor4d(causal, [1, 1, steps, total]), keys };
}

/** Rows [B·T, H·hd] as heads [B, H, T, hd]. */
export function splitHeads(x: tf.Tensor2D, b: number, t: number, heads: number): tf.Tensor4D {
  const hd = x.shape[1] / heads;
  return tf.transpose(tf.reshape(x, [b, t, heads, hd]), [0, 2, 1, 3]);
}

/** Appends new keys and values [B, kv_heads, T, hd] to a layer's cached ones (if any). */
export function appendKV(past: LayerKV | null, k: tf.Tensor4D, v: tf.Tensor4D): LayerKV {
  if (!past) return { k, v };
  return { k: tf.concat([past.k, k], 2), v: tf.concat([past.v, v], 2) };
}

/**
 * Grouped-query attention: softmax(q·kᵀ/√hd + mask)·v for q [B, H, T, hd] over all keys and
 * values [B, kv_heads, L, hd]; query head h reads KV head ⌊h / (H/kv_heads)⌋ (HF's repeat_kv).
 * The heads sharing a KV head are stacked along the query axis, so keys are never repeated.
 * Returns [B·T, H·hd] (heads side by side, as o_proj reads them).
 */
export function attention(q: tf.Tensor4D, kv: LayerKV, mask: AttentionMask): tf.Tensor2D {
  const [b, h, t, hd] = q.shape, kvHeads = kv.k.shape[1], l = kv.k.shape[2];
  const rep = h / kvHeads;
  const qg = tf.reshape<tf.Rank.R3>(q, [b * kvHeads, rep * t, hd]);
  const k = tf.reshape<tf.Rank.R3>(kv.k, [b * kvHeads, l, hd]);
  const v = tf.reshape<tf.Rank.R3>(kv.v, [b * kvHeads, l, hd]);
  let s: tf.Tensor = tf.mul(gemm(qg, k, { transposeB: true }), 1 / Math.sqrt(hd));
  s = tf.add(tf.reshape(s, [b, h, t, l]), mask.causal);
  if (mask.keys) s = tf.add(s, mask.keys);
  const p = tf.reshape<tf.Rank.R3>(tf.softmax(s), [b * kvHeads, rep * t, l]);
  const y = tf.reshape(gemm(p, v), [b, h, t, hd]);
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [b * t, h * hd]);
}
