/**
 * Training stages' `metrics.jsonl` lines as the report's training curves: reward and KL per
 * attempt, attempt 2's shaped reward, Δ, the changed-answer rate and the edit-distance ratio. The
 * report stage and the notebooks both use this mapping.
 */
import { z } from "zod";
import type { TrainingCurve } from "./schema.ts";

/** One line of a training stage's `metrics.jsonl`: a step plus numeric (or null) quantities. */
export const MetricsLine = z.object({ step: z.number().int().min(0) }).catchall(
  z.number().nullable(),
);
/** One line of a training stage's `metrics.jsonl`. */
export type MetricsLine = z.infer<typeof MetricsLine>;

const num = (v: number | null | undefined): number | undefined =>
  v === null || v === undefined || !Number.isFinite(v) ? undefined : v;

/**
 * A training stage's metrics as a TrainingCurve (reward1, reward2, shaped2, kl1, kl2, delta,
 * changedRate from the logged `changedAnswer`, editRatio). `stage` is the stage family (e.g.
 * "stage2", a phase of the `score` method).
 */
export function curveFromMetrics(
  stage: string,
  seed: number,
  lines: readonly MetricsLine[],
  method?: TrainingCurve["method"],
): TrainingCurve {
  return {
    stage,
    ...(method ? { method } : {}),
    seed,
    points: lines.map((l) => ({
      step: l.step,
      reward1: num(l.reward1),
      reward2: num(l.reward2),
      shaped2: num(l.shaped2),
      kl1: num(l.kl1),
      kl2: num(l.kl2),
      delta: num(l.delta),
      changedRate: num(l.changedAnswer),
      editRatio: num(l.editRatio),
    })),
  };
}

/** Whether a metrics log has the RL quantities a TrainingCurve plots (the base's log does not). */
export function hasRlMetrics(lines: readonly MetricsLine[]): boolean {
  return lines.some((l) => [l.reward1, l.reward2, l.kl1, l.kl2].some((v) => num(v) !== undefined));
}
