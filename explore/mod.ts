/**
 * Exploring the pipeline's results from notebooks (Jupyter with the Deno kernel) or scripts: find
 * a stage's current output for a config, read its records, metrics and samples with the producers'
 * schemas, browse two-attempt traces, and show tables and Vega-Lite charts as MIME bundles.
 *
 * ```ts
 * import { openExplorer, evalTraces, filterTraces, tableBundle, traceTable } from "../explore/mod.ts";
 * const ex = await openExplorer();                 // preset: $SCORE_PRESET, else "default"
 * const ev = await ex.load("eval@score.s0");      // throws "... Make it with: deno task stage ..."
 * const traces = evalTraces(await ev.evalRecords(), await (await ex.load("problems")).problems());
 * await Deno.jupyter.display(
 *   tableBundle(traceTable(filterTraces(traces, { transition: "wrong→right" }))), { raw: true });
 * ```
 *
 * @module
 */
export {
  describeOptions,
  type ExploreOptions,
  type ResolvedOptions,
  resolveOptions,
  stageCommand,
} from "./options.ts";
export {
  Explorer,
  load,
  openExplorer,
  StageOutput,
  StageOutputError,
  type StageSummary,
} from "./load.ts";
export {
  MetricsLine,
  parseJson,
  parseJsonl,
  type ProblemSet,
  readEvalRecords,
  readEvaluation,
  readMetrics,
  readProblems,
  readReport,
  readRollouts,
  readScaling,
  readScalingSamples,
  type RolloutRecord,
  STAGE_FILES,
} from "./readers.ts";
export {
  evalTraces,
  filterTraces,
  rolloutTraces,
  type Trace,
  type TraceFilter,
  type Transition,
  transitionCounts,
  transitionOf,
  TRANSITIONS,
} from "./browse.ts";
export {
  curveFromMetrics,
  hasRlMetrics,
  type MetricRow,
  metricRows,
  metricSpec,
  seedOf,
} from "./curves.ts";
export {
  type CellValue,
  chartBundle,
  type MimeBundle,
  noteBundle,
  type Table,
  tableBundle,
  tableHtml,
  tableOf,
  tableText,
} from "./display.ts";
export {
  breakdownTable,
  claimsTable,
  comparisonsTable,
  curveSummaryTable,
  mainResultsTable,
  notebookTable,
  stagesTable,
  traceTable,
} from "./tables.ts";
export {
  type CellError,
  denoKernelInstalled,
  ensureDenoKernel,
  executeNotebook,
  JUPYTER_PACKAGES,
  jupyterProblem,
  listNotebooks,
  notebookErrors,
  type NotebookRun,
  stripAnsi,
} from "./jupyter.ts";
export { NOTEBOOK_GUIDE } from "./guide.ts";
