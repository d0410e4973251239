/**
 * The report stage's entry point: validate the data with a located error, then render the three
 * files from it (report.md, report.html with its charts, report.json).
 */
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderMarkdown } from "./markdown.ts";
import { parseReportData } from "./parse.ts";

/** The three report files, by name: report.md, report.html, report.json. */
export async function renderAll(value: unknown, source?: string): Promise<Record<string, string>> {
  const data = parseReportData(value, source);
  return {
    "report.md": renderMarkdown(data),
    "report.html": await renderHtml(data),
    "report.json": renderJson(data),
  };
}
