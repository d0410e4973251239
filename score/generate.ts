/**
 * Two-attempt generation: attempt 1 from the question, then attempt 2 after the self-correction
 * instruction, batched through the KV-cached sampler.
 *
 * @module
 */
import type { GPT, sample, TwoAttemptTokenizer } from "../model/mod.ts";
import type { Attempt } from "../metrics/records.ts";
import { decodeAttempt, firstPrompt, secondPrompt, stripEnd } from "./transcript.ts";
import type { TaskProblem } from "./task.ts";
import { type AttemptVerdict, type Verifier, verifyBoth } from "./verify.ts";

/** Decoding settings of one generation call. */
export interface DecodeOptions {
  /** 0 = greedy. */
  temperature: number;
  /** Maximum tokens per attempt (including its `<attempt_end>`). */
  maxAttemptTokens: number;
  /** Seed of the sampler (row r of attempt a uses its own derived stream). */
  seed: number;
  /** Whether to generate attempt 2 (false for single-turn training). */
  secondAttempt: boolean;
  /** Rows per sampler call (bounds memory). */
  chunk?: number;
  /** Where sampling runs: a {@link Sampler} such as a `WorkerPool` (rows split over its
   * workers, same tokens), or in this process when absent. */
  sampler?: Sampler;
}

/** Something that samples like `sample` from model/: in this process or over Workers. */
export interface Sampler {
  sample: typeof sample;
}

/** Generated attempts for a list of questions, in order. */
export interface Generation {
  /** Attempt-1 ids (without `<attempt_end>`). */
  attempt1: number[][];
  /** Attempt-2 ids (without `<attempt_end>`), when generated. */
  attempt2?: number[][];
  /** Whether each attempt ended with `<attempt_end>` (false = ran out of tokens). */
  finished1: boolean[];
  finished2?: boolean[];
}

async function sampleChunked(
  model: GPT,
  tok: TwoAttemptTokenizer,
  prompts: number[][],
  opts: DecodeOptions,
  seed: number,
): Promise<{ ids: number[][]; finished: boolean[] }> {
  const sample = opts.sampler
    ? opts.sampler.sample.bind(opts.sampler)
    : (await import("../model/mod.ts")).sample;
  const chunk = opts.chunk ?? 256;
  const ids: number[][] = [];
  const finished: boolean[] = [];
  for (let start = 0; start < prompts.length; start += chunk) {
    const part = prompts.slice(start, start + chunk);
    const res = await sample(model, part, {
      maxNewTokens: opts.maxAttemptTokens,
      temperature: opts.temperature,
      stopTokens: [tok.special.attemptEnd],
      // One seed per chunk: the sampler derives each row's stream from (seed, row in chunk), so
      // every row of the whole call draws from its own stream.
      seed: (seed * 1000003 + start) >>> 0,
      padId: tok.special.pad,
    });
    for (let r = 0; r < part.length; r++) {
      ids.push(stripEnd(tok, res.tokens[r]));
      finished.push(res.stopped[r]);
    }
  }
  return { ids, finished };
}

/** Generates attempt 1 (and attempt 2 when asked) for each question. */
export async function generateAttempts(
  model: GPT,
  tok: TwoAttemptTokenizer,
  questions: readonly string[],
  opts: DecodeOptions,
): Promise<Generation> {
  const p1 = questions.map((q) => firstPrompt(tok, q));
  const a1 = await sampleChunked(model, tok, p1, opts, opts.seed * 2);
  if (!opts.secondAttempt) return { attempt1: a1.ids, finished1: a1.finished };
  const p2 = p1.map((p, i) => secondPrompt(tok, p, a1.ids[i]));
  const a2 = await sampleChunked(model, tok, p2, opts, opts.seed * 2 + 1);
  return {
    attempt1: a1.ids,
    attempt2: a2.ids,
    finished1: a1.finished,
    finished2: a2.finished,
  };
}

/**
 * Decodes and verifies both attempts of every generation row; row `i` was made for
 * `problems[i]`. Both attempts in one batch (verifyBoth).
 */
export async function verifiedAttempts(
  tok: TwoAttemptTokenizer,
  verifier: Verifier,
  problems: readonly TaskProblem[],
  gen: Generation,
): Promise<{ attempt1: Attempt; attempt2: Attempt }[]> {
  const v = verifier;
  const text1 = gen.attempt1.map((ids) => decodeAttempt(tok, ids));
  const text2 = gen.attempt2!.map((ids) => decodeAttempt(tok, ids));
  const [v1, v2] = await verifyBoth(v, problems, text1, text2);
  const attempt = (text: string, r: AttemptVerdict): Attempt => ({
    text,
    answer: r.answer,
    correct: r.correct,
  });
  return problems.map((_, i) => ({
    attempt1: attempt(text1[i], v1[i]),
    attempt2: attempt(text2[i], v2[i]),
  }));
}
