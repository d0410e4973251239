/**
 * Public surface of the report: the ReportData schema, the paper's numbers, the claim verdicts,
 * and the Markdown / HTML / JSON renderers plus Vega-Lite spec builders for notebooks.
 */
export {
  ABLATION_IDS,
  ClaimRules,
  CurvePoint,
  METHOD_IDS,
  METHOD_LABELS,
  MethodId,
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
export { CLAIM_RULE_TEXT, type ClaimResult, evaluateClaims, type Verdict } from "./claims.ts";
export { type Band, band, diffBand } from "./uncertainty.ts";
export { renderMarkdown } from "./markdown.ts";
export { renderHtml } from "./html.ts";
export { renderJson, REPORT_JSON_FORMAT, reportObject } from "./json.ts";
export {
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
} from "./vegaLite.ts";
export {
  type Cell,
  curveSummary,
  groupTable,
  MAIN_COLUMNS,
  mainTable,
  type MainTableRow,
  paperRowFor,
  pooledHistogram,
} from "./tables.ts";
export { histogramChart, intervalChart, lineChart, type LineSeries } from "./svg.ts";
export { parseReportData, renderAll } from "./render.ts";
