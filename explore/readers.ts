/**
 * Typed readers for the files stages write: training metrics (`metrics.jsonl`), evaluation records
 * (`eval.jsonl`, `evaluation.json`), scaling curves and samples, rollouts, problem splits and
 * `report.json`. The schemas are the producers' own (metrics/, report/, score/); every error names
 * the file and line.
 */
import { z } from "zod";
import {
  type EvalRecord,
  parseEvalRecordsJsonl,
  ScalingPoint,
  ScalingRecord,
  SeedEvaluation,
} from "../metrics/mod.ts";
import { parseReportJson, type ReportData } from "../report/mod.ts";
import { parseJsonl, type ProblemSet, readProblemSet, RolloutRecord } from "../score/mod.ts";

export { parseJsonl };
export type { ProblemSet, RolloutRecord } from "../score/mod.ts";

/**
 * One line of a training stage's `metrics.jsonl`: the step plus whatever that stage logs (RL:
 * reward1, reward2, kl1, kl2, delta, changedAnswer, editRatio, loss, …; base: loss, lr, gradNorm).
 */
export { MetricsLine } from "../report/mod.ts";
import { MetricsLine } from "../report/mod.ts";

/** Reads a text file; a missing file is an error that says which stage writes it. */
export async function readText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`${path}: not found; ${what}`);
    }
    throw e;
  }
}

import { parseJson } from "../metrics/parse.ts";

/** Parses a JSON document against a schema (the one helper in metrics/parse.ts). */
export { parseJson };

/** The files a stage output directory may hold, and which stages write them. */
export const STAGE_FILES = {
  metrics: { file: "metrics.jsonl", writtenBy: "training stages (base, RL stages)" },
  eval: { file: "eval.jsonl", writtenBy: "eval@<method>.s<seed> stages" },
  evaluation: { file: "evaluation.json", writtenBy: "eval@<method>.s<seed> stages" },
  scaling: { file: "scaling.json", writtenBy: "eval@base.s<seed> and eval@score.s<seed>" },
  scalingSamples: {
    file: "scaling_samples.jsonl",
    writtenBy: "eval@base.s<seed> and eval@score.s<seed>",
  },
  rollouts: { file: "rollouts.jsonl", writtenBy: "the rollouts stage" },
  problems: { file: "task.json", writtenBy: "the problems stage" },
  report: { file: "report.json", writtenBy: "the report stage" },
} as const;

/** Reads `metrics.jsonl` of a training stage output. */
export async function readMetrics(dir: string): Promise<MetricsLine[]> {
  const path = `${dir}/metrics.jsonl`;
  return parseJsonl(
    await readText(path, `metrics.jsonl is written by ${STAGE_FILES.metrics.writtenBy}`),
    MetricsLine,
    path,
  );
}

/** Reads `eval.jsonl` (one EvalRecord per test problem) of an evaluation stage output. */
export async function readEvalRecords(dir: string): Promise<EvalRecord[]> {
  const path = `${dir}/eval.jsonl`;
  return parseEvalRecordsJsonl(
    await readText(path, `eval.jsonl is written by ${STAGE_FILES.eval.writtenBy}`),
    path,
  );
}

/** Reads `evaluation.json` (metrics, bootstrap intervals, breakdowns) of an evaluation stage. */
export async function readEvaluation(dir: string): Promise<SeedEvaluation> {
  const path = `${dir}/evaluation.json`;
  return parseJson(
    await readText(path, `evaluation.json is written by ${STAGE_FILES.evaluation.writtenBy}`),
    SeedEvaluation,
    path,
  );
}

/** Reads `scaling.json` (the inference-time scaling curve) of an evaluation stage. */
export async function readScaling(dir: string): Promise<ScalingPoint[]> {
  const path = `${dir}/scaling.json`;
  return parseJson(
    await readText(path, `scaling.json is written by ${STAGE_FILES.scaling.writtenBy}`),
    z.array(ScalingPoint),
    path,
  );
}

/** Reads `scaling_samples.jsonl` (the samples behind the scaling curve). */
export async function readScalingSamples(dir: string): Promise<ScalingRecord[]> {
  const path = `${dir}/scaling_samples.jsonl`;
  return parseJsonl(
    await readText(
      path,
      `scaling_samples.jsonl is written by ${STAGE_FILES.scalingSamples.writtenBy}`,
    ),
    ScalingRecord,
    path,
  );
}

/** Reads `rollouts.jsonl` (two-attempt samples of the base model) of the rollouts stage. */
export async function readRollouts(dir: string): Promise<RolloutRecord[]> {
  const path = `${dir}/rollouts.jsonl`;
  return parseJsonl(
    await readText(path, `rollouts.jsonl is written by ${STAGE_FILES.rollouts.writtenBy}`),
    RolloutRecord,
    path,
  );
}

/** Reads the problems stage output: task.json and both splits. */
export async function readProblems(dir: string): Promise<ProblemSet> {
  await readText(`${dir}/task.json`, `task.json is written by ${STAGE_FILES.problems.writtenBy}`);
  return readProblemSet(dir);
}

/** Reads `report.json` back into ReportData (what report.md and report.html render). */
export async function readReport(dir: string): Promise<ReportData> {
  const path = `${dir}/report.json`;
  return parseReportJson(
    await readText(path, `report.json is written by ${STAGE_FILES.report.writtenBy}`),
    path,
  );
}
