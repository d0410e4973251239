/**
 * report.html: one self-contained page (inline CSS, inline SVG charts, no scripts, no fonts, no
 * external requests). Same data → same bytes. Each section of the page is its own function
 * below; the tables are report/tables.ts's model and the charts report/charts.ts's Vega-Lite
 * specs, rendered to SVG with vega.
 */
import { BAND_NOTE, evaluateClaims } from "./claims.ts";
import { chartSvg, type ReportChart, reportCharts } from "./charts.ts";
import { esc } from "./format.ts";
import { PAPER_SCALING } from "./paper.ts";
import { ReportData, type ReportDataInput } from "./schema.ts";
import {
  analysisTables,
  type Cell,
  cellAt,
  curveSummary,
  groupTable,
  mainTable,
  metaRows,
  paperTables,
  type ReportTable,
  scalingTable,
  stageTimesTable,
} from "./tables.ts";

const MARKS = { holds: "✓", fails: "✗", undecided: "?" } as const;

const CSS = `
:root{--fg:#1d1d1f;--muted:#6b6b73;--line:#e3e3e8;--bg:#fff;--soft:#f6f7f9;--ours:#0072b2;--paper:#8a8a8a}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header{padding:28px 40px 18px;border-bottom:1px solid var(--line);background:var(--soft)}
header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;color:var(--muted)}
nav{padding:8px 40px;border-bottom:1px solid var(--line);position:sticky;top:0;background:#fffe;z-index:1}
nav a{color:var(--ours);text-decoration:none;margin-right:18px;font-size:13px}
main{padding:8px 40px 60px;max-width:1400px}
h2{font-size:19px;margin:34px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:22px 0 8px}
p.note{color:var(--muted);font-size:12.5px;max-width:980px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:6px 0}
th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th{font-weight:600;background:var(--soft);position:sticky;top:0}
th:first-child,td:first-child{text-align:left}
tr.paper td{color:var(--paper);font-style:italic;font-size:12.5px;border-bottom-color:#f0f0f0}
tr.ours td:first-child{font-weight:600}
td small{color:var(--muted);margin-left:3px;font-size:11px}
.claims{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px}
.claim{border:1px solid var(--line);border-left-width:5px;border-radius:6px;padding:10px 14px;background:#fff}
.claim.reproduced{border-left-color:#1a7f37}
.claim.not-reproduced{border-left-color:#cf222e}
.claim.inconclusive{border-left-color:#bf8700}
.claim h3{margin:2px 0 6px;font-size:14px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:11.5px;font-weight:600;color:#fff;margin-right:6px}
.badge.reproduced{background:#1a7f37}.badge.not-reproduced{background:#cf222e}.badge.inconclusive{background:#bf8700}
.claim ul.evidence{font-size:12.5px;margin:6px 0;padding:0;list-style:none}
.claim ul.evidence li{margin:2px 0;padding-left:18px;text-indent:-18px}
.claim .mark{display:inline-block;width:18px;text-indent:0;font-weight:700}
.claim li.holds .mark{color:#1a7f37}.claim li.fails .mark{color:#cf222e}.claim li.undecided .mark{color:#bf8700}
.claim .rule{font-size:11.5px;color:var(--muted)}
.grid{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
figure{margin:0;padding:8px;border:1px solid var(--line);border-radius:6px;background:#fff}
svg.chart{display:block;max-width:100%;height:auto}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
details summary{cursor:pointer;color:var(--ours)}
`;

function cellHtml(c: Cell): string {
  return esc(c.main) + (c.sub ? `<small>${esc(c.sub)}</small>` : "");
}

function tableHtml(header: string[], rows: { cls?: string; cells: string[] }[]): string {
  return `<div class="scroll"><table><thead><tr>${
    header.map((h) => `<th>${esc(h)}</th>`).join("")
  }</tr></thead><tbody>${
    rows.map((r) =>
      `<tr${r.cls ? ` class="${r.cls}"` : ""}>${r.cells.map((c) => `<td>${c}</td>`).join("")}</tr>`
    ).join("")
  }</tbody></table></div>`;
}

/**
 * A {@link ReportTable} as an HTML table: every header and cell escaped, secondary texts in
 * `<small>`, the main table's rows classed `ours` / `paper` (the paper's label after `↳`).
 */
export function htmlTable(t: ReportTable): string {
  return tableHtml(
    t.columns.map((c) => c.header),
    t.rows.map((r) => ({
      cls: r.kind,
      cells: t.columns.map((c, i) => {
        const cell = cellAt(r, c.key);
        return i === 0 && r.kind === "paper"
          ? cellHtml({ ...cell, main: `↳ ${cell.main}` })
          : cellHtml(cell);
      }),
    })),
  );
}

function slug(s: string): string {
  return s.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
}

/** A chart with its rendered SVG. */
type Figure = ReportChart & { svg: string };

function figures(figs: readonly Figure[]): string {
  return `<div class="grid">${figs.map((f) => `<figure>${f.svg}</figure>`).join("")}</div>`;
}

/** The section links of the page: the design tables' only where the report has them. */
function sections(data: ReportData): (readonly [string, string])[] {
  return [
    ["claims", "Claims"],
    ["main", "Main table"],
    ["seeds", "Seeds"],
    ...(data.design?.errorSources.length ? [["error-sources", "Error sources"]] as const : []),
    ...(data.design?.checks.length ? [["checks", "Checks"]] as const : []),
    ...SECTIONS,
  ];
}

const SECTIONS: readonly [string, string][] = [
  ["levels", "By level"],
  ["curves", "Training curves"],
  ["edits", "Edit distances"],
  ["scaling", "Scaling"],
  ["run", "Run"],
  ["paper", "Paper tables"],
];

/** The document head, the header line and the section links. */
function headSection(data: ReportData): string {
  const m = data.meta;
  return [
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(m.title)} — ${esc(m.preset)}</title><style>${CSS}</style></head><body>`,
    `<header><h1>${esc(m.title)}</h1><p>Preset <b>${esc(m.preset)}</b> · ${m.seeds.length} ` +
    `seed(s) · ${esc(m.dataset)}, ${m.testProblems} test problems · backend ${esc(m.backend)}${
      m.createdAt ? ` · ${esc(m.createdAt)}` : ""
    }</p></header>`,
    `<nav>${
      sections(data).map(([id, t]) => `<a href="#${id}">${esc(t)}</a>`).join("")
    }</nav><main>`,
  ].join("\n");
}

/** The five claims with their verdicts and evidence. */
function claimsSection(data: ReportData): string {
  const cards = evaluateClaims(data).map((c) => {
    const cls = slug(c.verdict);
    return `<div class="claim ${cls}"><h3><span class="badge ${cls}">${
      esc(c.verdict)
    }</span>${c.id}. ${esc(c.statement)}</h3><ul class="evidence">${
      c.conditions.map((k) =>
        `<li class="${k.state}"><span class="mark">${MARKS[k.state]}</span>${esc(k.text)}</li>`
      ).join("")
    }</ul><p class="rule">${esc(c.seeds)} Rule: ${esc(c.rule)}</p></div>`;
  });
  return [
    `<h2 id="claims">Claims of the paper, tested at our scale</h2><div class="claims">`,
    ...cards,
    `</div><p class="note">${esc(BAND_NOTE)}</p>`,
  ].join("\n");
}

/** The main table, its note and the Δ and accuracy charts. */
function mainSection(data: ReportData, figs: readonly Figure[]): string {
  const main = mainTable(data);
  return [
    `<h2 id="${main.id}">${esc(main.title)}</h2>`,
    htmlTable(main),
    `<p class="note">Percent of all test problems, mean over seeds; small text: standard deviation over seeds. ` +
    `Δ 95% CI: paired bootstrap over problems of the seed mean (${
      data.methods[0].evaluation.bootstrap.resamples
    } resamples). Δ = Δ<sup>i→c</sup> − Δ<sup>c→i</sup> holds exactly per seed (integer counts); ` +
    `displayed values may differ by 0.1 from rounding. Grey rows: the paper (MATH500, Gemini 1.5 Flash; ` +
    `ablations from the MATH ablation table).</p>`,
    figures(figs.filter((f) => f.section === "summary")),
  ].join("\n");
}

/** Every seed, and the design analysis tables. */
function analysisSections(data: ReportData): string {
  return analysisTables(data).map((t) =>
    `<h2 id="${t.id}">${esc(t.title)}</h2><p class="note">${esc(t.note)}</p>\n${htmlTable(t)}`
  ).join("\n");
}

/** The per-level and per-family tables. */
function groupSection(data: ReportData): string {
  const parts = [`<h2 id="levels">By level and by problem family</h2>`];
  for (const by of ["perLevel", "perFamily"] as const) {
    const g = groupTable(data, by);
    if (g.columns.length === 1) continue;
    parts.push(`<h3>${esc(g.title)}</h3>`, htmlTable(g));
  }
  parts.push(`<p class="note">Acc@t1 → Acc@t2, small text Δ; means over seeds.</p>`);
  return parts.join("\n");
}

/** One chart per training stage, and the first → last summary. */
function curvesSection(data: ReportData, figs: readonly Figure[]): string {
  const parts = [`<h2 id="curves">Training curves</h2>`];
  if (data.curves.length === 0) {
    parts.push(`<p class="note">No training curves in this run.</p>`);
    return parts.join("\n");
  }
  for (const f of figs.filter((f) => f.section === "curves")) {
    parts.push(`<h3>${esc(f.stage ?? "")}</h3>`, figures([f]));
  }
  parts.push(
    `<details><summary>First and last values per stage and seed</summary>${
      htmlTable(curveSummary(data))
    }</details>`,
  );
  return parts.join("\n");
}

/** The edit-distance ratio histograms of every row. */
function editsSection(figs: readonly Figure[]): string {
  return [
    `<h2 id="edits">Edit-distance ratio between the attempts</h2>`,
    `<p class="note">Levenshtein(t1, t2) / (|t1| + |t2|) per problem, pooled over seeds; bars are percent of problems. ` +
    `The paper's collapse signature is mass at 0 (attempt 2 repeats attempt 1).</p>`,
    figures(figs.filter((f) => f.section === "edits")),
  ].join("\n");
}

/** The inference-time scaling chart and tables. */
function scalingSection(data: ReportData, figs: readonly Figure[]): string {
  const parts = [`<h2 id="scaling">Inference-time scaling</h2>`];
  if (data.scaling.length === 0) {
    parts.push(`<p class="note">No scaling curve in this run.</p>`);
    return parts.join("\n");
  }
  parts.push(
    `<p class="note">Same budget of 2K model calls per problem: <b>parallel</b> = majority vote over 2K first attempts; ` +
      `<b>sequential</b> = K samples, each self-corrected once, majority vote over the K second attempts. Ties go to the ` +
      `answer whose first vote came earliest. Paper (MATH, ${PAPER_SCALING.samples} samples): parallel +${PAPER_SCALING.parallelGainPct}%, ` +
      `with self-correction +${PAPER_SCALING.sequentialGainPct}%.</p>`,
    figures(figs.filter((f) => f.section === "scaling")),
  );
  for (const sc of data.scaling) {
    const t = scalingTable(sc);
    parts.push(`<h3>${esc(t.title)}</h3>`, htmlTable(t));
  }
  return parts.join("\n");
}

/** Run metadata, stage wall times and notes. */
function runSection(data: ReportData): string {
  const m = data.meta;
  const parts = [`<h2 id="run">Run</h2><dl class="meta">`];
  for (const [k, v] of metaRows(data)) parts.push(`<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`);
  parts.push(`</dl>`);
  if (m.stageWallTimes.length) parts.push(htmlTable(stageTimesTable(data)));
  if (m.notes.length) parts.push(`<ul>${m.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`);
  return parts.join("\n");
}

/** The paper's tables and the citation. */
function paperSection(): string {
  return [
    `<h2 id="paper">The paper's tables</h2>`,
    `<div class="grid">${
      paperTables().map((t) => `<h3>${esc(t.title)}</h3>${htmlTable(t)}`).join("")
    }</div>`,
    `<p class="note">Kumar et al., “Training Language Models to Self-Correct via Reinforcement Learning”, arXiv 2409.12917.</p>`,
  ].join("\n");
}

/** The page from validated data and its rendered charts, section by section. */
function htmlPage(data: ReportData, figs: readonly Figure[]): string {
  return [
    headSection(data),
    claimsSection(data),
    mainSection(data, figs),
    analysisSections(data),
    groupSection(data),
    curvesSection(data, figs),
    editsSection(figs),
    scalingSection(data, figs),
    runSection(data),
    paperSection(),
    `</main></body></html>\n`,
  ].join("\n");
}

/**
 * Renders report.html. Validates `input` first, renders every chart of {@link reportCharts} to
 * SVG, then lays out the page; same data → same bytes.
 */
export async function renderHtml(input: ReportDataInput | ReportData): Promise<string> {
  const data = ReportData.parse(input);
  const figs: Figure[] = [];
  for (const c of reportCharts(data)) figs.push({ ...c, svg: await chartSvg(c.spec) });
  return htmlPage(data, figs);
}
