/**
 * Vega-Lite (v5) specs for the report's plots, as plain JSON objects for the Jupyter notebooks
 * (display with `Deno.jupyter.display(vegaLiteBundle(spec), { raw: true })`). Each builder takes
 * flat rows; the `*Rows` helpers make those rows from ReportData pieces.
 */
import { methodLabel, type MethodRow, type ScalingCurve, type TrainingCurve } from "./schema.ts";
import { paperRowFor, pooledHistogram } from "./tables.ts";

/** A Vega-Lite specification (plain JSON). */
export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Tooltip fields; `"name:.1f"` gives a field its number format. */
function tooltip(...fields: string[]): { field: string; format?: string }[] {
  return fields.map((f): { field: string; format?: string } => {
    const [field, format] = f.split(":");
    return format ? { field, format } : { field };
  });
}

/** The distinct `key` values of `rows`, in first-seen order (the sort order of a facet or axis). */
function firstSeen<T>(rows: readonly T[], key: (r: T) => string): string[] {
  return [...new Set(rows.map(key))];
}

/** The MIME bundle Jupyter renders as a Vega-Lite chart. */
export function vegaLiteBundle(spec: VegaLiteSpec): Record<string, unknown> {
  return { "application/vnd.vegalite.v5+json": spec };
}

/** One value of a training curve: panel (reward, KL, Δ, changes), series within the panel. */
export interface CurveRow {
  stage: string;
  seed: number;
  step: number;
  panel: "reward" | "KL" | "Δ" | "changes";
  series: string;
  value: number;
}

/** Flattens training curves into rows (one per logged quantity per step). */
export function curveRows(curves: readonly TrainingCurve[]): CurveRow[] {
  const keys = [
    ["reward1", "reward", "attempt 1"],
    ["reward2", "reward", "attempt 2"],
    ["shaped2", "reward", "attempt 2, shaped"],
    ["kl1", "KL", "attempt 1"],
    ["kl2", "KL", "attempt 2"],
    ["delta", "Δ", "Δ"],
    ["changedRate", "changes", "changed answers"],
    ["editRatio", "changes", "edit-distance ratio"],
  ] as const;
  const rows: CurveRow[] = [];
  for (const cv of curves) {
    for (const p of cv.points) {
      for (const [k, panel, series] of keys) {
        const v = p[k];
        if (v !== undefined) {
          rows.push({ stage: cv.stage, seed: cv.seed, step: p.step, panel, series, value: v });
        }
      }
    }
  }
  return rows;
}

/** Line charts over steps: a row of panels per stage, colour = attempt/series, dash = seed. */
export function curveSpec(rows: readonly CurveRow[], opts: { title?: string } = {}): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: opts.title ?? "Training curves",
    data: { values: rows },
    facet: {
      row: { field: "stage", type: "nominal", title: "stage" },
      column: {
        field: "panel",
        type: "nominal",
        title: null,
        sort: ["reward", "KL", "Δ", "changes"],
      },
    },
    spec: {
      width: 220,
      height: 150,
      mark: { type: "line", point: false },
      encoding: {
        x: { field: "step", type: "quantitative", title: "step" },
        y: { field: "value", type: "quantitative", title: null },
        color: { field: "series", type: "nominal", title: "series" },
        strokeDash: { field: "seed", type: "nominal", title: "seed" },
        tooltip: tooltip("stage", "seed", "step", "series", "value:.4f"),
      },
    },
    resolve: { scale: { y: "independent" } },
  };
}

/** One histogram bin of one method, in percent of problems (pooled over seeds). */
export interface HistogramRow {
  method: string;
  binStart: number;
  binEnd: number;
  percent: number;
  count: number;
}

/** Histogram rows of the edit-distance ratio for every method. */
export function histogramRows(methods: readonly MethodRow[]): HistogramRow[] {
  return methods.flatMap((m) => {
    const h = pooledHistogram(m);
    return h.counts.map((k, i) => ({
      method: methodLabel(m),
      binStart: h.edges[i],
      binEnd: h.edges[i + 1],
      percent: h.n ? (100 * k) / h.n : 0,
      count: k,
    }));
  });
}

/** Small-multiple histograms of the edit-distance ratio, one per method. */
export function histogramSpec(
  rows: readonly HistogramRow[],
  opts: { columns?: number } = {},
): VegaLiteSpec {
  const order = firstSeen(rows, (r) => r.method);
  return {
    $schema: SCHEMA,
    title: "Edit-distance ratio between attempts (% of problems)",
    data: { values: rows },
    facet: { field: "method", type: "nominal", title: null, sort: order },
    columns: opts.columns ?? 3,
    spec: {
      width: 200,
      height: 120,
      mark: { type: "rect", color: "#0072b2" },
      encoding: {
        x: {
          field: "binStart",
          type: "quantitative",
          title: "edit-distance ratio",
          scale: { domain: [0, 1] },
        },
        x2: { field: "binEnd" },
        y: { field: "percent", type: "quantitative", title: "% of problems" },
        tooltip: tooltip("method", "binStart", "binEnd", "percent:.1f", "count"),
      },
    },
  };
}

/** One point of a scaling curve. */
export interface ScalingRow {
  method: string;
  k: number;
  calls: number;
  strategy: "parallel" | "sequential";
  accuracy: number;
  /** 95% bootstrap interval over problems, percent (null when not computed) */
  lo: number | null;
  hi: number | null;
}

/** Rows of the inference-time scaling curves (accuracy in percent). */
export function scalingRows(curves: readonly ScalingCurve[]): ScalingRow[] {
  return curves.flatMap((sc) =>
    sc.points.flatMap((p) =>
      (["parallel", "sequential"] as const).map((strategy) => ({
        method: methodLabel({ id: sc.method }),
        k: p.k,
        calls: 2 * p.k,
        strategy,
        accuracy: 100 * p[strategy],
        lo: p.ci ? 100 * p.ci[strategy].lo : null,
        hi: p.ci ? 100 * p.ci[strategy].hi : null,
      }))
    )
  );
}

/** Majority-vote accuracy against model calls (log2 axis), parallel vs self-corrected. */
export function scalingSpec(rows: readonly ScalingRow[]): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: "Inference-time scaling: 2K samples vs K samples + self-correction",
    data: { values: rows },
    width: 360,
    height: 240,
    encoding: {
      x: {
        field: "calls",
        type: "quantitative",
        scale: { type: "log", base: 2 },
        axis: { values: [...new Set(rows.map((r) => r.calls))].sort((a, b) => a - b) },
        title: "model calls per problem (2K)",
      },
      color: { field: "strategy", type: "nominal" },
    },
    layer: [
      {
        mark: { type: "line", point: true },
        encoding: {
          y: {
            field: "accuracy",
            type: "quantitative",
            title: "majority-vote accuracy (%)",
            scale: { zero: false },
          },
          strokeDash: { field: "method", type: "nominal" },
          tooltip: tooltip("method", "k", "strategy", "accuracy:.1f", "lo:.1f", "hi:.1f"),
        },
      },
      {
        transform: [{ filter: "datum.lo !== null" }],
        mark: { type: "rule" },
        encoding: { y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
      },
    ],
  };
}

/** Δ of one row, ours (with its 95% interval) or the paper's, in percentage points. */
export interface DeltaRow {
  method: string;
  source: "ours" | "paper";
  delta: number;
  lo: number | null;
  hi: number | null;
}

/** Δ rows: each of our methods (mean over seeds, bootstrap CI) and the paper's value beside it. */
export function deltaRows(methods: readonly MethodRow[]): DeltaRow[] {
  return methods.flatMap((m) => {
    const ci = m.evaluation.bootstrap.intervals.delta;
    const ours: DeltaRow = {
      method: methodLabel(m),
      source: "ours",
      delta: 100 * m.evaluation.aggregate.delta.mean,
      lo: 100 * ci.lo,
      hi: 100 * ci.hi,
    };
    const p = paperRowFor(m.id);
    return p
      ? [ours, {
        method: methodLabel(m),
        source: "paper" as const,
        delta: p.row.delta,
        lo: null,
        hi: null,
      }]
      : [ours];
  });
}

/** Horizontal bars of Δ per method, ours beside the paper's, with error bars on ours. */
export function deltaBarsSpec(rows: readonly DeltaRow[]): VegaLiteSpec {
  const order = firstSeen(rows, (r) => r.method);
  const y = {
    field: "method",
    type: "nominal",
    sort: order,
    title: null,
    axis: { labelLimit: 360 },
  };
  return {
    $schema: SCHEMA,
    title: "Δ(t1, t2) per method, percentage points (ours with 95% bootstrap interval)",
    data: { values: rows },
    width: 380,
    height: { step: 26 },
    encoding: { y },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          x: { field: "delta", type: "quantitative", title: "Δ (pp)" },
          yOffset: { field: "source", type: "nominal" },
          color: {
            field: "source",
            type: "nominal",
            scale: { domain: ["ours", "paper"], range: ["#0072b2", "#aaaaaa"] },
          },
          tooltip: tooltip("method", "source", "delta:.1f", "lo:.1f", "hi:.1f"),
        },
      },
      {
        transform: [{ filter: "datum.lo !== null" }],
        mark: { type: "rule", color: "#222" },
        encoding: {
          x: { field: "lo", type: "quantitative" },
          x2: { field: "hi" },
          yOffset: { field: "source", type: "nominal" },
        },
      },
    ],
  };
}

/** Accuracy of one attempt of one row, mean over seeds with its 95% interval, in percent. */
export interface AccuracyRow {
  method: string;
  attempt: "attempt 1" | "attempt 2";
  accuracy: number;
  lo: number;
  hi: number;
}

/** Accuracy rows: attempt 1 and attempt 2 of each method (seed mean, bootstrap interval). */
export function accuracyRows(methods: readonly MethodRow[]): AccuracyRow[] {
  return methods.flatMap((m) => {
    const iv = m.evaluation.bootstrap.intervals;
    const a = m.evaluation.aggregate;
    return [
      {
        method: methodLabel(m),
        attempt: "attempt 1" as const,
        accuracy: 100 * a.accT1.mean,
        lo: 100 * iv.accT1.lo,
        hi: 100 * iv.accT1.hi,
      },
      {
        method: methodLabel(m),
        attempt: "attempt 2" as const,
        accuracy: 100 * a.accT2.mean,
        lo: 100 * iv.accT2.lo,
        hi: 100 * iv.accT2.hi,
      },
    ];
  });
}

/** Accuracy at attempt 1 and attempt 2 per method: points with their 95% intervals. */
export function accuracySpec(rows: readonly AccuracyRow[]): VegaLiteSpec {
  const order = firstSeen(rows, (r) => r.method);
  const color = {
    field: "attempt",
    type: "nominal",
    title: null,
    scale: { domain: ["attempt 1", "attempt 2"], range: ["#e69f00", "#0072b2"] },
  };
  return {
    $schema: SCHEMA,
    title: "Accuracy at attempt 1 and attempt 2 (%, 95% bootstrap interval)",
    data: { values: rows },
    width: 380,
    height: { step: 26 },
    encoding: {
      y: { field: "method", type: "nominal", sort: order, title: null, axis: { labelLimit: 360 } },
      yOffset: { field: "attempt", type: "nominal" },
      color,
    },
    layer: [
      {
        mark: { type: "rule" },
        encoding: {
          x: { field: "lo", type: "quantitative", title: "accuracy (%)" },
          x2: { field: "hi" },
        },
      },
      {
        mark: { type: "point", filled: true },
        encoding: {
          x: { field: "accuracy", type: "quantitative", scale: { zero: false } },
          tooltip: tooltip("method", "attempt", "accuracy:.1f", "lo:.1f", "hi:.1f"),
        },
      },
    ],
  };
}
