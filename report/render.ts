/** Entry points for the report stage: validate the data with a located error, render all files. */
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderMarkdown } from "./markdown.ts";
import { parseReportData } from "./parse.ts";

/** The three report files, by name: report.md, report.html, report.json. */
export function renderAll(value: unknown, source?: string): Record<string, string> {
  const data = parseReportData(value, source);
  return {
    "report.md": renderMarkdown(data),
    "report.html": renderHtml(data),
    "report.json": renderJson(data),
  };
}
