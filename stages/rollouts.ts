/**
 * `rollouts@s<N>`: two-attempt samples from base model N at temperature 1, several per training
 * problem, every attempt verified. STaR's first round and Pair-SFT of seed N train on them.
 *
 * @module
 */
import { defineStage, type Stage } from "../pipeline/mod.ts";
import { DecodingParams, RolloutsConfig } from "./config.ts";
import { problems } from "./problems.ts";
import { baseStage } from "./base.ts";
import { perSeed } from "./per_seed.ts";

/** The rollouts stage's params. */
export const RolloutsParams = DecodingParams.extend({
  rollouts: RolloutsConfig,
});

/** The rollouts of base model `seed` (`rollouts@s<seed>`); one stage object per seed. */
export const rolloutsStage: (seed: number) => Stage<unknown> = perSeed((seed) =>
  defineRollouts(seed)
);

function defineRollouts(seed: number): Stage<unknown> {
  return defineStage({
    name: `rollouts@s${seed}`,
    module: import.meta.url,
    description: `two-attempt samples from base model ${seed}`,
    inputs: { problems, base: baseStage(seed) },
    params: RolloutsParams,
    async run(ctx) {
      const { startTensorStage, withWorkerPool } = await import("../score/runtime.ts");
      const { readProblemSet, writeJsonl } = await import("../score/io.ts");
      const { loadPolicy } = await import("../score/policy.ts");
      const { collectRollouts } = await import("../score/rollouts.ts");
      const { samplingSeed } = await import("../score/task.ts");
      const { verifierFor } = await import("../score/verify.ts");
      const backend = await startTensorStage(ctx, ctx.params.backend);
      const { rollouts: r, decode } = ctx.params;
      const set = await readProblemSet(ctx.input("problems"), { splits: ["train"] });
      const { model, tok } = await loadPolicy(ctx.input("base"), { trainable: false });
      const chosen = r.problems > 0 ? set.train.slice(0, r.problems) : set.train;
      const records = await withWorkerPool(
        model,
        { backend, workers: ctx.params.workers },
        (sampler) =>
          collectRollouts(model, tok, chosen, {
            samplesPerProblem: r.samplesPerProblem,
            temperature: r.temperature,
            maxAttemptTokens: decode.maxAttemptTokens,
            seed: samplingSeed.rollouts(),
            verifier: verifierFor(set.info),
            sampler,
          }),
      );
      await writeJsonl(`${ctx.outDir}/rollouts.jsonl`, records);
      const { transitionRates } = await import("../metrics/self_correction.ts");
      const rates = transitionRates(records);
      const summary = {
        samples: records.length,
        accuracy1: rates.accT1,
        accuracy2: rates.accT2,
        wrongToRight: rates.wrongToRight,
        rightToWrong: rates.rightToWrong,
      };
      await Deno.writeTextFile(
        `${ctx.outDir}/summary.json`,
        JSON.stringify(summary, null, 2) + "\n",
      );
      ctx.log(
        `${records.length} samples: t1 ${(summary.accuracy1 * 100).toFixed(1)}%, ` +
          `t2 ${(summary.accuracy2 * 100).toFixed(1)}%`,
      );
      model.dispose();
    },
  });
}
