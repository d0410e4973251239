/**
 * On-policy multi-turn REINFORCE with a leave-one-out baseline (RLOO) against a frozen reference:
 * the loop behind SCoRe's Stage I and Stage II, naive multi-turn RL and single-turn RL.
 *
 * Each step samples `samplesPerProblem` two-attempt traces (temperature 1) for a minibatch of
 * training problems, scores both attempts with the verifier, turns them into per-attempt rewards
 * ({@link attemptRewards}) and RLOO advantages within each problem's group, and takes one AdamW
 * step on `−A·log π + β·KL(π‖π_ref)` summed over the attempts' tokens (per-attempt credit, per-attempt
 * β).
 *
 * @module
 */
import type {
  AdamW,
  GPT,
  GradientComputer,
  PolicyGradientBatch,
  TwoAttemptTokenizer,
} from "../model/mod.ts";
import { editDistanceRatio } from "../metrics/levenshtein.ts";
import { transitionRates } from "../metrics/self_correction.ts";
import {
  attemptKlCoefs,
  attemptRewards,
  attemptScores,
  groupAdvantages,
  type ObjectiveSpec,
  selectionReward,
} from "./rewards.ts";
import { evaluateGreedy } from "./evaluate.ts";
import type { RlSelection, SelectionCandidate } from "./selection.ts";
import { generateAttempts, type Sampler } from "./generate.ts";
import { epochSampler } from "./epochs.ts";
import { buildTranscript, decodeAttempt, type Transcript } from "./transcript.ts";
import { samplingSeed, type TaskProblem, taskRng } from "./task.ts";
import type { Verifier } from "./verify.ts";

/** Settings of one RL run. */
export interface RlOptions {
  objective: ObjectiveSpec;
  steps: number;
  problemsPerStep: number;
  /** k: samples per problem (the RLOO group size). */
  samplesPerProblem: number;
  temperature: number;
  maxAttemptTokens: number;
  seed: number;
  /**
   * The round of SCoRe's interleaved schedule (default 1): a later round draws its problem order
   * and samples from streams of its own, so it does not repeat round 1's.
   */
  round?: number;
  /** The task's verifier (score/verify.ts), or its kind (code then gets default limits). */
  verifier: Verifier;
  parallel?: GradientComputer;
  /** Where the step's traces are sampled (e.g. the same Worker pool); this process by default. */
  sampler?: Sampler;
  signal?: AbortSignal;
  /**
   * Checkpoint selection: every `every` steps (and after the last) the policy is decoded greedily
   * on `problems` — a held-out slice of the training split, never the test split — and scored by
   * the objective's {@link selectionReward}; the best checkpoint is kept (the paper's rule).
   */
  selection?: { problems: readonly TaskProblem[]; every: number };
}

/** What one RL step reports (all rates over the step's samples). */
export interface RlStepMetrics {
  step: number;
  /** Mean verifier reward of attempt 1 and attempt 2 (0/1 each). */
  reward1: number;
  reward2: number | null;
  /** Mean shaped reward credited to attempt 2's tokens. */
  shaped2: number | null;
  /** Mean per-token KL to the reference on each attempt. */
  kl1: number;
  kl2: number | null;
  /** reward2 − reward1 and its parts. */
  delta: number | null;
  wrongToRight: number | null;
  rightToWrong: number | null;
  /** Fraction of samples whose attempt-2 answer differs from attempt 1's. */
  changedAnswer: number | null;
  /** Mean edit-distance ratio between the attempts' texts. */
  editRatio: number | null;
  /** Held-out selection reward of the checkpoint after this step, when it was scored. */
  heldOutReward: number | null;
  loss: number;
  gradNorm: number;
  lr: number;
}

/** The per-token arrays of a policy-gradient batch for a set of scored transcripts. */
export function policyGradientBatch(
  transcripts: readonly Transcript[],
  adv: readonly { a1: number | null; a2: number | null }[],
  kl: { attempt1: number; attempt2: number },
  padId: number,
): PolicyGradientBatch {
  const batch = transcripts.length;
  const seqLen = Math.max(...transcripts.map((t) => t.tokens.length));
  const tokens = new Int32Array(batch * seqLen).fill(padId);
  const mask = new Float32Array(batch * seqLen);
  const advantages = new Float32Array(batch * seqLen);
  const klCoef = new Float32Array(batch * seqLen);
  const segmentIds = new Int32Array(batch * seqLen);
  transcripts.forEach((t, b) => {
    for (let i = 0; i < t.tokens.length; i++) {
      const at = b * seqLen + i;
      tokens[at] = t.tokens[i];
      const seg = t.segments[i];
      if (seg === 0) continue;
      mask[at] = 1;
      segmentIds[at] = seg - 1;
      advantages[at] = (seg === 1 ? adv[b].a1 : adv[b].a2) ?? 0;
      klCoef[at] = seg === 1 ? kl.attempt1 : kl.attempt2;
    }
  });
  return { kind: "pg", batch, seqLen, tokens, mask, advantages, klCoef, segmentIds };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Scores the policy's greedy attempts on the held-out problems by the objective's reward. */
async function scoreCheckpoint(
  policy: GPT,
  tok: TwoAttemptTokenizer,
  opts: RlOptions,
  problems: readonly TaskProblem[],
  steps: number,
): Promise<SelectionCandidate> {
  const records = await evaluateGreedy(policy, tok, problems, {
    maxAttemptTokens: opts.maxAttemptTokens,
    verifier: opts.verifier,
    sampler: opts.sampler,
  });
  const multiTurn = opts.objective.kind !== "single_turn";
  const r1 = records.map((r) => (r.attempt1.correct ? 1 : 0));
  const r2 = records.map((r) => (r.attempt2.correct ? 1 : 0));
  return {
    steps,
    reward: mean(records.map((_, i) => selectionReward(opts.objective, r1[i], r2[i]))),
    accT1: mean(r1),
    accT2: multiTurn ? mean(r2) : null,
  };
}

/**
 * Runs `opts.steps` RL steps on `policy` (updated in place) against the frozen `ref`, calling
 * `onStep` with each step's metrics. With `opts.selection`, the policy ends with the weights of
 * the best held-out checkpoint, and the selection is returned; otherwise null (the last weights).
 */
export async function runRl(
  policy: GPT,
  ref: GPT,
  optimizer: AdamW,
  tok: TwoAttemptTokenizer,
  problems: readonly TaskProblem[],
  opts: RlOptions,
  onStep: (m: RlStepMetrics) => Promise<void> | void,
): Promise<RlSelection | null> {
  const { trainStep } = await import("../model/mod.ts");
  const multiTurn = opts.objective.kind !== "single_turn";
  const sel = opts.selection;
  if (sel && (sel.every < 1 || sel.problems.length === 0)) {
    throw new Error("runRl: selection needs every ≥ 1 and at least one held-out problem");
  }
  const verifier = opts.verifier;
  const candidates: SelectionCandidate[] = [];
  let best: { c: SelectionCandidate; weights: Map<string, Float32Array> } | null = null;
  const k = opts.samplesPerProblem;
  const round = opts.round ?? 1;
  const next = epochSampler(
    problems,
    taskRng(opts.seed, round > 1 ? `rl/order/r${round}` : "rl/order"),
  );
  for (let step = 0; step < opts.steps; step++) {
    if (opts.signal?.aborted) throw new Error("aborted");
    const chosen = next(opts.problemsPerStep);
    const rows = chosen.flatMap((p) => Array.from({ length: k }, () => p));
    const gen = await generateAttempts(policy, tok, rows.map((p) => p.question), {
      temperature: opts.temperature,
      maxAttemptTokens: opts.maxAttemptTokens,
      seed: samplingSeed.rlStep(opts.seed, step, round),
      secondAttempt: multiTurn,
      sampler: opts.sampler,
    });
    const text1 = gen.attempt1.map((ids) => decodeAttempt(tok, ids));
    const text2 = gen.attempt2?.map((ids) => decodeAttempt(tok, ids));
    const { verdicts1: v1, verdicts2: v2, scores } = await attemptScores(
      verifier,
      rows,
      text1,
      text2,
    );
    const adv: { a1: number | null; a2: number | null }[] = [];
    const shaped: number[] = [];
    for (let g = 0; g < chosen.length; g++) {
      const group = scores.slice(g * k, (g + 1) * k);
      const a = groupAdvantages(opts.objective, group);
      for (let j = 0; j < k; j++) adv.push({ a1: a.attempt1[j], a2: a.attempt2[j] });
      if (multiTurn) {
        for (const s of group) shaped.push(attemptRewards(opts.objective, s.r1, s.r2).attempt2!);
      }
    }
    const transcripts = rows.map((p, i) =>
      buildTranscript(tok, p.question, gen.attempt1[i], gen.attempt2?.[i])
    );
    const batch = policyGradientBatch(
      transcripts,
      adv,
      attemptKlCoefs(opts.objective),
      tok.special.pad,
    );
    // With a Worker pool the reference model lives in the workers (given at pool creation).
    const stats = await trainStep(
      policy,
      optimizer,
      batch,
      opts.parallel ? { parallel: opts.parallel } : { ref },
    );
    const rates = v2 ? transitionRates(v1.map((a, i) => ({ attempt1: a, attempt2: v2[i] }))) : null;
    let heldOutReward: number | null = null;
    if (sel && ((step + 1) % sel.every === 0 || step === opts.steps - 1)) {
      const c = await scoreCheckpoint(policy, tok, { ...opts, verifier }, sel.problems, step + 1);
      candidates.push(c);
      heldOutReward = c.reward;
      if (!best || c.reward > best.c.reward) best = { c, weights: await policy.getWeights() };
    }
    await onStep({
      step,
      reward1: mean(scores.map((s) => s.r1)),
      reward2: rates ? rates.accT2 : null,
      shaped2: multiTurn ? mean(shaped) : null,
      kl1: stats.klBySegment?.[0] ?? 0,
      kl2: multiTurn ? stats.klBySegment?.[1] ?? 0 : null,
      delta: rates ? rates.delta : null,
      wrongToRight: rates ? rates.wrongToRight : null,
      rightToWrong: rates ? rates.rightToWrong : null,
      changedAnswer: rates ? rates.changedAnswer : null,
      editRatio: text2 ? mean(text1.map((t, i) => editDistanceRatio(t, text2[i]))) : null,
      heldOutReward,
      loss: stats.loss,
      gradNorm: stats.gradNorm,
      lr: stats.lr,
    });
  }
  if (!sel || !best) return null;
  if (best.c.steps !== opts.steps) policy.setWeights(best.weights);
  return { problems: sel.problems.length, candidates, chosenSteps: best.c.steps };
}
