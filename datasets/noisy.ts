/**
 * The noisy solver: plausible worked solutions that are wrong at a level-dependent rate.
 *
 * With probability `slipRate(level)` one slip is injected (the family's candidate slips are tried
 * in a random order until one changes the final answer; if none does, the solution stays correct).
 * Later steps are computed from the slipped value, so a wrong attempt is self-consistent apart
 * from the one mistake. Attempts are independent: callers draw attempt 2 without looking at
 * attempt 1, as the base-model transcripts need. {@link secondGuessSolve} draws the revision
 * habit of attempt 2 (a step it had right changed), which the paper's base models show as a high
 * rate of changed answers that mostly break right ones.
 *
 * @module
 */
import { z } from "zod";
import type { Rng } from "./rng.ts";
import { FAMILIES, renderSolution } from "./families/registry.ts";
import { type Family, type Slip, slipTag } from "./families/types.ts";
import type { Problem } from "./problems.ts";

/** Zod schema of the noise configuration. */
export const NoiseConfigSchema = z.object({
  /** Slip probability at level 1. */
  base: z.number().min(0).max(1).default(0.15),
  /** Added per level above 1 (clamped to [0, 1]). */
  perLevel: z.number().min(-1).max(1).default(0.15),
  /** Optional explicit rate per level ("1": 0.1, ...), overriding base/perLevel for those levels. */
  byLevel: z.record(z.string(), z.number().min(0).max(1)).optional(),
  /** Probability of the family's systematic misconception, where the family has one and it applies. */
  systematic: z.number().min(0).max(1).default(0),
  /** Probability that a revision (attempt 2 of a base transcript) carries the family's
   * second-guessing habit, where the family has one and it applies; see {@link secondGuessSolve}. */
  secondGuess: z.number().min(0).max(1).default(0),
});

/** Noise configuration (all fields optional; defaults: 0.15 at level 1, +0.15 per level, no misconception). */
export type NoiseConfig = z.input<typeof NoiseConfigSchema>;

/** The probability of a slip at a level under a noise configuration. */
export function slipRate(level: number, noise: NoiseConfig = {}): number {
  const cfg = NoiseConfigSchema.parse(noise);
  const explicit = cfg.byLevel?.[String(level)];
  if (explicit !== undefined) return explicit;
  return Math.min(1, Math.max(0, cfg.base + cfg.perLevel * (level - 1)));
}

/** One noisy attempt: the worked solution text, whether its answer is right, and the slip tag. */
export interface NoisyAttempt {
  text: string;
  correct: boolean;
  slip?: string;
}

/** The problem's family and its parsed parameters; `caller` names the function in the error. */
// deno-lint-ignore no-explicit-any
function familyParams(problem: Problem, caller: string): { fam: Family<any>; params: unknown } {
  const fam = FAMILIES[problem.family];
  const params = fam.parse(problem.question);
  if (params === null) {
    throw new Error(
      `${caller}: problem ${problem.id}: "${problem.question}" is not a ${problem.family} question`,
    );
  }
  return { fam, params };
}

/** The worked solution with `slip`, as a wrong attempt; null when the slip leaves it right. */
// deno-lint-ignore no-explicit-any
function slipped(fam: Family<any>, params: unknown, slip: Slip, gold: bigint): NoisyAttempt | null {
  const w = fam.work(params, slip);
  if (w.answer === gold) return null;
  return { text: renderSolution(w.steps, w.answer, fam), correct: false, slip: slipTag(slip) };
}

/** Produces one worked solution for a problem, with a slip at the configured level-dependent rate. */
export function noisySolve(problem: Problem, rng: Rng, noise: NoiseConfig = {}): NoisyAttempt {
  const { fam, params } = familyParams(problem, "noisySolve");
  const gold = BigInt(problem.answer);
  const clean = () => {
    const w = fam.work(params);
    return { text: renderSolution(w.steps, w.answer, fam), correct: w.answer === gold };
  };
  const systematic = NoiseConfigSchema.parse(noise).systematic;
  const habit = systematic > 0 ? fam.misconception?.(params) ?? null : null;
  if (habit !== null && rng.bool(systematic)) {
    const a = slipped(fam, params, habit, gold);
    if (a) return a;
  }
  if (!rng.bool(slipRate(problem.level, noise))) return clean();
  for (const slip of fam.slips(params, rng)) {
    const a = slipped(fam, params, slip, gold);
    if (a) return a;
  }
  return clean();
}

/**
 * A revision with the family's second-guessing habit: with probability `noise.secondGuess`, and
 * where the family has the habit and it applies to this problem, the worked solution with that
 * slip (a wrong answer); otherwise null (draw the attempt with {@link noisySolve}).
 */
export function secondGuessSolve(
  problem: Problem,
  rng: Rng,
  noise: NoiseConfig = {},
): NoisyAttempt | null {
  const rate = NoiseConfigSchema.parse(noise).secondGuess;
  if (rate <= 0) return null;
  const { fam, params } = familyParams(problem, "secondGuessSolve");
  const habit = fam.secondGuess?.(params) ?? null;
  if (habit === null || !rng.bool(rate)) return null;
  return slipped(fam, params, habit, BigInt(problem.answer));
}
