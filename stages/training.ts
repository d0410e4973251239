/**
 * Factories for the training stages of every method: on-policy RL (SCoRe Stage I and II, naive
 * multi-turn RL, the RL ablations) and the supervised baselines (STaR, Pair-SFT, STaR in Stage II).
 * Each instance is one method and one seed, named `<method>@s<seed>`.
 *
 * @module
 */
import { z } from "zod";
import { defineStage, type Stage } from "../pipeline/mod.ts";
import { DecodingParams, decodingParams, ExperimentConfig, RlConfig, SftConfig } from "./config.ts";
import { ObjectiveSpec } from "../score/rewards.ts";
import { problems } from "./problems.ts";
import { baseStage } from "./base.ts";
import { rolloutsStage } from "./rollouts.ts";

type Config = z.infer<typeof ExperimentConfig>;
type Rl = z.infer<typeof RlConfig>;

/** The params every training instance reads: backend, Worker count, decoding, its seed. */
function runtimeParams(c: Config, seed: number) {
  return { ...decodingParams(c), seed };
}

/** Params of an RL stage: the objective and schedule it derives from the `rl` section. */
export const RlStageParams = DecodingParams.extend({
  seed: z.number().int(),
  /** The round of SCoRe's interleaved schedule (1 for every other RL stage). */
  round: z.number().int().min(1),
  objective: ObjectiveSpec,
  steps: z.number().int().min(1),
  lr: z.number().positive(),
  problemsPerStep: z.number().int().min(1),
  samplesPerProblem: z.number().int().min(1),
  temperature: z.number().positive(),
  /** Checkpoint selection every this many steps on the held-out slice (0 = keep the last). */
  selectEvery: z.number().int().min(0),
  /** Training problems held out of RL for selection (the end of the train split). */
  selectProblems: z.number().int().min(0),
});

/**
 * Splits the training problems into those RL samples from and the held-out slice (the last
 * `heldOut`) on which checkpoints are selected. The test split is never an argument here.
 */
export function rlSplit<T>(train: readonly T[], heldOut: number): { rl: T[]; selection: T[] } {
  if (heldOut <= 0) return { rl: [...train], selection: [] };
  if (heldOut >= train.length) {
    throw new Error(
      `rl.selectProblems=${heldOut} leaves no training problems for RL (the train split has ` +
        `${train.length}); lower rl.selectProblems or set rl.selectEvery: 0`,
    );
  }
  return { rl: train.slice(0, train.length - heldOut), selection: train.slice(-heldOut) };
}

/** How an RL method derives its objective and step count from the `rl` section. */
export interface RlMethod {
  /**
   * The stage family (the stage name before `@`): a method id for a one-stage method
   * (`naive_rl`, `abl_no_stage1`, …), or one of SCoRe's phases `stage1` / `stage2` — SCoRe's
   * method id is `score` (its row, `eval@score.sN`, its curves' `method`), never `stage2`.
   */
  family: string;
  objective: (rl: Rl) => ObjectiveSpec;
  steps: (rl: Rl) => number;
  /** Its learning rate (Stage I has its own; every other RL method reads `rl.lr`). */
  lr?: (rl: Rl) => number;
  description: string;
}

/**
 * An RL stage: starts from `init`'s checkpoint (base model `seed`, a Stage I or a Stage II model)
 * and trains against the frozen base model of its seed as reference. `round` ≥ 2 names a later
 * round of SCoRe's interleaved schedule (`stage1@s0.r2`).
 */
export function rlStage(
  m: RlMethod,
  seed: number,
  init: Stage<unknown>,
  round = 1,
): Stage<unknown> {
  return defineStage({
    name: `${m.family}@s${seed}${round > 1 ? `.r${round}` : ""}`,
    module: import.meta.url,
    description: m.description,
    inputs: { problems, base: baseStage(seed), init },
    params: RlStageParams,
    select: (c: Config) => {
      return {
        ...runtimeParams(c, seed),
        round,
        objective: m.objective(c.rl),
        steps: m.steps(c.rl),
        lr: m.lr ? m.lr(c.rl) : c.rl.lr,
        problemsPerStep: c.rl.problemsPerStep,
        samplesPerProblem: c.rl.samplesPerProblem,
        temperature: c.rl.temperature,
        selectEvery: c.rl.selectEvery,
        selectProblems: c.rl.selectEvery > 0 ? c.rl.selectProblems : 0,
      };
    },
    async run(ctx) {
      const { startTensorStage, withWorkerPool } = await import("../score/runtime.ts");
      const { readProblemSet } = await import("../score/io.ts");
      const { loadPolicy, savePolicy } = await import("../score/policy.ts");
      const { runRl } = await import("../score/rl.ts");
      const { verifierFor } = await import("../score/verify.ts");
      const { AdamW } = await import("../model/mod.ts");
      const p = ctx.params;
      const backend = await startTensorStage(ctx, p.backend);
      ctx.record({ seeds: [p.seed] });
      // Only the train split is read: checkpoint selection sees held-out training problems.
      const set = await readProblemSet(ctx.input("problems"), { splits: ["train"] });
      const split = rlSplit(set.train, p.selectProblems);
      const { model: policy, tok } = await loadPolicy(ctx.input("init"), { trainable: true });
      const { model: ref } = await loadPolicy(ctx.input("base"), { trainable: false });
      const opt = new AdamW({ lr: p.lr, warmupSteps: 0, clipNorm: 1 });
      const selection = await withWorkerPool(
        policy,
        { backend, workers: p.workers, ref },
        (parallel) =>
          runRl(policy, ref, opt, tok, split.rl, {
            parallel,
            sampler: parallel,
            objective: p.objective,
            steps: p.steps,
            problemsPerStep: p.problemsPerStep,
            samplesPerProblem: p.samplesPerProblem,
            temperature: p.temperature,
            maxAttemptTokens: p.decode.maxAttemptTokens,
            seed: p.seed,
            round: p.round,
            verifier: verifierFor(set.info),
            signal: ctx.signal,
            selection: p.selectEvery > 0
              ? { problems: split.selection, every: p.selectEvery }
              : undefined,
          }, async (s) => {
            await ctx.metrics({ ...s });
            ctx.progress({
              step: s.step + 1,
              total: p.steps,
              r1: s.reward1,
              r2: s.reward2 ?? undefined,
              kl1: s.kl1,
            });
          }),
      );
      if (selection) {
        await Deno.writeTextFile(
          `${ctx.outDir}/selection.json`,
          JSON.stringify(selection, null, 2) + "\n",
        );
        ctx.log(
          `kept the checkpoint after ${selection.chosenSteps} of ${p.steps} steps (held-out ` +
            `reward ${
              selection.candidates.find((c) => c.steps === selection.chosenSteps)!.reward
                .toFixed(3)
            } on ${selection.problems} training problems)`,
        );
      }
      await savePolicy(ctx.outDir, policy, tok, {
        stage: ctx.name,
        objective: p.objective,
        ...(selection ? { selectedAfterSteps: selection.chosenSteps } : {}),
      });
      policy.dispose();
      ref.dispose();
      opt.dispose();
    },
  });
}

/** Params of a supervised self-correction stage (STaR, Pair-SFT). */
export const SftStageParams = DecodingParams.extend({
  seed: z.number().int(),
  kind: z.enum(["star", "pair_sft"]),
  sft: SftConfig,
  rolloutSamples: z.number().int().min(1),
  rolloutProblems: z.number().int().min(0),
});

/**
 * A supervised stage. `star`: rounds of collect (temperature 1) → keep traces whose attempt 2 is
 * right → fine-tune on attempt 2; round 1 uses the `rollouts` stage when starting from the base
 * model. `pair_sft`: one pass over (wrong, correct) pairs built from the rollouts.
 */
export function sftStage(
  kind: "star" | "pair_sft",
  method: string,
  seed: number,
  init: Stage<unknown>,
): Stage<unknown> {
  const base = baseStage(seed);
  const fromBase = init === base;
  return defineStage({
    name: `${method}@s${seed}`,
    module: import.meta.url,
    description: kind === "star" ? "STaR (D+) collect-and-fine-tune" : "Pair-SFT",
    inputs: fromBase
      ? { problems, base, init, rollouts: rolloutsStage(seed) }
      : { problems, base, init },
    params: SftStageParams,
    select: (c: Config) => {
      return {
        ...runtimeParams(c, seed),
        kind,
        sft: c.sft,
        rolloutSamples: c.rollouts.samplesPerProblem,
        rolloutProblems: c.rollouts.problems,
      };
    },
    async run(ctx) {
      const { startTensorStage, withWorkerPool } = await import("../score/runtime.ts");
      const { readJsonl, readProblemSet } = await import("../score/io.ts");
      const { loadPolicy, savePolicy } = await import("../score/policy.ts");
      const { collectRollouts, RolloutRecord } = await import("../score/rollouts.ts");
      const { pairSftTraces, starTraces } = await import("../score/sft.ts");
      const { buildTextTranscript } = await import("../score/transcript.ts");
      const { fitTranscripts } = await import("../score/supervised.ts");
      const { samplingSeed, taskRng } = await import("../score/task.ts");
      const { verifierFor } = await import("../score/verify.ts");
      const { AdamW } = await import("../model/mod.ts");
      const p = ctx.params;
      const backend = await startTensorStage(ctx, p.backend);
      ctx.record({ seeds: [p.seed] });
      const set = await readProblemSet(ctx.input("problems"), { splits: ["train"] });
      const verifier = verifierFor(set.info);
      const { model, tok } = await loadPolicy(ctx.input("init"), { trainable: true });
      const chosen = p.rolloutProblems > 0 ? set.train.slice(0, p.rolloutProblems) : set.train;
      const given = fromBase
        ? await readJsonl(`${ctx.input("rollouts")}/rollouts.jsonl`, RolloutRecord)
        : null;
      const rounds = kind === "star" ? p.sft.starRounds : 1;
      let step = 0;
      // One Worker pool for every round: it ships the current weights with each step and each
      // sampling call, so the rollouts collected between rounds never see stale weights.
      await withWorkerPool(model, { backend, workers: p.workers }, async (parallel) => {
        for (let round = 0; round < rounds; round++) {
          const data = round === 0 && given ? given : await collectRollouts(model, tok, chosen, {
            samplesPerProblem: p.rolloutSamples,
            temperature: 1,
            maxAttemptTokens: p.decode.maxAttemptTokens,
            seed: samplingSeed.sftRound(p.seed, round),
            verifier,
            sampler: parallel,
          });
          const traces = kind === "star"
            ? starTraces(data)
            : pairSftTraces(data, taskRng(p.seed, "pair_sft/pairs"));
          const transcripts = traces
            .map((t) => buildTextTranscript(tok, t.question, t.attempt1, t.attempt2))
            .filter((t) => t.tokens.length <= model.config.ctxLen);
          ctx.log(`round ${round + 1}/${rounds}: ${transcripts.length} traces`);
          if (transcripts.length === 0) continue;
          const steps = kind === "star"
            ? p.sft.starSteps
            : Math.max(1, Math.ceil(transcripts.length * p.sft.pairEpochs / p.sft.batchSize));
          const opt = new AdamW({ lr: p.sft.lr, warmupSteps: 0 });
          await fitTranscripts(model, opt, transcripts, {
            parallel,
            steps,
            batchSize: p.sft.batchSize,
            segments: [2],
            seed: samplingSeed.sftRound(p.seed, round),
            padId: tok.special.pad,
            signal: ctx.signal,
            onStep: async (s) => {
              await ctx.metrics({ round, step: step++, loss: s.loss, traces: transcripts.length });
              ctx.progress({ step: s.step + 1, total: steps, round: round + 1, loss: s.loss });
            },
          });
          opt.dispose();
        }
      });
      await savePolicy(ctx.outDir, model, tok, { stage: ctx.name, kind });
      model.dispose();
    },
  });
}
