/**
 * Training dynamics from stage outputs: a training stage's `metrics.jsonl` as the report's
 * TrainingCurve (the same quantities the report plots: reward and KL per attempt, Δ and the rate of
 * changed answers), and any logged quantity (loss, gradNorm, …) as Vega-Lite rows and a chart.
 */
import type { VegaLiteSpec } from "../report/mod.ts";
import type { MetricsLine } from "./readers.ts";

/** The seed of an instance name like "stage2@s1" (null when the name has no `@s<seed>`). */
export function seedOf(name: string): number | null {
  const m = /@s(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

export { curveFromMetrics, hasRlMetrics } from "../report/mod.ts";

const num = (v: number | null | undefined): number | undefined =>
  v === null || v === undefined || !Number.isFinite(v) ? undefined : v;

/** One logged value of one stage at one step. */
export interface MetricRow {
  stage: string;
  step: number;
  metric: string;
  value: number;
}

/** Rows of the chosen quantities of a metrics log (non-finite and absent values skipped). */
export function metricRows(
  stage: string,
  lines: readonly MetricsLine[],
  metrics: readonly string[],
): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const l of lines) {
    for (const m of metrics) {
      const v = num(l[m]);
      if (v !== undefined) rows.push({ stage, step: l.step, metric: m, value: v });
    }
  }
  return rows;
}

/** Line charts of logged quantities over steps, one panel per quantity, colour = stage. */
export function metricSpec(
  rows: readonly MetricRow[],
  opts: { title?: string } = {},
): VegaLiteSpec {
  const order: string[] = [];
  for (const r of rows) if (!order.includes(r.metric)) order.push(r.metric);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: opts.title ?? "Training metrics",
    data: { values: rows },
    facet: { column: { field: "metric", type: "nominal", title: null, sort: order } },
    spec: {
      width: 240,
      height: 160,
      mark: { type: "line" },
      encoding: {
        x: { field: "step", type: "quantitative", title: "step" },
        y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
        color: { field: "stage", type: "nominal", title: "stage" },
        tooltip: [{ field: "stage" }, { field: "step" }, { field: "metric" }, {
          field: "value",
          format: ".4g",
        }],
      },
    },
    resolve: { scale: { y: "independent" } },
  };
}
