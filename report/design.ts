/**
 * The design analysis of an embedded experiment, computed from the evaluation records: where each
 * row's wrong answers come from (the family slip that reproduces them, or none: the model's own),
 * and — for an answer-first family with a column check (`chk`) — how often the check written
 * after a committed answer tells the truth, and the oracle that acts on it: the best second
 * attempt the transcript format allows given attempt 1 as written (keep the answer when the
 * verdict is `ok`, the right answer when it is `no`), so a reader sees the room for Δ > 0.
 *
 * @module
 */
import { z } from "zod";
import { ERROR_SOURCES, errorSource, type Habits, readCheck } from "../datasets/error_sources.ts";
import type { Problem } from "../datasets/problems.ts";
import type { EvalRecord } from "../metrics/records.ts";

const count = z.number().int().min(0);
const frac = z.number().min(0).max(1);

/** Wrong answers of one seed's attempt, by source (see datasets/error_sources.ts). */
export const ErrorSourceRow = z.object({
  method: z.string(),
  seed: z.number().int(),
  attempt: z.union([z.literal(1), z.literal(2)]),
  /** wrong answers of this attempt */
  wrong: count,
  /** wrong answers by source; the sources sum to `wrong` */
  sources: z.record(z.string(), count),
});
/** Wrong answers of one seed's attempt, by source. */
export type ErrorSourceRow = z.infer<typeof ErrorSourceRow>;

/** What attempt 1's own check says, for one seed of one row (fractions of all problems). */
export const CheckRow = z.object({
  method: z.string(),
  seed: z.number().int(),
  problems: count,
  /** Acc@t1 */
  accT1: frac,
  /** attempts whose check lines and verdict are exactly the true check of their answer */
  truthful: frac,
  /** wrong at t1 with the verdict `no`: errors the check reports */
  flaggedWrong: frac,
  /** wrong at t1 with the verdict `ok` (or none): errors the check hides */
  hiddenWrong: frac,
  /** right at t1 with the verdict `no`: false alarms */
  falseAlarm: frac,
  /** the verdict-following oracle's Acc@t2: Acc@t1 + flaggedWrong */
  oracleT2: frac,
});
/** What attempt 1's own check says, for one seed of one row. */
export type CheckRow = z.infer<typeof CheckRow>;

/** The design analysis (see the module doc). */
export const DesignAnalysis = z.object({
  errorSources: z.array(ErrorSourceRow),
  checks: z.array(CheckRow),
});
/** The design analysis. */
export type DesignAnalysis = z.infer<typeof DesignAnalysis>;

/** One evaluated seed of a row, as the analysis reads it. */
export interface AnalysedRun {
  method: string;
  seed: number;
  records: readonly EvalRecord[];
}

/**
 * The analysis of the given runs against the test problems they were evaluated on. Error sources
 * are tallied for the runs of `sourcesFor` (the base model by default), attributing to a habit
 * only what the base's transcripts carried (`habits`); the check rows for every run whose problems
 * are all of an answer-first family with a check (none otherwise).
 */
export function designAnalysis(
  test: readonly Problem[],
  runs: readonly AnalysedRun[],
  opts: { habits: Habits; sourcesFor?: readonly string[] },
): DesignAnalysis {
  const byId = new Map(test.map((p) => [p.id, p]));
  const problemOf = (r: EvalRecord): Problem => {
    const p = byId.get(r.problemId);
    if (!p) throw new Error(`designAnalysis: evaluation record of unknown problem ${r.problemId}`);
    return p;
  };
  const sourcesFor = opts.sourcesFor ?? ["base"];
  const errorSources: ErrorSourceRow[] = [];
  const checks: CheckRow[] = [];
  for (const run of runs) {
    if (sourcesFor.includes(run.method)) {
      for (const attempt of [1, 2] as const) {
        const sources: Record<string, number> = Object.fromEntries(
          ERROR_SOURCES.map((s) => [s, 0]),
        );
        let wrong = 0;
        for (const r of run.records) {
          const a = attempt === 1 ? r.attempt1 : r.attempt2;
          if (a.correct) continue;
          const src = errorSource(problemOf(r), a.answer, { attempt, habits: opts.habits }) ??
            "other";
          sources[src]++;
          wrong++;
        }
        errorSources.push({ method: run.method, seed: run.seed, attempt, wrong, sources });
      }
    }
    const readings = run.records.map((r) => readCheck(problemOf(r), r.attempt1.text));
    if (readings.length === 0 || readings.some((x) => x === null)) continue;
    const n = readings.length;
    const rate = (f: (x: NonNullable<(typeof readings)[number]>, i: number) => boolean) =>
      readings.filter((x, i) => f(x!, i)).length / n;
    const right = (i: number) => run.records[i].attempt1.correct;
    checks.push({
      method: run.method,
      seed: run.seed,
      problems: n,
      accT1: rate((_, i) => right(i)),
      truthful: rate((x) => x.truthful),
      flaggedWrong: rate((x, i) => !right(i) && x.verdict === "no"),
      hiddenWrong: rate((x, i) => !right(i) && x.verdict !== "no"),
      falseAlarm: rate((x, i) => right(i) && x.verdict === "no"),
      oracleT2: rate((x, i) => right(i) || x.verdict === "no"),
    });
  }
  return { errorSources, checks };
}
