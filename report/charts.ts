/**
 * The report's one chart model: every plot of report.html is a Vega-Lite spec from
 * `vega_lite.ts` — the same specs the notebooks display — rendered here to inline SVG with
 * `vega` + `vega-lite` (headless, `renderer: "none"`: no DOM, no canvas, the same bytes for the
 * same spec). vega is loaded on first use, so nothing that only imports the report pays for it.
 *
 * @module
 */
import type { ReportData } from "./schema.ts";
import {
  accuracyRows,
  accuracySpec,
  curveRows,
  curveSpec,
  deltaBarsSpec,
  deltaRows,
  histogramRows,
  histogramSpec,
  scalingRows,
  scalingSpec,
  type VegaLiteSpec,
} from "./vega_lite.ts";

/** One chart of the report: where it goes, and its spec. */
export interface ReportChart {
  /** summary (after the main table), curves (one per training stage), edits, scaling */
  section: "summary" | "curves" | "edits" | "scaling";
  /** the training stage of a curves chart */
  stage?: string;
  spec: VegaLiteSpec;
}

/** Every chart of the report, in page order. */
export function reportCharts(data: ReportData): ReportChart[] {
  const charts: ReportChart[] = [
    { section: "summary", spec: deltaBarsSpec(deltaRows(data.methods)) },
    { section: "summary", spec: accuracySpec(accuracyRows(data.methods)) },
  ];
  const stages: string[] = [];
  for (const cv of data.curves) if (!stages.includes(cv.stage)) stages.push(cv.stage);
  for (const stage of stages) {
    const rows = curveRows(data.curves.filter((c) => c.stage === stage));
    charts.push({ section: "curves", stage, spec: curveSpec(rows, { title: stage }) });
  }
  charts.push({ section: "edits", spec: histogramSpec(histogramRows(data.methods)) });
  if (data.scaling.length) {
    charts.push({ section: "scaling", spec: scalingSpec(scalingRows(data.scaling)) });
  }
  return charts;
}

type Vega = typeof import("vega");
type VegaLite = typeof import("vega-lite");
let libs: Promise<[Vega, VegaLite]> | undefined;

/**
 * One spec as an inline SVG element: compiled by vega-lite, rendered by vega without a DOM. The
 * root's `xmlns` declarations are dropped (inline SVG in HTML needs none), so the page names no
 * URL at all.
 */
export async function chartSvg(spec: VegaLiteSpec): Promise<string> {
  libs ??= Promise.all([import("vega"), import("vega-lite")]);
  const [vega, vl] = await libs;
  const quiet = vega.logger(vega.Error);
  // deno-lint-ignore no-explicit-any
  const compiled = vl.compile(spec as any, { logger: quiet as any }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    return svg.replace(/^<svg([^>]*)>/, (_, attrs: string) => {
      const kept = attrs.replace(/ xmlns(:xlink)?="[^"]*"/g, "").replace(' class="marks"', "");
      return `<svg${kept} class="chart" role="img">`;
    });
  } finally {
    view.finalize();
  }
}
