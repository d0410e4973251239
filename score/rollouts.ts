/**
 * Two-attempt rollouts: `k` temperature samples per problem, both attempts verified. The data of
 * STaR and Pair-SFT, and a diagnostic of the base model's self-correction behaviour.
 *
 * @module
 */
import { z } from "zod";
import type { GPT, Tokenizer } from "../model/mod.ts";
import { Attempt } from "../metrics/mod.ts";
import { generateAttempts } from "./generate.ts";
import { type TaskProblem, type VerifierKind, verifyAttempt } from "./task.ts";

/** One sampled two-attempt trace of a problem. */
export const RolloutRecord = z.object({
  problemId: z.string(),
  sample: z.number().int().min(0),
  question: z.string(),
  attempt1: Attempt,
  attempt2: Attempt,
}).strict();
/** One sampled two-attempt trace of a problem. */
export type RolloutRecord = z.infer<typeof RolloutRecord>;

/** Options of {@link collectRollouts}. */
export interface RolloutOptions {
  samplesPerProblem: number;
  temperature: number;
  maxAttemptTokens: number;
  seed: number;
  verifier: VerifierKind;
}

/** Samples and verifies `samplesPerProblem` two-attempt traces for each problem. */
export async function collectRollouts(
  model: GPT,
  tok: Tokenizer,
  problems: readonly TaskProblem[],
  opts: RolloutOptions,
): Promise<RolloutRecord[]> {
  const rows = problems.flatMap((p) =>
    Array.from({ length: opts.samplesPerProblem }, (_, s) => ({ p, s }))
  );
  const gen = await generateAttempts(model, tok, rows.map((r) => r.p.question), {
    temperature: opts.temperature,
    maxAttemptTokens: opts.maxAttemptTokens,
    seed: opts.seed,
    secondAttempt: true,
  });
  return rows.map(({ p, s }, i) => {
    const t1 = tok.decode(gen.attempt1[i], { skipSpecial: true });
    const t2 = tok.decode(gen.attempt2![i], { skipSpecial: true });
    const v1 = verifyAttempt(opts.verifier, p, t1);
    const v2 = verifyAttempt(opts.verifier, p, t2);
    return {
      problemId: p.id,
      sample: s,
      question: p.question,
      attempt1: { text: t1, answer: v1.answer, correct: v1.correct },
      attempt2: { text: t2, answer: v2.answer, correct: v2.correct },
    };
  });
}
