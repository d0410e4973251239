/**
 * Percentile bootstrap confidence intervals over problems. Each resample draws n problems with
 * replacement and computes every metric on that same resample, so the interval of Δ is the interval
 * of the paired difference Acc@t2 − Acc@t1, not of two independent accuracies.
 */
import { createRng } from "./rng.ts";
import { countTransitions, editRatios, metricsFromCounts } from "./self_correction.ts";
import type { EvalRecord } from "./records.ts";
import {
  type BootstrapResult,
  type Interval,
  METRIC_KEYS,
  type MetricIntervals,
  type MetricKey,
  type SelfCorrectionMetrics,
} from "./schemas.ts";

/** Bootstrap settings: B resamples (default 1000), generator seed (default 0), level (0.95). */
export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  level?: number;
}

/** Linear-interpolation quantile (Hyndman–Fan type 7) of an ascending-sorted array. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error("quantileSorted: empty sample");
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function checkOptions(opts: BootstrapOptions): { B: number; seed: number; level: number } {
  const B = opts.resamples ?? 1000;
  const seed = opts.seed ?? 0;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(B) || B < 1) {
    throw new Error(`bootstrap: resamples must be an integer >= 1, got ${B}`);
  }
  if (!(level > 0 && level < 1)) {
    throw new Error(`bootstrap: level must be in (0, 1), got ${level}`);
  }
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`bootstrap: seed must be an integer, got ${seed}`);
  }
  return { B, seed, level };
}

function intervalsFrom(
  point: Record<MetricKey, number>,
  samples: Record<MetricKey, Float64Array>,
  level: number,
): MetricIntervals {
  const a = (1 - level) / 2;
  const out = {} as Record<MetricKey, Interval>;
  for (const k of METRIC_KEYS) {
    const s = samples[k].slice().sort();
    out[k] = { point: point[k], lo: quantileSorted(s, a), hi: quantileSorted(s, 1 - a) };
  }
  return out as MetricIntervals;
}

function emptySamples(B: number): Record<MetricKey, Float64Array> {
  const s = {} as Record<MetricKey, Float64Array>;
  for (const k of METRIC_KEYS) s[k] = new Float64Array(B);
  return s;
}

interface Prepared {
  records: readonly EvalRecord[];
  ratios: number[];
}

function prepare(records: readonly EvalRecord[]): Prepared {
  if (records.length === 0) throw new Error("bootstrap: no records (n = 0)");
  return { records, ratios: editRatios(records) };
}

function metricsOf(p: Prepared, idx?: Int32Array): SelfCorrectionMetrics {
  const counts = countTransitions(p.records, idx);
  let sum = 0;
  if (idx) { for (let j = 0; j < idx.length; j++) sum += p.ratios[idx[j]]; }
  else for (const r of p.ratios) sum += r;
  return metricsFromCounts(idx ? idx.length : p.records.length, counts, sum);
}

/** 95% (by default) percentile-bootstrap intervals of every metric for one set of records. */
export function bootstrapMetrics(
  records: readonly EvalRecord[],
  opts: BootstrapOptions = {},
): BootstrapResult {
  const { B, seed, level } = checkOptions(opts);
  const p = prepare(records);
  const n = records.length;
  const rng = createRng(seed);
  const samples = emptySamples(B);
  const idx = new Int32Array(n);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < n; j++) idx[j] = rng.nextInt(n);
    const m = metricsOf(p, idx);
    for (const k of METRIC_KEYS) samples[k][b] = m[k];
  }
  const point = metricsOf(p);
  return {
    level,
    resamples: B,
    seed,
    pairing: "single",
    intervals: intervalsFrom(point, samples, level),
  };
}

function sameProblems(sets: readonly (readonly EvalRecord[])[]): boolean {
  const ids = new Set(sets[0].map((r) => r.problemId));
  return sets.every((s) => s.length === ids.size && s.every((r) => ids.has(r.problemId)));
}

/**
 * Percentile-bootstrap intervals of a weighted sum over record sets, Σ w_s · metric(set_s), for
 * every metric. When every set holds the same problems, one resample of problem ids is applied to
 * all sets ("joint", paired by problemId); otherwise each set is resampled on its own
 * ("independent").
 */
function bootstrapWeighted(
  sets: readonly (readonly EvalRecord[])[],
  weights: readonly number[],
  opts: BootstrapOptions,
): BootstrapResult {
  const { B, seed, level } = checkOptions(opts);
  const joint = sameProblems(sets);
  // Align every set's records to the first set's problem order for joint resampling.
  const aligned = joint
    ? sets.map((s) => {
      const byId = new Map(s.map((r) => [r.problemId, r]));
      return sets[0].map((r) => byId.get(r.problemId)!);
    })
    : sets;
  const prepared = aligned.map(prepare);
  const rng = createRng(seed);
  const samples = emptySamples(B);
  const idxs = prepared.map((p) => new Int32Array(p.records.length));
  const S = prepared.length;
  for (let b = 0; b < B; b++) {
    if (joint) {
      const n = idxs[0].length;
      for (let j = 0; j < n; j++) idxs[0][j] = rng.nextInt(n);
    } else {
      for (const idx of idxs) for (let j = 0; j < idx.length; j++) idx[j] = rng.nextInt(idx.length);
    }
    const acc = {} as Record<MetricKey, number>;
    for (const k of METRIC_KEYS) acc[k] = 0;
    for (let s = 0; s < S; s++) {
      const m = metricsOf(prepared[s], joint ? idxs[0] : idxs[s]);
      for (const k of METRIC_KEYS) acc[k] += weights[s] * m[k];
    }
    for (const k of METRIC_KEYS) samples[k][b] = acc[k];
  }
  const point = {} as Record<MetricKey, number>;
  for (const k of METRIC_KEYS) point[k] = 0;
  prepared.forEach((p, s) => {
    const m = metricsOf(p);
    for (const k of METRIC_KEYS) point[k] += weights[s] * m[k];
  });
  return {
    level,
    resamples: B,
    seed,
    pairing: joint ? "joint" : "independent",
    intervals: intervalsFrom(point, samples, level),
  };
}

/**
 * Intervals of the mean over seeds of every metric. When every seed evaluated the same problems,
 * one resample of problem ids is applied to all seeds ("joint", paired by problemId); otherwise
 * each seed is resampled on its own ("independent"). Seed-to-seed spread is not part of this
 * interval: report it beside (see aggregateSeeds).
 */
export function bootstrapMeanOverSeeds(
  sets: readonly (readonly EvalRecord[])[],
  opts: BootstrapOptions = {},
): BootstrapResult {
  if (sets.length === 0) throw new Error("bootstrapMeanOverSeeds: no seeds given");
  if (sets.length === 1) return { ...bootstrapMetrics(sets[0], opts), pairing: "single" };
  return bootstrapWeighted(sets, sets.map(() => 1 / sets.length), opts);
}

/**
 * Intervals of (mean over A's seeds) − (mean over B's seeds) for every metric: two methods
 * compared on the same test problems are resampled jointly (paired by problemId), which is much
 * tighter than combining two separate intervals because their errors are correlated. Falls back
 * to independent resampling when the problem sets differ (pairing says which).
 */
export function bootstrapDifference(
  a: readonly (readonly EvalRecord[])[],
  b: readonly (readonly EvalRecord[])[],
  opts: BootstrapOptions = {},
): BootstrapResult {
  if (a.length === 0 || b.length === 0) throw new Error("bootstrapDifference: a side has no seeds");
  const weights = [...a.map(() => 1 / a.length), ...b.map(() => -1 / b.length)];
  return bootstrapWeighted([...a, ...b], weights, opts);
}

/**
 * Paired percentile-bootstrap intervals of the means of several per-problem columns: every
 * resample draws one set of problem indices and applies it to all columns (so an interval of a
 * difference column is the interval of the paired difference).
 */
export function bootstrapMeanIntervals(
  columns: readonly (readonly number[])[],
  opts: BootstrapOptions = {},
): Interval[] {
  const { B, seed, level } = checkOptions(opts);
  if (columns.length === 0) return [];
  const n = columns[0].length;
  if (n === 0) throw new Error("bootstrapMeanIntervals: no problems");
  if (columns.some((c) => c.length !== n)) {
    throw new Error("bootstrapMeanIntervals: columns must have one value per problem each");
  }
  const rng = createRng(seed);
  const samples = columns.map(() => new Float64Array(B));
  for (let b = 0; b < B; b++) {
    const sums = columns.map(() => 0);
    for (let j = 0; j < n; j++) {
      const i = rng.nextInt(n);
      for (let c = 0; c < columns.length; c++) sums[c] += columns[c][i];
    }
    for (let c = 0; c < columns.length; c++) samples[c][b] = sums[c] / n;
  }
  const a = (1 - level) / 2;
  return columns.map((col, c) => {
    let sum = 0;
    for (const v of col) sum += v;
    const s = samples[c].sort();
    return { point: sum / n, lo: quantileSorted(s, a), hi: quantileSorted(s, 1 - a) };
  });
}
