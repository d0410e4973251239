/**
 * Two-attempt rollouts: `k` temperature samples per problem, both attempts verified. The data of
 * STaR and Pair-SFT, and a diagnostic of the base model's self-correction behaviour.
 *
 * @module
 */
import { z } from "zod";
import type { GPT, TwoAttemptTokenizer } from "../model/mod.ts";
import { Attempt } from "../metrics/records.ts";
import { generateAttempts, type Sampler, verifiedAttempts } from "./generate.ts";
import type { TaskProblem } from "./task.ts";
import type { Verifier } from "./verify.ts";

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
  verifier: Verifier;
  /** Where sampling runs (e.g. a Worker pool); this process by default. */
  sampler?: Sampler;
}

/** Samples and verifies `samplesPerProblem` two-attempt traces for each problem. */
export async function collectRollouts(
  model: GPT,
  tok: TwoAttemptTokenizer,
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
    sampler: opts.sampler,
  });
  const verified = await verifiedAttempts(tok, opts.verifier, rows.map((r) => r.p), gen);
  return rows.map(({ p, s }, i) => ({
    problemId: p.id,
    sample: s,
    question: p.question,
    ...verified[i],
  }));
}
