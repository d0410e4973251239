/**
 * Evaluation of a checkpoint: greedy two-attempt decoding on the test split (the paper's metric
 * protocol), and the samples of the inference-time scaling curve.
 *
 * @module
 */
import type { GPT, TwoAttemptTokenizer } from "../model/mod.ts";
import type { Attempt, EvalRecord } from "../metrics/records.ts";
import type { ScalingRecord } from "../metrics/schemas.ts";
import { collectRollouts } from "./rollouts.ts";
import { generateAttempts, type Sampler, verifiedAttempts } from "./generate.ts";
import type { TaskProblem } from "./task.ts";
import { type Verifier, verifyBoth } from "./verify.ts";

/** Greedy attempt 1 and attempt 2 on each problem, verified. */
export async function evaluateGreedy(
  model: GPT,
  tok: TwoAttemptTokenizer,
  problems: readonly TaskProblem[],
  opts: { maxAttemptTokens: number; verifier: Verifier; sampler?: Sampler },
): Promise<EvalRecord[]> {
  const gen = await generateAttempts(model, tok, problems.map((p) => p.question), {
    temperature: 0,
    maxAttemptTokens: opts.maxAttemptTokens,
    seed: 0,
    secondAttempt: true,
    sampler: opts.sampler,
  });
  const verified = await verifiedAttempts(tok, opts.verifier, problems, gen);
  return problems.map((p, i) => evalRecord(p, verified[i]));
}

/** The evaluation record of a problem's two verified attempts. */
export function evalRecord(
  p: TaskProblem,
  attempts: { attempt1: Attempt; attempt2: Attempt },
): EvalRecord {
  return {
    problemId: p.id,
    level: p.level,
    family: p.family,
    gold: p.answer,
    ...attempts,
  };
}

/**
 * Verifies hand-written (or otherwise decoded) two-attempt texts of `problems` and returns their
 * evaluation records: what {@link evaluateGreedy} does after decoding, for transcripts that did
 * not come from a model.
 */
export async function evaluateTexts(
  problems: readonly TaskProblem[],
  texts: readonly { attempt1: string; attempt2: string }[],
  verifier: Verifier,
): Promise<EvalRecord[]> {
  const v = verifier;
  const [v1, v2] = await verifyBoth(
    v,
    problems,
    texts.map((t) => t.attempt1),
    texts.map((t) => t.attempt2),
  );
  return problems.map((p, i) =>
    evalRecord(p, {
      attempt1: { text: texts[i].attempt1, answer: v1[i].answer, correct: v1[i].correct },
      attempt2: { text: texts[i].attempt2, answer: v2[i].answer, correct: v2[i].correct },
    })
  );
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
    verifier: Verifier;
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
