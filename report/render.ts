/** Entry points for the report stage: validate the data with a located error, render all files. */
import { describeZodError } from "../metrics/mod.ts";
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderMarkdown } from "./markdown.ts";
import { ReportData } from "./schema.ts";

/**
 * Validates report data; on failure the error names `source` (e.g. the file it was read from),
 * every bad path, and what to fix.
 */
export function parseReportData(value: unknown, source = "report data"): ReportData {
  const r = ReportData.safeParse(value);
  if (!r.success) {
    throw new Error(
      `${describeZodError(r.error, source)}\n  fix: build methods with evaluateMethod() from ` +
        "metrics/mod.ts and check meta (preset, seeds, budget, backend, dataset, testProblems)",
    );
  }
  return r.data;
}

/** The three report files, by name: report.md, report.html, report.json. */
export function renderAll(value: unknown, source?: string): Record<string, string> {
  const data = parseReportData(value, source);
  return {
    "report.md": renderMarkdown(data),
    "report.html": renderHtml(data),
    "report.json": renderJson(data),
  };
}
