/**
 * `report`: assembles every evaluation and training curve into `report.md`, a self-contained
 * `report.html` and `report.json`, with the paper's numbers beside ours and a verdict on each of
 * the five claims of SCORE.md.
 *
 * @module
 */
import { z } from "zod";
import { defineStage, type Stage } from "../pipeline/mod.ts";
import { ExperimentConfig } from "./config.ts";
import { problems } from "./problems.ts";

/** One evaluated checkpoint the report reads: its method row, seed and evaluation stage. */
export interface ReportEval {
  method: string;
  seed: number;
  stage: Stage<unknown>;
}

/** One training run whose metrics become a curve. */
export interface ReportCurve {
  method: string;
  seed: number;
  stage: Stage<unknown>;
}

/** The report stage's params. */
export const ReportParams = z.object({
  name: z.string(),
  backend: ExperimentConfig.shape.backend,
  seeds: ExperimentConfig.shape.seeds,
  bootstrap: z.number().int(),
  scalingTemperature: z.number(),
  /** The habits the base models' transcripts carried (their errors are attributed to them). */
  habits: z.object({ misconception: z.boolean(), secondGuess: z.boolean() }),
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** The report stage over the given evaluations and training runs. */
export function reportStage(evals: ReportEval[], curves: ReportCurve[]): Stage<unknown> {
  const inputs: Record<string, Stage<unknown>> = { problems };
  for (const e of [...evals, ...curves]) inputs[e.stage.name] = e.stage;
  return defineStage({
    name: "report",
    module: import.meta.url,
    description: "report.md, report.html and report.json",
    headline: "report.md",
    inputs,
    params: ReportParams,
    select: (c: ExperimentConfig) => {
      return {
        name: c.name,
        backend: c.backend,
        seeds: c.seeds,
        bootstrap: c.evaluate.bootstrap,
        scalingTemperature: c.evaluate.scalingTemperature,
        habits: {
          misconception: c.base.noise.systematic > 0,
          secondGuess: c.base.noise.secondGuess > 0,
        },
      };
    },
    async run(ctx) {
      const { readJson, readJsonl, readProblemSet } = await import("../score/io.ts");
      const { EvalRecord } = await import("../metrics/records.ts");
      const { ScalingPoint, ScalingRecord, SeedEvaluation } = await import(
        "../metrics/schemas.ts"
      );
      const { evaluateMethod } = await import("../metrics/method.ts");
      const {
        buildComparisons,
        curveFromMetrics,
        METHOD_IDS,
        methodIdOf,
        MetricsLine,
        renderAll,
      } = await import("../report/mod.ts");
      const p = ctx.params;
      const set = await readProblemSet(ctx.input("problems"));
      type Id = (typeof METHOD_IDS)[number];
      const records = new Map<
        string,
        {
          seed: number;
          records: z.infer<typeof EvalRecord>[];
          evaluation: z.infer<typeof SeedEvaluation>;
        }[]
      >();
      const scaling = [];
      for (const e of evals) {
        const dir = ctx.input(e.stage.name);
        const rows = await readJsonl(`${dir}/eval.jsonl`, EvalRecord);
        methodIdOf(e.method, `report input ${e.stage.name}`);
        const list = records.get(e.method) ?? [];
        // The seed's bundle as its evaluation stage computed it (not computed again here).
        const evaluation = await readJson(`${dir}/evaluation.json`, SeedEvaluation);
        list.push({ seed: e.seed, records: rows, evaluation });
        records.set(e.method, list);
        if (await exists(`${dir}/scaling.json`)) {
          const samples = await readJsonl(`${dir}/scaling_samples.jsonl`, ScalingRecord);
          scaling.push({
            method: methodIdOf(e.method, `report input ${e.stage.name}`),
            temperature: p.scalingTemperature,
            samplesPerProblem: samples[0].samples.length,
            problems: samples.length,
            points: await readJson(`${dir}/scaling.json`, z.array(ScalingPoint)),
          });
        }
      }
      const bootstrap = { resamples: p.bootstrap, seed: 0 };
      const methods = METHOD_IDS.filter((id) => records.has(id)).map((id) => ({
        id,
        evaluation: evaluateMethod(records.get(id)!, { bootstrap }),
      }));
      const byId: Partial<Record<Id, z.infer<typeof EvalRecord>[][]>> = {};
      for (const [id, runs] of records) byId[id as Id] = runs.map((r) => r.records);
      const { RlSelection } = await import("../score/selection.ts");
      const trainingCurves = [];
      for (const c of curves) {
        const lines = await readJsonl(`${ctx.input(c.stage.name)}/metrics.jsonl`, MetricsLine);
        // The stage without its seed: "stage2", or "stage1.r2" for a later round.
        const stage = c.stage.name.replace(/@s-?\d+/, "");
        const curve = curveFromMetrics(
          stage,
          c.seed,
          lines,
          methodIdOf(c.method, `report input ${c.stage.name}`),
        );
        const selectionFile = `${ctx.input(c.stage.name)}/selection.json`;
        if (await exists(selectionFile)) {
          const sel = await readJson(selectionFile, RlSelection);
          const kept = sel.candidates.find((k) => k.steps === sel.chosenSteps)!;
          curve.kept = { steps: sel.chosenSteps, heldOutReward: kept.reward };
        }
        trainingCurves.push(curve);
      }
      // The design analysis of an embedded experiment: every row's evaluated seeds.
      let design = undefined;
      if (set.info.source === "embedded") {
        const { designAnalysis } = await import("../report/design.ts");
        const { ProblemSchema } = await import("../datasets/problems.ts");
        const runs = [...records].flatMap(([method, list]) =>
          list.map((r) => ({ method, seed: r.seed, records: r.records }))
        );
        design = designAnalysis(set.test.map((p) => ProblemSchema.parse(p)), runs, {
          sourcesFor: ["base", "score"],
          habits: p.habits,
        });
      }
      const data = {
        design,
        meta: {
          title: "SCoRe reproduction",
          preset: p.name,
          seeds: p.seeds.methods,
          budget: `methods: ${p.seeds.methods.length} seeds; ablations: ` +
            `${p.seeds.ablations.length} seed(s)`,
          backend: p.backend,
          dataset: `${set.info.source} (${set.info.counts.train} train / ` +
            `${set.info.counts.test} test)`,
          testProblems: set.info.counts.test,
        },
        methods,
        curves: trainingCurves,
        scaling,
        comparisons: buildComparisons(byId, bootstrap),
      };
      const files = await renderAll(data, "report stage");
      for (const [name, text] of Object.entries(files)) {
        await Deno.writeTextFile(`${ctx.outDir}/${name}`, text);
      }
    },
  });
}
