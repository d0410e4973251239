/**
 * `eval@<method>`: evaluates one checkpoint — greedy two-attempt decoding on the test split, the
 * self-correction metrics with bootstrap intervals, per-level breakdown and edit-distance
 * histogram, and (when asked) the samples of the inference-time scaling curve.
 *
 * @module
 */
import { z } from "zod";
import { defineStage, type Stage } from "../pipeline/mod.ts";
import { DecodingParams, decodingParams, EvaluateConfig, ExperimentConfig } from "./config.ts";
import { problems } from "./problems.ts";

/** The evaluate stage's params. */
export const EvaluateParams = DecodingParams.extend({
  evaluate: EvaluateConfig,
  /** Whether this checkpoint also gets the inference-time scaling curve. */
  scaling: z.boolean(),
  /** The method seed of the checkpoint, recorded in `evaluation.json`. */
  seed: z.number().int().min(0),
});

/**
 * The evaluation stage `eval@<id>` of `model` (any stage whose output has a `checkpoint/`). Its
 * seed is `opts.seed`, else the `N` of an id `<method>.sN`, else 0.
 */
export function evaluateStage(
  model: Stage<unknown>,
  opts: { id: string; scaling: boolean; seed?: number },
): Stage<unknown> {
  const id = opts.id;
  const seed = opts.seed ?? Number(/\.s(\d+)$/.exec(id)?.[1] ?? 0);
  return defineStage({
    name: `eval@${id}`,
    module: import.meta.url,
    description: `evaluation of ${model.name}`,
    inputs: { problems, model },
    params: EvaluateParams,
    select: (c: ExperimentConfig) => {
      return {
        ...decodingParams(c),
        evaluate: c.evaluate,
        scaling: opts.scaling,
        seed,
      };
    },
    async run(ctx) {
      const { startTensorStage, withWorkerPool } = await import("../score/runtime.ts");
      const { readProblemSet, writeJsonl } = await import("../score/io.ts");
      const { loadPolicy } = await import("../score/policy.ts");
      const { evaluateGreedy, scalingSamples } = await import("../score/evaluate.ts");
      // Leaf modules, not metrics/mod.ts: the seed aggregation is the report's alone.
      const { evaluateSeed } = await import("../metrics/evaluate.ts");
      const { scalingCurve } = await import("../metrics/scaling.ts");
      const { verifierFor } = await import("../score/verify.ts");
      const p = ctx.params;
      const backend = await startTensorStage(ctx, p.backend);
      const set = await readProblemSet(ctx.input("problems"));
      const { model, tok } = await loadPolicy(ctx.input("model"), { trainable: false });
      const verifier = verifierFor(set.info);
      // Sampling over the Worker pool (rows split, each keeps its stream: the same tokens).
      await withWorkerPool(model, { backend, workers: p.workers }, async (sampler) => {
        const records = await evaluateGreedy(model, tok, set.test, {
          maxAttemptTokens: p.decode.maxAttemptTokens,
          verifier,
          sampler,
        });
        await writeJsonl(`${ctx.outDir}/eval.jsonl`, records);
        const evaluation = evaluateSeed(p.seed, records, {
          bootstrap: { resamples: p.evaluate.bootstrap, seed: 0 },
        });
        await Deno.writeTextFile(
          `${ctx.outDir}/evaluation.json`,
          JSON.stringify(evaluation, null, 2) + "\n",
        );
        const m = evaluation.metrics;
        ctx.log(
          `t1 ${(m.accT1 * 100).toFixed(1)}%  t2 ${(m.accT2 * 100).toFixed(1)}%  ` +
            `Δ ${(m.delta * 100).toFixed(1)}`,
        );
        if (p.scaling) {
          const ks = p.evaluate.scalingK;
          const maxK = Math.max(...ks);
          const chosen = p.evaluate.scalingProblems > 0
            ? set.test.slice(0, p.evaluate.scalingProblems)
            : set.test;
          const samples = await scalingSamples(model, tok, chosen, {
            samples: 2 * maxK,
            temperature: p.evaluate.scalingTemperature,
            maxAttemptTokens: p.decode.maxAttemptTokens,
            verifier,
            sampler,
          });
          await writeJsonl(`${ctx.outDir}/scaling_samples.jsonl`, samples);
          const curve = scalingCurve(samples, {
            ks,
            bootstrap: { resamples: p.evaluate.bootstrap, seed: 0 },
          });
          await Deno.writeTextFile(
            `${ctx.outDir}/scaling.json`,
            JSON.stringify(curve, null, 2) + "\n",
          );
        }
      });
      model.dispose();
    },
  });
}
