/**
 * Public surface of the report: the ReportData schema, the paper's numbers, the claim verdicts,
 * and the Markdown / HTML / JSON renderers plus Vega-Lite spec builders for notebooks.
 *
 * Typical use in the report stage:
 * ```ts
 * const runs = { score: [{ seed: 0, records }, ...], base: [...], ... };   // EvalRecord[] per seed
 * const boot = { resamples: 1000, seed: 0 };
 * const methods = Object.entries(runs).map(([id, r]) => ({
 *   id, evaluation: evaluateMethod(r, { bootstrap: boot }),            // from metrics/mod.ts
 * }));
 * const comparisons = buildComparisons(
 *   Object.fromEntries(Object.entries(runs).map(([id, r]) => [id, r.map((x) => x.records)])), boot);
 * const files = await renderAll({ meta, methods, comparisons, curves, scaling }, "report stage");
 * // files["report.md"], files["report.html"], files["report.json"]
 * ```
 */
export {
  ABLATION_IDS,
  ClaimRules,
  Comparison,
  CurvePoint,
  METHOD_IDS,
  METHOD_LABELS,
  MethodId,
  methodIdOf,
  methodLabel,
  MethodRow,
  ReportData,
  type ReportDataInput,
  RunMeta,
  ScalingCurve,
  TrainingCurve,
} from "./schema.ts";
export {
  PAPER_ABLATIONS,
  PAPER_CLAIMS,
  PAPER_HUMANEVAL,
  PAPER_MATH,
  PAPER_SCALING,
  type PaperRow,
} from "./paper.ts";
export {
  BAND_NOTE,
  CLAIM_RULE_TEXT,
  type ClaimCondition,
  type ClaimResult,
  type ConditionState,
  evaluateClaims,
  type Verdict,
} from "./claims.ts";
export { type Band, band, type DiffBand, diffBand } from "./uncertainty.ts";
export { buildComparisons, claimPairs } from "./comparisons.ts";
export { renderMarkdown } from "./markdown.ts";
export { renderHtml } from "./html.ts";
export { parseReportJson, renderJson, REPORT_JSON_FORMAT, reportObject } from "./json.ts";
export {
  type AccuracyRow,
  accuracyRows,
  accuracySpec,
  type CurveRow,
  curveRows,
  curveSpec,
  deltaBarsSpec,
  type DeltaRow,
  deltaRows,
  type HistogramRow,
  histogramRows,
  histogramSpec,
  type ScalingRow,
  scalingRows,
  scalingSpec,
  vegaLiteBundle,
  type VegaLiteSpec,
} from "./vega_lite.ts";
export {
  analysisTables,
  type Cell,
  cellAt,
  cellText,
  type Column,
  curveSummary,
  defineTable,
  groupTable,
  histogramTable,
  MAIN_COLUMNS,
  mainTable,
  paperRowFor,
  paperTables,
  pooledHistogram,
  type ReportTable,
  reportTables,
  scalingTable,
  stageTimesTable,
  type TableRow,
} from "./tables.ts";
export { chartSvg, type ReportChart, reportCharts } from "./charts.ts";
export { renderAll } from "./render.ts";
export { parseReportData } from "./parse.ts";
export { curveFromMetrics, hasRlMetrics, MetricsLine } from "./curves.ts";
