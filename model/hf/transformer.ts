/**
 * A Hugging Face causal language model run with tfjs in float32, read top to bottom like
 * nanoGPT's model.py: token (and, for GPT-2, position) embedding → the blocks → final norm →
 * head (tied or untied). The one block function of each architecture (llama.ts, gpt2.ts) serves
 * the full-sequence forward pass (scoring, causal mask) and the KV-cached path (a prompt's
 * prefill, then one token at a time); greedy decoding runs on the cache and stops at eos ids.
 *
 * ```ts
 * const model = await loadHfModel("path/to/Qwen3-0.6B");
 * const logits = model.forward([[1, 2, 3]]); // [1, 3, vocab]; dispose it
 * const tokens = await model.greedy([[1, 2, 3]], 20); // new ids per row, up to an eos id
 * model.dispose();
 * ```
 */
import { tf } from "../tf.ts";
import { type HfModelConfig, readHfConfig } from "./config.ts";
import { type HfParams, loadParams, paramTensors } from "./params.ts";
import { HfCheckpoint } from "./weights.ts";
import { attentionMask, type BlockContext, type LayerKV, ropeTables } from "./layers.ts";
import { llamaBlock, llamaEmbed, llamaHead } from "./llama.ts";
import { gpt2Block, gpt2Embed, gpt2Head } from "./gpt2.ts";
import {
  checkDeviceLimits,
  currentDeviceLimits,
  type DeviceLimits,
  plannedTensors,
} from "./device_limits.ts";

/**
 * The per-layer key/value cache of a batch: each layer's keys (after RoPE) and values
 * [B, kv_heads, L, head_dim], which columns hold real tokens, and each row's next position.
 * {@link HfModel.step} replaces the tensors as it appends a column.
 */
export class HfKVCache {
  /** One entry per layer. */
  layers: LayerKV[];
  /** [B][L]: 1 where a column holds a real token, 0 where it is left padding. */
  readonly keyMask: number[][];
  /** [B]: the position of each row's next token (its count of real tokens). */
  readonly nextPositions: number[];

  /** Wraps kept tensors (the cache owns them from here on). */
  constructor(layers: LayerKV[], keyMask: number[][], nextPositions: number[]) {
    this.layers = layers;
    this.keyMask = keyMask;
    this.nextPositions = nextPositions;
  }

  /** Batch rows. */
  get batch(): number {
    return this.keyMask.length;
  }

  /** Filled columns (L). */
  get length(): number {
    return this.keyMask[0]?.length ?? 0;
  }

  /** Frees the tensors. */
  dispose(): void {
    tf.dispose(this.layers.flatMap((l) => [l.k, l.v]));
    this.layers = [];
  }
}

/** Options of {@link HfModel.greedy}. */
export interface GreedyOptions {
  /** Ids that end a row (included in its output); default: the model's eos ids. */
  stopTokens?: number[];
}

/** A loaded model: config, parameters, and the passes over them. */
export class HfModel {
  /** The normalised architecture config. */
  readonly config: HfModelConfig;
  /** The parameters (tf tensors owned by the model). */
  readonly params: HfParams;
  /** The model directory it was loaded from (null: built in memory). */
  readonly sourceDir: string | null;

  /** Wraps a config and parameters (see {@link loadHfModel}). */
  constructor(config: HfModelConfig, params: HfParams, sourceDir: string | null = null) {
    this.config = config;
    this.params = params;
    this.sourceDir = sourceDir;
  }

  /** Vocabulary size (the logits' last dimension). */
  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** Token ids that end generation. */
  get eosTokenIds(): number[] {
    return this.config.eosTokenIds;
  }

  /** Frees the parameters. */
  dispose(): void {
    tf.dispose(paramTensors(this.params));
  }

  /** Full causal forward pass of ids [B][T] (rows of equal length, positions 0..T−1) → logits
   * [B, T, vocab] (the caller disposes them). */
  forward(ids: number[][]): tf.Tensor3D {
    const b = ids.length, t = ids[0]?.length ?? 0;
    if (b === 0 || t === 0 || ids.some((r) => r.length !== t)) {
      throw new Error(`forward: ids must be a non-empty [B][T] batch of equal-length rows`);
    }
    const positions = ids.map((r) => r.map((_, j) => j));
    const keyMask = ids.map((r) => r.map(() => 1));
    return tf.tidy(() => {
      const { logits } = this.#pass(ids, positions, keyMask, null, false);
      return tf.reshape(logits, [b, t, this.config.vocabSize]) as tf.Tensor3D;
    });
  }

  /**
   * Runs prompts [B][P_b] (left-padded to the longest; positions count real tokens only) and
   * returns the last position's logits [B, vocab] with a cache of every layer's keys and values.
   */
  prefill(prompts: number[][]): { logits: tf.Tensor2D; cache: HfKVCache } {
    if (prompts.length === 0 || prompts.some((p) => p.length === 0)) {
      throw new Error("prefill: every prompt needs at least one token");
    }
    const width = Math.max(...prompts.map((p) => p.length));
    const ids = prompts.map((p) => [...new Array(width - p.length).fill(0), ...p]);
    const keyMask = prompts.map((p) => ids[0].map((_, j) => (j < width - p.length ? 0 : 1)));
    const positions = prompts.map((p) => ids[0].map((_, j) => Math.max(0, j - (width - p.length))));
    const kept: LayerKV[] = [];
    const logits = tf.tidy(() => {
      const r = this.#pass(ids, positions, keyMask, null, true);
      for (const kv of r.kv) kept.push({ k: tf.keep(kv.k), v: tf.keep(kv.v) });
      return r.logits;
    });
    return { logits, cache: new HfKVCache(kept, keyMask, prompts.map((p) => p.length)) };
  }

  /** One cached step: token ids [B] (one per row) → logits [B, vocab]; appends the step's keys
   * and values to the cache. */
  step(tokens: number[], cache: HfKVCache): tf.Tensor2D {
    if (tokens.length !== cache.batch) {
      throw new Error(`step: ${tokens.length} tokens for a cache of ${cache.batch} rows`);
    }
    const positions = cache.nextPositions.map((p) => [p]);
    const keyMask = cache.keyMask.map((m) => [...m, 1]);
    const kept: LayerKV[] = [];
    const logits = tf.tidy(() => {
      const r = this.#pass(tokens.map((t) => [t]), positions, keyMask, cache, true);
      for (const kv of r.kv) kept.push({ k: tf.keep(kv.k), v: tf.keep(kv.v) });
      return r.logits;
    });
    cache.dispose();
    cache.layers = kept;
    cache.keyMask.forEach((m) => m.push(1));
    cache.nextPositions.forEach((p, i) => (cache.nextPositions[i] = p + 1));
    return logits;
  }

  /**
   * Greedy decoding of prompts [B][P_b] on the KV cache: up to `maxNewTokens` new ids per row,
   * a row ending at its first stop token (included).
   */
  async greedy(
    prompts: number[][],
    maxNewTokens: number,
    opts: GreedyOptions = {},
  ): Promise<number[][]> {
    const stop = new Set(opts.stopTokens ?? this.config.eosTokenIds);
    const out: number[][] = prompts.map(() => []);
    if (maxNewTokens <= 0) return out;
    this.#checkLength(Math.max(...prompts.map((p) => p.length)) + maxNewTokens - 1);
    const done = prompts.map(() => false);
    let { logits, cache } = this.prefill(prompts);
    try {
      for (let n = 0;; n++) {
        const next = argmaxRows((await logits.data()) as Float32Array, this.config.vocabSize);
        logits.dispose();
        next.forEach((tok, r) => {
          if (done[r]) return;
          out[r].push(tok);
          if (stop.has(tok)) done[r] = true;
        });
        if (n + 1 >= maxNewTokens || done.every(Boolean)) break;
        logits = this.step(next, cache);
      }
    } finally {
      cache.dispose();
    }
    return out;
  }

  /** Refuses sequences the model cannot position (GPT-2's learned table, Mistral's window). */
  #checkLength(length: number): void {
    const c = this.config;
    if (c.family === "gpt2" && length > c.maxPositions) {
      throw new Error(
        `${c.architecture}: ${length} positions exceed n_positions ${c.maxPositions}`,
      );
    }
    if (c.slidingWindow !== null && length > c.slidingWindow) {
      throw new Error(
        `${c.architecture}: ${length} positions exceed sliding_window ${c.slidingWindow}; ` +
          `sliding-window attention is not implemented`,
      );
    }
  }

  /**
   * The model proper, for T new positions of B rows after the cache's columns (if any):
   * embedding → blocks → final norm → head. `keyMask` [B][L+T] covers cached and new columns.
   * Returns logits [B·T, vocab] (or [B, vocab] of the last position when `lastOnly`) and every
   * layer's keys and values with the new positions appended. Call inside tf.tidy.
   */
  #pass(
    ids: number[][],
    positions: number[][],
    keyMask: number[][],
    past: HfKVCache | null,
    lastOnly: boolean,
  ): { logits: tf.Tensor2D; kv: LayerKV[] } {
    const c = this.config, p = this.params;
    const b = ids.length, t = ids[0].length;
    this.#checkLength(Math.max(...positions.map((r) => r[r.length - 1])) + 1);
    const bad = ids.flat().find((id) => !Number.isInteger(id) || id < 0 || id >= c.vocabSize);
    if (bad !== undefined) {
      throw new Error(
        `${c.architecture}: token id ${bad} is outside the vocabulary [0, ${c.vocabSize})`,
      );
    }
    const flatIds = tf.tensor1d(ids.flat(), "int32");
    const ctx: BlockContext = {
      batch: b,
      steps: t,
      mask: attentionMask(keyMask, t),
      rope: c.rope ? ropeTables(c, positions) : null,
    };
    const kv: LayerKV[] = [];
    let x = p.kind === "llama"
      ? llamaEmbed(p, flatIds)
      : gpt2Embed(p, flatIds, tf.tensor1d(positions.flat(), "int32"));
    for (let i = 0; i < p.blocks.length; i++) {
      const layerPast = past?.layers[i] ?? null;
      const r = p.kind === "llama"
        ? llamaBlock(p.blocks[i], c, x, ctx, layerPast)
        : gpt2Block(p.blocks[i], c, x, ctx, layerPast);
      x = r.x;
      kv.push(r.kv);
    }
    if (lastOnly && t > 1) {
      x = tf.reshape(tf.slice(tf.reshape(x, [b, t, -1]), [0, t - 1, 0], [b, 1, -1]), [b, -1]);
    }
    const logits = p.kind === "llama" ? llamaHead(p, c, x) : gpt2Head(p, c, x);
    return { logits, kv };
  }
}

/** Index of the largest of the `width` values at `off` (the first on ties). */
export function argmaxRow(values: Float32Array, off: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (values[off + j] > values[off + best]) best = j;
  return best;
}

/** Index of the largest value of each row of `rows` × `width` values (the first on ties). */
export function argmaxRows(values: Float32Array, width: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < values.length; o += width) out.push(argmaxRow(values, o, width));
  return out;
}

/** Options of {@link loadHfModel}. */
export interface HfLoadOptions {
  /** The device's limits (default: the WebGPU device's on webgpu, none on cpu and wasm). When
   * set, the weights are checked against them before loading (device_limits.ts), and embedding
   * and head matrices above the binding limit are stored as row chunks (row_chunks.ts). */
  limits?: DeviceLimits | null;
  /** Store embedding and head matrices above this many float32 bytes as row chunks (default: the
   * limits' binding size; tests set it small to exercise chunking on cpu and wasm). */
  maxChunkBytes?: number;
}

/** Loads a Hugging Face model directory (config.json, optional generation_config.json, and
 * model.safetensors or a sharded index) onto the current tfjs backend. */
export async function loadHfModel(dir: string, opts: HfLoadOptions = {}): Promise<HfModel> {
  const config = await readHfConfig(dir);
  const ckpt = await HfCheckpoint.open(dir);
  try {
    const limits = opts.limits !== undefined ? opts.limits : await currentDeviceLimits();
    if (limits) {
      const prefix = ckpt.gpt2Prefix();
      checkDeviceLimits(plannedTensors(config, prefix), limits, dir);
    }
    const maxChunkBytes = Math.min(
      opts.maxChunkBytes ?? Infinity,
      limits?.maxBindingBytes ?? Infinity,
      limits?.maxBufferBytes ?? Infinity,
    );
    return new HfModel(config, loadParams(config, ckpt, { maxChunkBytes }), dir);
  } finally {
    ckpt.close();
  }
}
