/**
 * Batched, KV-cached, seeded sampling. Prompts of different lengths are left-padded; each row
 * gets its own positions and a key mask, so a row's tokens are the same whatever its batch.
 */
import { tf } from "./tf.ts";
import type { GPT } from "./gpt.ts";
import type { KVCache } from "./kv_cache.ts";
import { HostDecoder } from "./host_decode.ts";
import { deriveSeed, Rng } from "./prng.ts";
import { checkWebGpuErrors } from "./backend.ts";

/** Sampling options. */
export interface SampleOptions {
  /** Upper bound on generated tokens per row (clamped so that no row passes ctxLen). */
  maxNewTokens: number;
  /** Softmax temperature; 0 means greedy (argmax, lowest id on ties). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = all). Default 0. */
  topK?: number;
  /** A row stops after emitting any of these ids (the stop token is included in its output). */
  stopTokens?: readonly number[];
  /** Seed; row r draws from its own stream deriveSeed(seed, rowOffset + r). Default 0. */
  seed?: number;
  /** Index of this batch's first row in a larger batch split into shards (see
   * `WorkerPool.sample`): a row's stream, and so its tokens, do not depend on the split.
   * Default 0. */
  rowOffset?: number;
  /** Token id used for left padding (never attended to). Default 0. */
  padId?: number;
  /** Use the KV cache (default true); false recomputes the full sequence each step (slow; tests). */
  useCache?: boolean;
  /** Run cached steps on the host, outside tfjs (host_decode.ts; the default where possible: the
   * wasm backend with relaxed SIMD); false runs them as tfjs ops. */
  hostDecode?: boolean;
}

/** Sampling output, one entry per prompt row. */
export interface SampleResult {
  /** Generated ids per row (stop token included when hit). */
  tokens: number[][];
  /** log π(token) under the model at temperature 1 (what RL objectives use). */
  logprobs: number[][];
  /** log of the probability the token was drawn with (after temperature/top-k; 0 when greedy). */
  samplingLogprobs: number[][];
  /** Whether each row ended on a stop token. */
  stopped: boolean[];
}

/** Host-side log-softmax in float64. */
function logSoftmax(logits: Float32Array, off: number, v: number, temp: number): Float64Array {
  const out = new Float64Array(v);
  let mx = -Infinity;
  for (let j = 0; j < v; j++) mx = Math.max(mx, logits[off + j] / temp);
  let s = 0;
  for (let j = 0; j < v; j++) s += Math.exp(logits[off + j] / temp - mx);
  const lse = mx + Math.log(s);
  for (let j = 0; j < v; j++) out[j] = logits[off + j] / temp - lse;
  return out;
}

/** Draws one id from a row of logits; returns [id, log-prob under the sampling distribution].
 * `lp1` is the row's log-softmax at temperature 1 (reused when that is the temperature). */
function drawToken(
  logits: Float32Array,
  off: number,
  v: number,
  temperature: number,
  topK: number,
  rng: Rng,
  lp1: Float64Array,
): [number, number] {
  if (temperature === 0) {
    let best = 0;
    for (let j = 1; j < v; j++) if (logits[off + j] > logits[off + best]) best = j;
    return [best, 0];
  }
  let lp = temperature === 1 ? lp1 : logSoftmax(logits, off, v, temperature);
  if (topK > 0 && topK < v) {
    const allowed = [...Array(v).keys()].sort((a, b) => lp[b] - lp[a] || a - b).slice(0, topK);
    let mx = -Infinity;
    for (const j of allowed) mx = Math.max(mx, lp[j]);
    let s = 0;
    for (const j of allowed) s += Math.exp(lp[j] - mx);
    const lse = mx + Math.log(s);
    const renorm = new Float64Array(v).fill(-Infinity);
    for (const j of allowed) renorm[j] = lp[j] - lse;
    lp = renorm; // a new array: lp1 stays the caller's temperature-1 log-softmax
  }
  const u = rng.uniform();
  let acc = 0;
  let last = -1;
  for (let j = 0; j < v; j++) {
    if (lp[j] === -Infinity) continue;
    last = j;
    acc += Math.exp(lp[j]);
    if (u < acc) return [j, lp[j]];
  }
  return [last, lp[last]];
}

/**
 * Samples continuations of a batch of prompts (arrays of ids). For the second attempt of
 * SCoRe, build `[...prompt, ...attempt1, selfCorrect]` and call again.
 */
export async function sample(
  model: GPT,
  prompts: readonly (readonly number[])[],
  opts: SampleOptions,
): Promise<SampleResult> {
  const b = prompts.length;
  const v = model.config.vocabSize;
  const temperature = opts.temperature ?? 1;
  const topK = opts.topK ?? 0;
  const stop = new Set(opts.stopTokens ?? []);
  const seed = opts.seed ?? 0;
  const pad = opts.padId ?? 0;
  if (b === 0) return { tokens: [], logprobs: [], samplingLogprobs: [], stopped: [] };
  if (!(temperature >= 0)) throw new Error(`sample: temperature must be ≥ 0, got ${temperature}`);
  const lens = prompts.map((p, i) => {
    if (p.length === 0) throw new Error(`sample: prompt ${i} is empty (start it with BOS)`);
    for (const id of p) {
      if (!Number.isInteger(id) || id < 0 || id >= v) {
        throw new Error(`sample: prompt ${i} has id ${id} outside the vocabulary 0..${v - 1}`);
      }
    }
    return p.length;
  });
  const width = Math.max(...lens);
  const ctx = model.config.ctxLen;
  if (width >= ctx) {
    throw new Error(`sample: a prompt has ${width} tokens, the model's ctxLen is ${ctx}`);
  }
  const maxNew = Math.min(opts.maxNewTokens, ctx - width);

  // Left-padded ids, per-row positions and key mask.
  const cols = width + maxNew;
  const ids = new Int32Array(b * cols).fill(pad);
  const posArr = new Int32Array(b * cols);
  const maskArr = new Float32Array(b * cols);
  for (let r = 0; r < b; r++) {
    const off = width - lens[r];
    for (let j = 0; j < cols; j++) {
      posArr[r * cols + j] = Math.max(0, j - off);
      if (j >= off) maskArr[r * cols + j] = 1;
      if (j >= off && j < width) ids[r * cols + j] = prompts[r][j - off];
    }
  }
  const slice2 = (a: Int32Array | Float32Array, upto: number) => {
    const out = a instanceof Int32Array ? new Int32Array(b * upto) : new Float32Array(b * upto);
    for (let r = 0; r < b; r++) out.set(a.subarray(r * cols, r * cols + upto), r * upto);
    return out;
  };

  const rowOffset = opts.rowOffset ?? 0;
  const rngs = prompts.map((_, r) => new Rng(deriveSeed(seed, rowOffset + r)));
  const out: SampleResult = {
    tokens: prompts.map(() => []),
    logprobs: prompts.map(() => []),
    samplingLogprobs: prompts.map(() => []),
    stopped: prompts.map(() => false),
  };
  const useCache = opts.useCache ?? true;
  let cache: KVCache | undefined;
  let decoder: HostDecoder | undefined;
  // The next step's logits: a tensor, or host values from the host decoder.
  let pending: tf.Tensor2D | Float32Array;
  {
    const idT = tf.tensor2d(slice2(ids, width), [b, width], "int32");
    const posT = tf.tensor2d(slice2(posArr, width), [b, width], "int32");
    const maskT = tf.tensor2d(slice2(maskArr, width), [b, width], "float32");
    if (useCache) {
      const r = await model.prefill(idT, posT, maskT, cols);
      pending = r.logits;
      cache = r.cache;
      if ((opts.hostDecode ?? true) && HostDecoder.available()) {
        decoder = new HostDecoder(model, cache);
      }
    } else pending = lastLogits(model, idT, posT, maskT);
    tf.dispose([idT, posT, maskT]);
  }
  try {
    for (let step = 0; step < maxNew; step++) {
      let logits: Float32Array;
      if (pending instanceof Float32Array) logits = pending;
      else {
        logits = (await pending.data()) as Float32Array;
        pending.dispose();
        checkWebGpuErrors("sampling");
      }
      const next = new Int32Array(b);
      let live = 0;
      for (let r = 0; r < b; r++) {
        if (out.stopped[r]) {
          next[r] = pad;
          continue;
        }
        const lp1 = logSoftmax(logits, r * v, v, 1);
        const [tok, slp] = drawToken(logits, r * v, v, temperature, topK, rngs[r], lp1);
        out.tokens[r].push(tok);
        out.logprobs[r].push(lp1[tok]);
        out.samplingLogprobs[r].push(slp);
        if (stop.has(tok)) out.stopped[r] = true;
        else live++;
        next[r] = tok;
        ids[r * cols + width + step] = tok;
      }
      if (live === 0 || step === maxNew - 1) break;
      const positions = Int32Array.from({ length: b }, (_, r) => lens[r] + step);
      if (decoder) pending = decoder.step(next, positions);
      else if (cache) {
        const idT = tf.tensor1d(next, "int32");
        const posT = tf.tensor1d(positions, "int32");
        pending = await model.step(idT, posT, cache);
        tf.dispose([idT, posT]);
      } else {
        const upto = width + step + 1;
        const idT = tf.tensor2d(slice2(ids, upto), [b, upto], "int32");
        const posT = tf.tensor2d(slice2(posArr, upto), [b, upto], "int32");
        const maskT = tf.tensor2d(slice2(maskArr, upto), [b, upto], "float32");
        pending = lastLogits(model, idT, posT, maskT);
        tf.dispose([idT, posT, maskT]);
      }
    }
  } finally {
    // The prefill's logits when no step ran, or the last step's after an error (a no-op when
    // already read and disposed).
    if (!(pending instanceof Float32Array)) pending.dispose();
    decoder?.dispose();
    cache?.dispose();
  }
  return out;
}

/** Logits of the last column [B,V] from a full (uncached) forward pass. */
function lastLogits(
  model: GPT,
  ids: tf.Tensor2D,
  pos: tf.Tensor2D,
  mask: tf.Tensor2D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, t] = ids.shape;
    const l = model.forward(ids, { positions: pos, keyMask: mask });
    return tf.reshape(tf.slice(l, [0, t - 1, 0], [b, 1, -1]), [b, -1]) as tf.Tensor2D;
  });
}
