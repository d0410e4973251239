/**
 * Evaluation of a checkpoint: greedy two-attempt decoding on the test split (the paper's metric
 * protocol), and the samples of the inference-time scaling curve.
 *
 * @module
 */
import type { GPT, TwoAttemptTokenizer } from "../model/mod.ts";
import type { EvalRecord } from "../metrics/records.ts";
import type { ScalingRecord } from "../metrics/schemas.ts";
import { collectRollouts } from "./rollouts.ts";
import { generateAttempts, type Sampler, verifiedAttempts } from "./generate.ts";
import type { TaskProblem, VerifierKind } from "./task.ts";

/** Greedy attempt 1 and attempt 2 on each problem, verified. */
export async function evaluateGreedy(
  model: GPT,
  tok: TwoAttemptTokenizer,
  problems: readonly TaskProblem[],
  opts: { maxAttemptTokens: number; verifier: VerifierKind; sampler?: Sampler },
): Promise<EvalRecord[]> {
  const gen = await generateAttempts(model, tok, problems.map((p) => p.question), {
    temperature: 0,
    maxAttemptTokens: opts.maxAttemptTokens,
    seed: 0,
    secondAttempt: true,
    sampler: opts.sampler,
  });
  return problems.map((p, i) => ({
    problemId: p.id,
    level: p.level,
    family: p.family,
    gold: p.answer,
    ...verifiedAttempts(tok, opts.verifier, p, gen, i),
  }));
}

/** `samples` temperature samples per problem, each with its self-corrected second attempt. */
export async function scalingSamples(
  model: GPT,
  tok: TwoAttemptTokenizer,
  problems: readonly TaskProblem[],
  opts: {
    samples: number;
    temperature: number;
    maxAttemptTokens: number;
    verifier: VerifierKind;
    sampler?: Sampler;
  },
): Promise<ScalingRecord[]> {
  const rows = await collectRollouts(model, tok, problems, {
    samplesPerProblem: opts.samples,
    temperature: opts.temperature,
    maxAttemptTokens: opts.maxAttemptTokens,
    seed: 11,
    verifier: opts.verifier,
    sampler: opts.sampler,
  });
  return problems.map((p, i) => ({
    problemId: p.id,
    samples: rows.slice(i * opts.samples, (i + 1) * opts.samples).map((r) => ({
      attempt1: { answer: r.attempt1.answer, correct: r.attempt1.correct },
      attempt2: { answer: r.attempt2.answer, correct: r.attempt2.correct },
    })),
  }));
}
