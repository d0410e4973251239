/**
 * Seeded sampling from a Hugging Face model on its KV cache: a prefill of the (left-padded)
 * prompts, then one cached step per new token. Temperature 0 is greedy (argmax, the lowest id on
 * ties); otherwise each row draws from softmax(logits / T) with its own stream of model/prng.ts,
 * Rng(deriveSeed(seed, row)), so a row's tokens depend only on the seed, its index and its prompt.
 * A row ends at its first stop token (included; default: the model's eos ids) or after
 * `maxNewTokens`. Every generated token also gets its log-probability under the model's unscaled
 * distribution, log_softmax(logits) of the float32 logits (computed in float64 on the host),
 * whatever the temperature.
 *
 * ```ts
 * const model = await loadHfModel(dir);
 * const r = await generate(model, [ids], { maxNewTokens: 32, temperature: 0.7, seed: 1 });
 * r.tokens[0]; r.logprobs[0]; r.stopped[0];
 * ```
 */
import { deriveSeed, Rng } from "../prng.ts";
import { checkWebGpuErrors } from "../backend.ts";
import { argmaxRow, type HfModel } from "./transformer.ts";

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Most new tokens per row. */
  maxNewTokens: number;
  /** Softmax temperature; 0 is greedy. Default 1. */
  temperature?: number;
  /** Seed of the rows' random streams. Default 0. */
  seed?: number;
  /** Ids that end a row (included in its output); default: the model's eos ids. */
  stopTokens?: readonly number[];
}

/** What {@link generate} returns, one entry per prompt. */
export interface GenerateResult {
  /** Generated ids (a stop token included when hit). */
  tokens: number[][];
  /** log p(token) under log_softmax of the raw logits (temperature 1), one per token. */
  logprobs: number[][];
  /** Whether the row ended on a stop token. */
  stopped: boolean[];
}

/** log Σ exp of one row of `v` logits at `off` (max-shifted, accumulated in float64): a token's
 * log-probability under the unscaled distribution is its logit minus this. */
export function logSumExpRow(logits: Float32Array, off: number, v: number): number {
  let mx = -Infinity;
  for (let j = 0; j < v; j++) if (logits[off + j] > mx) mx = logits[off + j];
  let s = 0;
  for (let j = 0; j < v; j++) s += Math.exp(logits[off + j] - mx);
  return mx + Math.log(s);
}

/** Draws an id from softmax(logits / temperature) of one row (greedy at 0) with `rng`. */
export function drawToken(
  logits: Float32Array,
  off: number,
  v: number,
  temperature: number,
  rng: Rng,
): number {
  if (temperature === 0) return argmaxRow(logits, off, v);
  let mx = -Infinity;
  for (let j = 0; j < v; j++) mx = Math.max(mx, logits[off + j] / temperature);
  const w = new Float64Array(v);
  let total = 0;
  for (let j = 0; j < v; j++) total += w[j] = Math.exp(logits[off + j] / temperature - mx);
  const u = rng.uniform() * total;
  let acc = 0;
  let last = 0;
  for (let j = 0; j < v; j++) {
    if (w[j] === 0) continue;
    last = j;
    acc += w[j];
    if (u < acc) return j;
  }
  return last; // u landed on the rounding gap at the end of the cumulative sum
}

/** Samples continuations of prompts [B][P_b] (ids, each non-empty) on the model's KV cache. */
export async function generate(
  model: HfModel,
  prompts: readonly (readonly number[])[],
  opts: GenerateOptions,
): Promise<GenerateResult> {
  const temperature = opts.temperature ?? 1;
  const seed = opts.seed ?? 0;
  const maxNew = opts.maxNewTokens;
  if (!Number.isFinite(temperature) || temperature < 0) {
    throw new Error(`generate: temperature must be a finite number ≥ 0, got ${temperature}`);
  }
  if (!Number.isInteger(maxNew) || maxNew < 0) {
    throw new Error(`generate: maxNewTokens must be an integer ≥ 0, got ${maxNew}`);
  }
  const stop = new Set(opts.stopTokens ?? model.eosTokenIds);
  const b = prompts.length, v = model.vocabSize;
  const out: GenerateResult = {
    tokens: prompts.map(() => []),
    logprobs: prompts.map(() => []),
    stopped: prompts.map(() => false),
  };
  if (b === 0 || maxNew === 0) return out;
  const c = model.config, longest = Math.max(...prompts.map((p) => p.length)) + maxNew - 1;
  const window = c.family === "gpt2" ? c.maxPositions : c.slidingWindow;
  if (window !== null && longest > window) {
    throw new Error(
      `generate: a prompt of ${longest - maxNew + 1} tokens plus ${maxNew} new ones needs ` +
        `${longest} positions, above ${c.architecture}'s ` +
        `${c.family === "gpt2" ? "n_positions" : "sliding_window"} ${window}: ` +
        `shorten the prompt or ask for fewer new tokens`,
    );
  }
  const rngs = prompts.map((_, r) => new Rng(deriveSeed(seed, r)));
  let { logits, cache } = model.prefill(prompts.map((p) => [...p]));
  try {
    for (let n = 0;; n++) {
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      checkWebGpuErrors("generate");
      const next: number[] = [];
      for (let r = 0; r < b; r++) {
        if (out.stopped[r]) {
          next.push(0); // a finished row keeps stepping with a dummy id; its output is closed
          continue;
        }
        const tok = drawToken(values, r * v, v, temperature, rngs[r]);
        out.tokens[r].push(tok);
        out.logprobs[r].push(values[r * v + tok] - logSumExpRow(values, r * v, v));
        if (stop.has(tok)) out.stopped[r] = true;
        next.push(tok);
      }
      if (n + 1 >= maxNew || out.stopped.every(Boolean)) break;
      logits = model.step(next, cache);
    }
  } finally {
    cache.dispose();
  }
  return out;
}
