/** report.md: the same tables and claims as the HTML report, as GitHub-flavoured Markdown. */
import { BAND_NOTE, evaluateClaims } from "./claims.ts";
import { PAPER_SCALING } from "./paper.ts";
import { ReportData, type ReportDataInput } from "./schema.ts";
import {
  analysisTables,
  cellAt,
  cellText,
  curveSummary,
  groupTable,
  histogramTable,
  mainTable,
  metaRows,
  paperTables,
  type ReportTable,
  scalingTable,
  stageTimesTable,
} from "./tables.ts";

/** Escapes the characters that would break a Markdown table cell. */
function md(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ").replace(/<(?=[A-Za-z/!?])/g, "&lt;");
}

function table(header: string[], rows: string[][], align?: ("l" | "r")[]): string {
  const sep = header.map((
    _,
    i,
  ) => ((align?.[i] ?? (i === 0 ? "l" : "r")) === "r" ? "---:" : "---"));
  return [header, sep, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/**
 * A {@link ReportTable} as a Markdown table: headers and cells escaped, the main table's own
 * rows in bold and the paper's rows as italic `↳` lines.
 */
export function markdownTable(t: ReportTable): string {
  const rows = t.rows.map((r) =>
    t.columns.map((c, i) => {
      const s = md(cellText(cellAt(r, c.key), t.sub));
      if (i > 0 || !r.kind) return s;
      return r.kind === "paper" ? `↳ *${s}*` : `**${s}**`;
    })
  );
  return table(t.columns.map((c) => md(c.header)), rows);
}

/** Renders report.md. Validates `input` first; same data → same bytes. */
export function renderMarkdown(input: ReportDataInput | ReportData): string {
  const data = ReportData.parse(input);
  const out: string[] = [];
  out.push(`# ${md(data.meta.title)}`, "");
  out.push(
    `Preset **${md(data.meta.preset)}**, ${data.meta.seeds.length} seed(s), backend ` +
      `${md(data.meta.backend)}, ${data.meta.testProblems} test problems (${
        md(data.meta.dataset)
      }). Percentages of all test problems; "±" is the standard deviation over seeds; the Δ interval ` +
      `is the 95% bootstrap interval (paired, over problems) of the mean over seeds.`,
    "",
  );

  const main = mainTable(data);
  out.push(`## ${main.title}`, "");
  out.push(markdownTable(main), "");
  out.push(main.note, "");

  for (const t of analysisTables(data)) {
    out.push(`## ${md(t.title)}`, "", md(t.note), "");
    out.push(markdownTable(t), "");
  }

  out.push("## Claims", "", md(BAND_NOTE), "");
  for (const c of evaluateClaims(data)) {
    out.push(`### ${c.id}. ${md(c.statement)}`, "");
    out.push(`**Verdict: ${c.verdict}.** ${md(c.seeds)}`, "");
    for (const k of c.conditions) out.push(`- ${k.state}: ${md(k.text)}`);
    out.push("", `*Rule:* ${md(c.rule)}`, "");
  }

  for (const by of ["perLevel", "perFamily"] as const) {
    const g = groupTable(data, by);
    if (g.columns.length === 1) continue;
    out.push(`## ${g.title}`, "", g.note, "");
    out.push(markdownTable(g), "");
  }

  if (data.curves.length) {
    const s = curveSummary(data);
    out.push(`## ${s.title}`, "", s.note, "");
    out.push(markdownTable(s), "");
  }

  const hist = histogramTable(data);
  out.push(`## ${hist.title}`, "");
  out.push(hist.note, "");
  out.push(markdownTable(hist), "");

  if (data.scaling.length) {
    out.push("## Inference-time scaling", "");
    out.push(
      "Majority-vote accuracy with 2K model calls per problem: *parallel* votes over 2K first " +
        "attempts; *sequential* votes over the second attempts of K self-corrected samples. Ties go " +
        `to the answer whose first vote came earliest. Paper (MATH, ${PAPER_SCALING.samples} ` +
        `samples): parallel +${PAPER_SCALING.parallelGainPct}%, with self-correction ` +
        `+${PAPER_SCALING.sequentialGainPct}%.`,
      "",
    );
    for (const sc of data.scaling) {
      const t = scalingTable(sc);
      const at = t.title.indexOf(" (temperature ");
      out.push(`**${md(t.title.slice(0, at))}**${md(t.title.slice(at))}`, "");
      out.push(markdownTable(t), "");
    }
  }

  out.push("## Run", "");
  out.push(table(["", ""], metaRows(data).map(([k, v]) => [k, md(v)]), ["l", "l"]), "");
  if (data.meta.stageWallTimes.length) out.push(markdownTable(stageTimesTable(data)), "");
  for (const n of data.meta.notes) out.push(`- ${md(n)}`);
  if (data.meta.notes.length) out.push("");

  out.push("## The paper's tables", "");
  for (const t of paperTables()) out.push(`${t.title}:`, "", markdownTable(t), "");
  return out.join("\n");
}
