/**
 * Jupyter MIME bundles for notebooks: tables (HTML with a plain-text fallback) and Vega-Lite charts.
 * Show one with `await Deno.jupyter.display(bundle, { raw: true })`.
 */
import { vegaLiteBundle, type VegaLiteSpec } from "../report/mod.ts";

/** A Jupyter MIME bundle: MIME type → content. */
export type MimeBundle = Record<string, unknown>;

/** A table cell value: text, number (shown with up to 4 significant digits), boolean or empty. */
export type CellValue = string | number | boolean | null | undefined;

/** A table: column names and rows of cells, in column order. */
export interface Table {
  columns: string[];
  rows: CellValue[][];
}

function cellText(v: CellValue): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  }
  return String(v);
}

function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** A table from objects: the columns are `columns` or the keys of the first object, in order. */
export function tableOf(
  objects: readonly Record<string, CellValue>[],
  columns?: readonly string[],
): Table {
  const cols = columns ? [...columns] : Object.keys(objects[0] ?? {});
  return { columns: cols, rows: objects.map((o) => cols.map((c) => o[c])) };
}

/** Plain text with aligned columns (multi-line cells are joined with " ⏎ "). */
export function tableText(t: Table): string {
  const text = t.rows.map((r) => r.map((v) => cellText(v).replaceAll("\n", " ⏎ ")));
  const widths = t.columns.map((c, i) => Math.max(c.length, ...text.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(t.columns), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n");
}

/** An HTML table; multi-line cells keep their line breaks. Every value is escaped. */
export function tableHtml(t: Table, opts: { caption?: string } = {}): string {
  const head = t.columns.map((c) => `<th style="text-align:left">${escapeHtml(c)}</th>`).join("");
  const body = t.rows.map((r) =>
    "<tr>" +
    r.map((v) => {
      const s = cellText(v);
      const style = s.includes("\n")
        ? ' style="text-align:left;white-space:pre-wrap;font-family:monospace"'
        : ' style="text-align:left"';
      return `<td${style}>${escapeHtml(s)}</td>`;
    }).join("") +
    "</tr>"
  ).join("\n");
  const caption = opts.caption ? `<caption>${escapeHtml(opts.caption)}</caption>` : "";
  return `<table>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A table as a MIME bundle (text/html and text/plain). */
export function tableBundle(t: Table, opts: { caption?: string } = {}): MimeBundle {
  const text = tableText(t);
  return {
    "text/html": tableHtml(t, opts),
    "text/plain": opts.caption ? `${opts.caption}\n${text}` : text,
  };
}

/** A Vega-Lite chart as a MIME bundle, with its title as the plain-text fallback. */
export function chartBundle(spec: VegaLiteSpec): MimeBundle {
  const title = typeof spec.title === "string" ? spec.title : "chart";
  const n = Array.isArray((spec.data as { values?: unknown[] } | undefined)?.values)
    ? (spec.data as { values: unknown[] }).values.length
    : 0;
  return { ...vegaLiteBundle(spec), "text/plain": `Vega-Lite chart: ${title} (${n} rows)` };
}

/** A Markdown note as a MIME bundle (for messages such as a stage that is not built yet). */
export function noteBundle(markdown: string): MimeBundle {
  return { "text/markdown": markdown, "text/plain": markdown };
}
