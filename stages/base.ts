/**
 * `base@s<N>`: trains the small character-level base model of seed N on two-attempt transcripts
 * from the noisy solver. Each method seed starts from its own base model (its own transcripts and
 * initialisation, seed `base.seed + N`), so the spread over seeds includes the base's variance. Both attempts of a transcript are drawn independently, so the model answers well but
 * not perfectly and learns no self-correction skill (the paper's starting point); attempt 2 may
 * also carry the family's second-guessing habit (`noise.secondGuess`), the paper's base models'
 * tendency to change answers when asked to revise, mostly for the worse.
 *
 * @module
 */
import { z } from "zod";
import { defineStage, type Stage } from "../pipeline/mod.ts";
import { BaseConfig, ExperimentConfig, ModelConfig, RuntimeParams } from "./config.ts";
import { problems } from "./problems.ts";
import { perSeed } from "./per_seed.ts";
import type { Transcript } from "../score/transcript.ts";

/** The base stage's params: its model and training settings, and the seed it draws from. */
export const BaseParams = RuntimeParams.extend({
  model: ModelConfig,
  base: BaseConfig.omit({ seed: true }),
  /** The base model's own seed: `base.seed` + the method seed N of `base@sN`. */
  seed: z.number().int(),
});

/**
 * The base model of method seed `seed` (`base@s<seed>`); one stage object per seed, so every
 * method of that seed and its evaluation share it.
 */
export const baseStage: (seed: number) => Stage<unknown> = perSeed((seed) => defineBase(seed));

function defineBase(methodSeed: number): Stage<unknown> {
  return defineStage({
    name: `base@s${methodSeed}`,
    module: import.meta.url,
    description: `base model of seed ${methodSeed}, trained on noisy two-attempt transcripts`,
    inputs: { problems },
    params: BaseParams,
    select: (c: ExperimentConfig) => {
      const { seed, ...rest } = c.base;
      return {
        backend: c.backend,
        workers: c.workers,
        model: c.model,
        base: rest,
        seed: seed + methodSeed,
      };
    },
    async run(ctx) {
      const { startTensorStage, withWorkerPool } = await import("../score/runtime.ts");
      const { readProblemSet } = await import("../score/io.ts");
      const { savePolicy } = await import("../score/policy.ts");
      const { noisyAttempt, taskRng } = await import("../score/task.ts");
      const { buildTextTranscript } = await import("../score/transcript.ts");
      const { fitTranscripts } = await import("../score/supervised.ts");
      const { AdamW, CharTokenizer, GPT } = await import("../model/mod.ts");
      const backend = await startTensorStage(ctx, ctx.params.backend);
      const { model: m, base: b, seed } = ctx.params;
      ctx.record({ seeds: [seed] });
      const set = await readProblemSet(ctx.input("problems"), { splits: ["train"] });
      const tok = new CharTokenizer(set.info.charset);
      const rng = taskRng(seed, "base/transcripts");
      const transcripts: Transcript[] = [];
      let correct = 0;
      let dropped = 0;
      // Slipped code attempts: only the sandbox could say whether the slip broke the program, and
      // nothing but this log line would use the answer, so they are counted, not run.
      let unknown = 0;
      for (const p of set.train) {
        for (let j = 0; j < b.transcriptsPerProblem; j++) {
          const a1 = noisyAttempt(set.info.verifier, p, rng, b.noise);
          const a2 = noisyAttempt(set.info.verifier, p, rng, b.noise, { revision: true });
          const t = buildTextTranscript(tok, p.question, a1.text, a2.text);
          if (t.tokens.length > m.ctxLen) {
            dropped++;
            continue;
          }
          for (const a of [a1, a2]) {
            if (a.correct === null) unknown++;
            else correct += Number(a.correct);
          }
          transcripts.push(t);
        }
      }
      if (dropped > 0) ctx.log(`dropped ${dropped} transcripts longer than ctxLen ${m.ctxLen}`);
      if (transcripts.length === 0) {
        throw new Error(
          `base: every transcript is longer than model.ctxLen=${m.ctxLen}; raise model.ctxLen`,
        );
      }
      const known = 2 * transcripts.length - unknown;
      ctx.log(
        `${transcripts.length} transcripts, ${(correct / known * 100).toFixed(1)}% ` +
          (unknown > 0
            ? `of the ${known} attempts with a known verdict correct (${unknown} slipped code ` +
              "attempts not run in the sandbox)"
            : "of attempts correct"),
      );
      const model = new GPT({
        vocabSize: tok.vocabSize,
        ctxLen: m.ctxLen,
        nLayer: m.nLayer,
        nHead: m.nHead,
        dModel: m.dModel,
        seed,
      });
      const opt = new AdamW({
        lr: b.lr,
        warmupSteps: b.warmupSteps,
        schedule: "cosine",
        totalSteps: b.steps,
        weightDecay: 0.01,
      });
      await withWorkerPool(
        model,
        { backend, workers: ctx.params.workers },
        (parallel) =>
          fitTranscripts(model, opt, transcripts, {
            parallel,
            steps: b.steps,
            batchSize: b.batchSize,
            segments: [1, 2],
            seed,
            padId: tok.special.pad,
            signal: ctx.signal,
            onStep: async (s) => {
              await ctx.metrics({ step: s.step, loss: s.loss, lr: s.lr, gradNorm: s.gradNorm });
              ctx.progress({ step: s.step + 1, total: b.steps, loss: s.loss });
            },
          }),
      );
      await savePolicy(ctx.outDir, model, tok, { stage: ctx.name, params: model.numParams() });
      model.dispose();
      opt.dispose();
    },
  });
}
