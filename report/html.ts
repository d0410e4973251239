/**
 * report.html: one self-contained page (inline CSS, inline SVG charts, no scripts, no fonts, no
 * external requests). Same data → same bytes.
 */
import { BAND_NOTE, evaluateClaims } from "./claims.ts";

const MARKS = { holds: "✓", fails: "✗", undecided: "?" } as const;
import { esc, pct } from "./format.ts";
import { PAPER_SCALING } from "./paper.ts";
import { methodLabel, ReportData, type ReportDataInput, type TrainingCurve } from "./schema.ts";
import { histogramChart, intervalChart, lineChart, type LineSeries, PALETTE } from "./svg.ts";
import {
  analysisTables,
  type Cell,
  cellAt,
  curveSummary,
  groupTable,
  mainTable,
  metaRows,
  paperRowFor,
  paperTables,
  pooledHistogram,
  type ReportTable,
  scalingTable,
  stageTimesTable,
} from "./tables.ts";

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

function curveCharts(curves: TrainingCurve[]): string {
  const seeds = curves.map((c) => c.seed);
  const seedName = (s: number) => (seeds.length > 1 ? ` · seed ${s}` : "");
  const series = (
    pick: (p: TrainingCurve["points"][number]) => number | undefined,
    name: string,
    color: (i: number) => string,
    dashed: (i: number) => boolean,
  ): LineSeries[] =>
    curves.map((cv, i) => ({
      name: `${name}${seedName(cv.seed)}`,
      color: color(i),
      dashed: dashed(i),
      points: cv.points.flatMap((p) => {
        const y = pick(p);
        return y === undefined ? [] : [{ x: p.step, y }];
      }),
    })).filter((s) => s.points.length > 0);
  const perAttempt = (k1: "reward1" | "kl1", k2: "reward2" | "kl2") => [
    ...series((p) => p[k1], "attempt 1", () => PALETTE[1], (i) => i % 2 === 1),
    ...series((p) => p[k2], "attempt 2", () => PALETTE[0], (i) => i % 2 === 1),
  ];
  const bySeed = (k: "delta" | "changedRate", name: string) =>
    series((p) => p[k], name, (i) => PALETTE[(i + 2) % PALETTE.length], () => false);
  const charts = [
    lineChart({
      title: "Reward per attempt",
      series: perAttempt("reward1", "reward2"),
      xLabel: "step",
      yLabel: "mean reward",
    }),
    lineChart({
      title: "KL to the reference, per attempt",
      series: perAttempt("kl1", "kl2"),
      xLabel: "step",
      yLabel: "KL",
      includeZero: true,
    }),
    lineChart({
      title: "Δ on training batches",
      series: bySeed("delta", "Δ"),
      xLabel: "step",
      yLabel: "Δ (pp)",
      includeZero: true,
      percentY: true,
    }),
    lineChart({
      title: "Changed-answer rate",
      series: bySeed("changedRate", "changed answers"),
      xLabel: "step",
      yLabel: "% changed",
      includeZero: true,
      percentY: true,
    }),
  ];
  return `<div class="grid">${charts.map((c) => `<figure>${c}</figure>`).join("")}</div>`;
}

/** Renders report.html. Validates `input` first; same data → same bytes. */
export function renderHtml(input: ReportDataInput | ReportData): string {
  const data = ReportData.parse(input);
  const claims = evaluateClaims(data);
  const m = data.meta;
  const parts: string[] = [];
  parts.push(
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
      `<meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${esc(m.title)} — ${esc(m.preset)}</title><style>${CSS}</style></head><body>`,
  );
  parts.push(
    `<header><h1>${esc(m.title)}</h1><p>Preset <b>${
      esc(m.preset)
    }</b> · ${m.seeds.length} seed(s) · ${
      esc(m.dataset)
    }, ${m.testProblems} test problems · backend ${esc(m.backend)}${
      m.createdAt ? ` · ${esc(m.createdAt)}` : ""
    }</p></header>`,
  );
  const sections: [string, string][] = [
    ["claims", "Claims"],
    ["main", "Main table"],
    ["seeds", "Seeds"],
    ["levels", "By level"],
    ["curves", "Training curves"],
    ["edits", "Edit distances"],
    ["scaling", "Scaling"],
    ["run", "Run"],
    ["paper", "Paper tables"],
  ];
  parts.push(
    `<nav>${sections.map(([id, t]) => `<a href="#${id}">${esc(t)}</a>`).join("")}</nav><main>`,
  );

  // Claims
  parts.push(`<h2 id="claims">Claims of the paper, tested at our scale</h2><div class="claims">`);
  for (const c of claims) {
    const cls = slug(c.verdict);
    parts.push(
      `<div class="claim ${cls}"><h3><span class="badge ${cls}">${esc(c.verdict)}</span>${c.id}. ${
        esc(c.statement)
      }</h3><ul class="evidence">${
        c.conditions.map((k) =>
          `<li class="${k.state}"><span class="mark">${MARKS[k.state]}</span>${esc(k.text)}</li>`
        ).join("")
      }</ul><p class="rule">${esc(c.seeds)} Rule: ${esc(c.rule)}</p></div>`,
    );
  }
  parts.push(`</div><p class="note">${esc(BAND_NOTE)}</p>`);

  // Main table
  const main = mainTable(data);
  parts.push(`<h2 id="${main.id}">${esc(main.title)}</h2>`);
  parts.push(htmlTable(main));
  parts.push(
    `<p class="note">Percent of all test problems, mean over seeds; small text: standard deviation over seeds. ` +
      `Δ 95% CI: paired bootstrap over problems of the seed mean (${
        data.methods[0].evaluation.bootstrap.resamples
      } resamples). Δ = Δ<sup>i→c</sup> − Δ<sup>c→i</sup> holds exactly per seed (integer counts); ` +
      `displayed values may differ by 0.1 from rounding. Grey rows: the paper (MATH500, Gemini 1.5 Flash; ` +
      `ablations from the MATH ablation table).</p>`,
  );
  const deltaRows = data.methods.flatMap((row) => {
    const ci = row.evaluation.bootstrap.intervals.delta;
    const ours = {
      label: methodLabel(row),
      point: row.evaluation.aggregate.delta.mean,
      lo: ci.lo,
      hi: ci.hi,
      color: PALETTE[0],
    };
    const p = paperRowFor(row.id);
    return p
      ? [ours, { label: "↳ paper", point: p.row.delta / 100, color: PALETTE[7], reference: true }]
      : [ours];
  });
  const accRows = data.methods.flatMap((row) => {
    const iv = row.evaluation.bootstrap.intervals;
    const a = row.evaluation.aggregate;
    return [
      {
        label: `${methodLabel(row)} · t1`,
        point: a.accT1.mean,
        lo: iv.accT1.lo,
        hi: iv.accT1.hi,
        color: PALETTE[1],
      },
      {
        label: `${methodLabel(row)} · t2`,
        point: a.accT2.mean,
        lo: iv.accT2.lo,
        hi: iv.accT2.hi,
        color: PALETTE[0],
      },
    ];
  });
  parts.push(
    `<div class="grid"><figure>${
      intervalChart({
        title: "Δ(t1, t2) with 95% bootstrap interval",
        rows: deltaRows,
        xLabel: "Δ = Acc@t2 − Acc@t1 (percentage points)",
        legend: [{ name: "ours", color: PALETTE[0] }, { name: "paper (◇)", color: PALETTE[7] }],
      })
    }</figure><figure>${
      intervalChart({
        title: "Accuracy at attempt 1 and attempt 2",
        rows: accRows,
        xLabel: "accuracy (%)",
        includeZero: false,
        legend: [{ name: "attempt 1", color: PALETTE[1] }, {
          name: "attempt 2",
          color: PALETTE[0],
        }],
      })
    }</figure></div>`,
  );

  // Every seed, and the design analysis
  for (const t of analysisTables(data)) {
    parts.push(`<h2 id="${t.id}">${esc(t.title)}</h2><p class="note">${esc(t.note)}</p>`);
    parts.push(htmlTable(t));
  }

  // Per level / family
  parts.push(`<h2 id="levels">By level and by problem family</h2>`);
  for (const by of ["perLevel", "perFamily"] as const) {
    const g = groupTable(data, by);
    if (g.columns.length === 1) continue;
    parts.push(`<h3>${esc(g.title)}</h3>`);
    parts.push(htmlTable(g));
  }
  parts.push(`<p class="note">Acc@t1 → Acc@t2, small text Δ; means over seeds.</p>`);

  // Curves
  parts.push(`<h2 id="curves">Training curves</h2>`);
  if (data.curves.length === 0) parts.push(`<p class="note">No training curves in this run.</p>`);
  const stages: string[] = [];
  for (const cv of data.curves) if (!stages.includes(cv.stage)) stages.push(cv.stage);
  for (const st of stages) {
    parts.push(`<h3>${esc(st)}</h3>`);
    parts.push(curveCharts(data.curves.filter((c) => c.stage === st)));
  }
  if (data.curves.length) {
    const s = curveSummary(data);
    parts.push(
      `<details><summary>First and last values per stage and seed</summary>${
        htmlTable(s)
      }</details>`,
    );
  }

  // Edit histograms
  parts.push(`<h2 id="edits">Edit-distance ratio between the attempts</h2>`);
  parts.push(
    `<p class="note">Levenshtein(t1, t2) / (|t1| + |t2|) per problem, pooled over seeds; bars are percent of problems. ` +
      `The paper's collapse signature is mass at 0 (attempt 2 repeats attempt 1).</p><div class="grid">`,
  );
  const histWidth = Math.max(
    260,
    60 + Math.max(...data.methods.map((r) => methodLabel(r).length)) * 7,
  );
  data.methods.forEach((row) => {
    const h = pooledHistogram(row);
    parts.push(
      `<figure>${
        histogramChart({
          title: methodLabel(row),
          subtitle: `${h.n ? pct(h.identical / h.n) : "0.0"}% identical · mean ${
            row.evaluation.aggregate.editRatioMean.mean.toFixed(3)
          }`,
          edges: h.edges,
          counts: h.counts,
          color: PALETTE[0],
          xLabel: "edit-distance ratio",
          width: histWidth,
        })
      }</figure>`,
    );
  });
  parts.push(`</div>`);

  // Scaling
  parts.push(`<h2 id="scaling">Inference-time scaling</h2>`);
  if (data.scaling.length === 0) parts.push(`<p class="note">No scaling curve in this run.</p>`);
  else {
    parts.push(
      `<p class="note">Same budget of 2K model calls per problem: <b>parallel</b> = majority vote over 2K first attempts; ` +
        `<b>sequential</b> = K samples, each self-corrected once, majority vote over the K second attempts. Ties go to the ` +
        `answer whose first vote came earliest. Paper (MATH, ${PAPER_SCALING.samples} samples): parallel +${PAPER_SCALING.parallelGainPct}%, ` +
        `with self-correction +${PAPER_SCALING.sequentialGainPct}%.</p>`,
    );
    const series: LineSeries[] = data.scaling.flatMap((sc, i) => {
      const name = data.scaling.length > 1 ? `${methodLabel({ id: sc.method })}: ` : "";
      return [
        {
          name: `${name}parallel (2K samples)`,
          color: PALETTE[(2 * i + 1) % PALETTE.length],
          dashed: true,
          points: sc.points.map((p) => ({
            x: 2 * p.k,
            y: p.parallel,
            lo: p.ci?.parallel.lo,
            hi: p.ci?.parallel.hi,
          })),
        },
        {
          name: `${name}sequential (K + self-correction)`,
          color: PALETTE[(2 * i) % PALETTE.length],
          points: sc.points.map((p) => ({
            x: 2 * p.k,
            y: p.sequential,
            lo: p.ci?.sequential.lo,
            hi: p.ci?.sequential.hi,
          })),
        },
      ];
    });
    parts.push(
      `<div class="grid"><figure>${
        lineChart({
          title: "Majority-vote accuracy against model calls",
          series,
          xLabel: "model calls per problem (2K, log scale)",
          yLabel: "accuracy (%)",
          log2X: true,
          percentY: true,
          width: 520,
          height: 280,
        })
      }</figure>`,
    );
    for (const sc of data.scaling) parts.push(htmlTable(scalingTable(sc)));
    parts.push(`</div>`);
  }

  // Run
  parts.push(`<h2 id="run">Run</h2><dl class="meta">`);
  for (const [k, v] of metaRows(data)) parts.push(`<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`);
  parts.push(`</dl>`);
  if (m.stageWallTimes.length) parts.push(htmlTable(stageTimesTable(data)));
  if (m.notes.length) parts.push(`<ul>${m.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`);

  // Paper
  parts.push(`<h2 id="paper">The paper's tables</h2>`);
  parts.push(
    `<div class="grid">${
      paperTables().map((t) => `<h3>${esc(t.title)}</h3>${htmlTable(t)}`).join("")
    }</div>`,
  );
  parts.push(
    `<p class="note">Kumar et al., “Training Language Models to Self-Correct via Reinforcement Learning”, arXiv 2409.12917.</p>`,
  );
  parts.push(`</main></body></html>\n`);
  return parts.join("\n");
}
