/**
 * Per-attempt rewards and KL coefficients of the SCoRe objectives and their baselines.
 *
 * Every training method in the report is one {@link ObjectiveSpec}: which attempts carry a reward,
 * whether attempt 2 gets the shaping bonus `α·(r2 − r1)`, and the KL coefficient on each attempt.
 * Credit is per attempt with no discounting: attempt-1 tokens receive attempt 1's reward, attempt-2
 * tokens attempt 2's (SCORE.md, "The method").
 *
 * @module
 */
import { z } from "zod";
import type { TaskProblem } from "./task.ts";
import { type AttemptVerdict, type Verifier, verifyBoth } from "./verify.ts";

/** Which objective a multi-turn RL run optimises. */
export const ObjectiveKind = z.enum([
  /** SCoRe Stage I: reward on attempt 2 only; strong KL β2 pins attempt 1 to the reference. */
  "stage1",
  /** SCoRe Stage II: r1 + r2 (+ shaping α·(r2 − r1) on attempt 2), KL β1 on both attempts. */
  "stage2",
  /** Single-turn RL: only attempt 1 is sampled and rewarded (ablation "w/o multi-turn"). */
  "single_turn",
]);
/** The objective kinds, as a type. */
export type ObjectiveKind = z.infer<typeof ObjectiveKind>;

/** The numbers that define one objective. */
export const ObjectiveSpec = z.object({
  kind: ObjectiveKind,
  /** Shaping multiplier α; 0 disables the bonus (naive multi-turn RL, "w/o reward shaping"). */
  alpha: z.number().min(0),
  /** KL coefficient on attempts that are not pinned (β1). */
  beta1: z.number().min(0),
  /** KL coefficient pinning attempt 1 in Stage I (β2). */
  beta2: z.number().min(0),
}).strict();
/** The numbers that define one objective, as a type. */
export type ObjectiveSpec = z.infer<typeof ObjectiveSpec>;

/** Rewards assigned to the tokens of each attempt. `null` means the attempt carries no reward term. */
export interface AttemptRewards {
  attempt1: number | null;
  attempt2: number | null;
}

/**
 * The reward credited to each attempt's tokens, from the verifier's 0/1 scores `r1` and `r2`.
 *
 * Stage II with α = 10 gives attempt 2: wrong→right 11, right→wrong −10, right→right 1,
 * wrong→wrong 0.
 */
export function attemptRewards(spec: ObjectiveSpec, r1: number, r2: number | null): AttemptRewards {
  switch (spec.kind) {
    case "stage1":
      if (r2 === null) throw new Error("stage1 objective needs an attempt-2 reward");
      return { attempt1: null, attempt2: r2 };
    case "stage2":
      if (r2 === null) throw new Error("stage2 objective needs an attempt-2 reward");
      return { attempt1: r1, attempt2: r2 + spec.alpha * (r2 - r1) };
    case "single_turn":
      return { attempt1: r1, attempt2: null };
  }
}

/** The KL coefficient applied to each attempt's tokens. */
export function attemptKlCoefs(spec: ObjectiveSpec): { attempt1: number; attempt2: number } {
  switch (spec.kind) {
    case "stage1":
      return { attempt1: spec.beta2, attempt2: spec.beta1 };
    case "stage2":
    case "single_turn":
      return { attempt1: spec.beta1, attempt2: spec.beta1 };
  }
}

/**
 * REINFORCE leave-one-out (RLOO) advantages for the k samples of one problem: each sample's reward
 * minus the mean reward of the other k − 1 samples. With k = 1 there is no baseline and the
 * advantage is the reward itself.
 */
export function rlooAdvantages(rewards: readonly number[]): number[] {
  const k = rewards.length;
  if (k === 0) return [];
  if (k === 1) return [rewards[0]];
  const total = rewards.reduce((a, b) => a + b, 0);
  return rewards.map((r) => r - (total - r) / (k - 1));
}

/** Per-attempt advantages of a group of k samples of one problem (RLOO within each attempt). */
export interface GroupAdvantages {
  attempt1: (number | null)[];
  attempt2: (number | null)[];
}

/**
 * Per-attempt RLOO advantages for the k samples of one problem. Attempts without a reward term get
 * `null` (their tokens receive no policy-gradient term, only the KL penalty).
 */
export function groupAdvantages(
  spec: ObjectiveSpec,
  scores: readonly { r1: number; r2: number | null }[],
): GroupAdvantages {
  const rewards = scores.map((s) => attemptRewards(spec, s.r1, s.r2));
  const side = (pick: (r: AttemptRewards) => number | null): (number | null)[] => {
    const values = rewards.map(pick);
    if (values.every((v) => v === null)) return values;
    if (values.some((v) => v === null)) {
      throw new Error("mixed null and non-null rewards in a group");
    }
    return rlooAdvantages(values as number[]);
  };
  return { attempt1: side((r) => r.attempt1), attempt2: side((r) => r.attempt2) };
}

/**
 * The training reward by which an objective's checkpoints are compared (the paper keeps the
 * checkpoint with the best one): the verifier's 0/1 scores on the attempts the objective rewards,
 * without the shaping bonus — Stage I r2, Stage II (and naive RL) r1 + r2, single-turn r1.
 */
export function selectionReward(spec: ObjectiveSpec, r1: number, r2: number | null): number {
  switch (spec.kind) {
    case "stage1":
      if (r2 === null) throw new Error("stage1 selection needs an attempt-2 reward");
      return r2;
    case "stage2":
      if (r2 === null) throw new Error("stage2 selection needs an attempt-2 reward");
      return r1 + r2;
    case "single_turn":
      return r1;
  }
}

/** The verifier's verdicts on a batch of two-attempt samples, and their 0/1 scores. */
export interface AttemptScores {
  verdicts1: AttemptVerdict[];
  /** Absent when no attempt 2 was sampled (single-turn). */
  verdicts2?: AttemptVerdict[];
  /** Per sample: r1, and r2 (null without attempt 2): what {@link attemptRewards} takes. */
  scores: { r1: number; r2: number | null }[];
}

/**
 * Scores sample i's attempts (`text1[i]`, `text2[i]`) at `problems[i]` with the task's verifier
 * (score/verify.ts): the rewards of every RL objective start here, whatever the problem kind.
 * Integer and math attempts are checked synchronously; code attempts run in the sandbox.
 */
export async function attemptScores(
  verifier: Verifier,
  problems: readonly TaskProblem[],
  text1: readonly string[],
  text2?: readonly string[],
): Promise<AttemptScores> {
  const [verdicts1, verdicts2] = text2
    ? await verifyBoth(verifier, problems, text1, text2)
    : [await verifier.verifyAll(problems, text1), undefined];
  const scores = verdicts1.map((v, i) => ({
    r1: v.correct ? 1 : 0,
    r2: verdicts2 ? (verdicts2[i].correct ? 1 : 0) : null,
  }));
  return { verdicts1, verdicts2, scores };
}
