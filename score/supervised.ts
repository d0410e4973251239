/**
 * Supervised fine-tuning on transcripts: the base model's pretraining, STaR and Pair-SFT all use
 * this loop. Loss is next-token cross-entropy on the tokens of the chosen attempt segments.
 *
 * @module
 */
import type { AdamW, GPT, GradientComputer, SupervisedBatch } from "../model/mod.ts";
import type { Transcript } from "./transcript.ts";
import { createRng } from "../datasets/mod.ts";
import { epochSampler } from "./epochs.ts";

/** Options of {@link fitTranscripts}. */
export interface FitOptions {
  /** Optimizer steps to take. */
  steps: number;
  /** Transcripts per step. */
  batchSize: number;
  /** Which segments carry loss (1 = attempt 1, 2 = attempt 2). */
  segments: readonly number[];
  /** Seed of the batch order. */
  seed: number;
  /** Pad id of the tokenizer. */
  padId: number;
  /** Optional Worker pool for data-parallel gradients. */
  parallel?: GradientComputer;
  /** Called after every step with its statistics. */
  onStep?: (
    s: { step: number; loss: number; lr: number; gradNorm: number },
  ) => Promise<void> | void;
  /** Stops early when aborted. */
  signal?: AbortSignal;
}

/** Builds a padded supervised batch with loss on the given segments (mask aligned with targets). */
export function supervisedBatch(
  transcripts: readonly Transcript[],
  segments: readonly number[],
  padId: number,
): SupervisedBatch {
  const seqLen = Math.max(...transcripts.map((t) => t.tokens.length));
  const batch = transcripts.length;
  const tokens = new Int32Array(batch * seqLen).fill(padId);
  const mask = new Float32Array(batch * seqLen);
  const wanted = new Set(segments);
  transcripts.forEach((t, b) => {
    for (let i = 0; i < t.tokens.length; i++) {
      tokens[b * seqLen + i] = t.tokens[i];
      if (wanted.has(t.segments[i])) mask[b * seqLen + i] = 1;
    }
  });
  return { kind: "supervised", batch, seqLen, tokens, mask };
}

/**
 * Trains `model` on `transcripts` for `opts.steps` steps of shuffled minibatches (epochs wrap
 * around with a fresh shuffle). Returns the per-step losses.
 */
export async function fitTranscripts(
  model: GPT,
  optimizer: AdamW,
  transcripts: readonly Transcript[],
  opts: FitOptions,
): Promise<number[]> {
  const { trainStep } = await import("../model/mod.ts");
  if (transcripts.length === 0) throw new Error("fitTranscripts: no transcripts to train on");
  const next = epochSampler(transcripts, createRng(opts.seed));
  const losses: number[] = [];
  for (let step = 0; step < opts.steps; step++) {
    if (opts.signal?.aborted) throw new Error("aborted");
    const batch = supervisedBatch(next(opts.batchSize), opts.segments, opts.padId);
    const stats = await trainStep(model, optimizer, batch, { parallel: opts.parallel });
    losses.push(stats.loss);
    await opts.onStep?.({ step, loss: stats.loss, lr: stats.lr, gradNorm: stats.gradNorm });
  }
  return losses;
}
