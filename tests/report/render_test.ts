import assert from "node:assert/strict";
import {
  chartSvg,
  METHOD_IDS,
  METHOD_LABELS,
  PAPER_MATH,
  parseReportData,
  parseReportJson,
  renderAll,
  renderHtml,
  renderJson,
  renderMarkdown,
  reportCharts,
  ReportData,
} from "../../report/mod.ts";
import { fullReportData, REPRODUCING, synthMethod } from "./fixtures.ts";
import { assertWellFormed, svgFragments } from "./xml.ts";

const data = fullReportData();

/** The rows of the first Markdown table after a heading. */
function markdownTable(md: string, heading: string): string[][] {
  const lines = md.split("\n");
  let i = lines.indexOf(heading);
  assert.ok(i >= 0, `heading ${heading} missing`);
  while (!lines[i].startsWith("|")) i++;
  const rows: string[][] = [];
  for (; i < lines.length && lines[i].startsWith("|"); i++) {
    rows.push(lines[i].slice(1, -1).split(" | ").map((c) => c.trim()));
  }
  return rows;
}

Deno.test("markdown main table has every method row and the paper's row beside it", () => {
  const md = renderMarkdown(data);
  const rows = markdownTable(md, "## Main results");
  const labels = rows.slice(2).map((r) => r[0]);
  for (const id of METHOD_IDS) {
    assert.ok(labels.includes(`**${METHOD_LABELS[id]}**`), `row ${id} missing`);
  }
  assert.equal(labels.filter((l) => l.startsWith("↳ *paper")).length, 8); // all but naive RL
  const scoreRow = rows.find((r) => r[0] === "↳ *paper (MATH500): SCoRe*")!;
  assert.equal(scoreRow[2], String(PAPER_MATH[4].accT1.toFixed(1)));
});

Deno.test("Δ = Δ^{i→c} − Δ^{c→i} holds in every rendered row (to display rounding)", () => {
  const md = renderMarkdown(data);
  const rows = markdownTable(md, "## Main results");
  const h = rows[0];
  const [di, ici, cii] = [h.indexOf("Δ"), h.indexOf("Δ^{i→c}"), h.indexOf("Δ^{c→i}")];
  let checked = 0;
  for (const r of rows.slice(2)) {
    const num = (s: string) => Number(s.split(" ")[0]);
    if (r[ici] === "—") continue; // the paper's ablation table gives no i→c / c→i
    const err = Math.abs(num(r[di]) - (num(r[ici]) - num(r[cii])));
    assert.ok(err <= 0.1 + 1e-9, `row ${r[0]}: Δ ${r[di]} vs ${r[ici]} − ${r[cii]}`);
    checked++;
  }
  assert.equal(checked, METHOD_IDS.length + 4);
});

Deno.test("report.json carries the exact Δ identity for every row and seed", () => {
  const j = JSON.parse(renderJson(data));
  assert.equal(j.methods.length, METHOD_IDS.length);
  for (const m of j.methods) {
    assert.equal(m.deltaIdentity.holdsForEverySeed, true);
    assert.ok(m.deltaIdentity.meanAbsError < 1e-12);
    for (const s of m.evaluation.seeds) {
      const c = s.metrics.counts;
      assert.equal(c.incorrectToCorrect - c.correctToIncorrect, c.correctT2 - c.correctT1);
      assert.equal(s.metrics.delta, s.metrics.deltaIC - s.metrics.deltaCI);
    }
  }
  assert.equal(j.claims.length, 5);
  assert.equal(j.format, "score-report/1");
});

Deno.test("data that breaks the Δ identity is rejected, naming the place", () => {
  const bad = structuredClone(data) as ReturnType<typeof fullReportData>;
  const seed = bad.methods[2].evaluation.seeds[1];
  seed.metrics.delta = seed.metrics.delta + 0.01;
  assert.throws(() => renderMarkdown(bad), /methods.*2.*seeds.*1.*Δ identity violated/s);
  const bad2 = structuredClone(data) as ReturnType<typeof fullReportData>;
  bad2.methods[0].evaluation.seeds[0].metrics.counts.incorrectToCorrect += 1;
  assert.throws(() => ReportData.parse(bad2), /Δ identity violated/);
});

Deno.test("a method given twice is rejected", () => {
  const twice = { ...data, methods: [data.methods[0], data.methods[0]] };
  assert.throws(() => ReportData.parse(twice), /appears twice/);
});

Deno.test("rendering is deterministic and survives a JSON round trip byte for byte", async () => {
  const again = JSON.parse(JSON.stringify(data));
  assert.equal(renderMarkdown(data), renderMarkdown(again));
  assert.equal(await renderHtml(data), await renderHtml(again));
  assert.equal(renderJson(data), renderJson(again));
});

Deno.test("html loads nothing from a network and has no scripts", async () => {
  const html = await renderHtml(data);
  assert.doesNotMatch(html, /(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
  assert.doesNotMatch(html, /<script|<link|<iframe|<img|@import|url\(/i);
  assert.doesNotMatch(html, /https?:\/\//i);
  for (const id of METHOD_IDS) assert.ok(html.includes(METHOD_LABELS[id]), `${id} missing`);
  assert.ok(html.includes("&lt;&amp;&gt; &quot;quoted&quot;"), "notes must be escaped");
});

Deno.test("every chart is a Vega-Lite spec rendered to well-formed inline SVG", async () => {
  const html = await renderHtml(data);
  const svgs = svgFragments(html);
  // Δ and accuracy, one faceted chart per training stage (2), the histograms, the scaling curve
  const charts = reportCharts(ReportData.parse(data));
  assert.equal(svgs.length, charts.length);
  assert.equal(svgs.length, 2 + 2 + 1 + 1);
  assert.equal(svgs[0], await chartSvg(charts[0].spec), "the page's chart is the spec's SVG");
  for (const s of svgs) assertWellFormed(s);
  assert.throws(() => assertWellFormed("<svg><g></svg>"), /closes/);
  assert.throws(() => assertWellFormed(`<svg a="1 & 2"/>`), /bad entity/);
});

Deno.test("a minimal report (one row, one seed, no curves or scaling) renders", async () => {
  const one = {
    meta: {
      preset: "smoke",
      seeds: [0],
      budget: "2 min",
      backend: "cpu",
      dataset: "synthetic",
      testProblems: 40,
    },
    methods: [synthMethod("base", REPRODUCING.base, { n: 40, seeds: 1 })],
  };
  const md = renderMarkdown(one);
  assert.match(md, /\*\*Base model\*\* \| 1 \| 50\.0 \|/);
  assert.match(md, /### 5\. Each ablation lowers Δ[^\n]*\n\n\*\*Verdict: inconclusive\.\*\*/);
  const html = await renderHtml(one);
  assert.match(html, /No training curves in this run/);
  for (const s of svgFragments(html)) assertWellFormed(s);
  assert.equal(JSON.parse(renderJson(one)).methods.length, 1);
});

Deno.test("renderAll gives the three files; bad data names the source and the path", async () => {
  const files = await renderAll(data);
  assert.deepEqual(Object.keys(files), ["report.md", "report.html", "report.json"]);
  assert.equal(files["report.md"], renderMarkdown(data));
  const bad = { ...data, meta: { ...data.meta, testProblems: "many" } };
  assert.throws(() => parseReportData(bad, "out/report-data.json"), (e: Error) => {
    assert.match(e.message, /out\/report-data\.json/);
    assert.match(e.message, /meta\.testProblems/);
    return true;
  });
});

Deno.test("report.json reads back into the same report, byte for byte", () => {
  const json = renderJson(fullReportData(REPRODUCING, { comparisons: true }));
  const back = parseReportJson(json, "out/report.json");
  assert.equal(renderJson(back), json);
  assert.equal(back.comparisons.length, 12);
  assert.throws(
    () => parseReportJson("{}", "x/report.json"),
    /x\/report\.json: not a report\.json/,
  );
  assert.throws(() => parseReportJson("{", "x/report.json"), /not valid JSON/);
});
