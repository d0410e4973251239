import assert from "node:assert/strict";
import { histogramChart, intervalChart, lineChart } from "../../report/mod.ts";
import { niceTicks, tickLabel } from "../../report/svg.ts";
import { assertWellFormed } from "./xml.ts";

Deno.test("nice ticks cover the range with round steps", () => {
  const t = niceTicks(0.03, 0.87, 5);
  assert.ok(t[0] <= 0.03 && t[t.length - 1] >= 0.87);
  const steps = t.slice(1).map((v, i) => +(v - t[i]).toFixed(12));
  assert.ok(steps.every((s) => s === steps[0]) && [0.1, 0.2, 0.25].includes(steps[0]));
  const flat = niceTicks(5, 5);
  assert.ok(flat[0] < 5 && flat[flat.length - 1] > 5);
  assert.equal(tickLabel(-0.0000001), "0");
  assert.equal(tickLabel(12.5), "12.5");
  // With the tick step: the decimals the step needs, exponents for tiny steps.
  assert.equal(tickLabel(0.25, 0.25), "0.25");
  assert.equal(tickLabel(1, 0.5), "1.0");
  assert.equal(tickLabel(4e-9, 2e-9), "4e-9");
  assert.equal(tickLabel(-2.5e-6, 5e-7), "-2.5e-6");
  assert.equal(tickLabel(-1e-12, 0.1), "0");
});

Deno.test("line chart escapes labels, draws one path per series and is well-formed", () => {
  const svg = lineChart({
    title: "a <b> & c",
    series: [
      { name: "s1", color: "#000", points: [{ x: 1, y: 0.1 }, { x: 2, y: 0.3 }] },
      { name: "s2", color: "#111", dashed: true, points: [{ x: 1, y: -0.2 }, { x: 4, y: 0 }] },
    ],
    xLabel: "x",
    yLabel: "y",
    log2X: true,
  });
  assertWellFormed(svg);
  assert.equal(svg.match(/<path /g)?.length, 2);
  assert.match(svg, /a &lt;b&gt; &amp; c/);
  assert.match(svg, /stroke-dasharray/);
});

Deno.test("an empty line chart says so instead of failing", () => {
  const svg = lineChart({ title: "t", series: [], xLabel: "x", yLabel: "y" });
  assertWellFormed(svg);
  assert.match(svg, /no data/);
});

Deno.test("interval and histogram charts are well-formed and draw every row and bin", () => {
  const iv = intervalChart({
    title: "Δ",
    xLabel: "pp",
    rows: [
      { label: "A", point: 0.02, lo: -0.01, hi: 0.05, color: "#000" },
      { label: "paper", point: 0.044, color: "#888", reference: true },
    ],
  });
  assertWellFormed(iv);
  assert.equal(iv.match(/<circle /g)?.length, 1);
  assert.match(iv, /A: 2\.0 \[-1\.0, 5\.0\]/);
  const h = histogramChart({
    title: "h",
    edges: [0, 0.5, 1],
    counts: [3, 1],
    color: "#000",
    xLabel: "r",
  });
  assertWellFormed(h);
  assert.equal(h.match(/<rect /g)?.length, 2);
  assert.match(h, /75\.0% \(3\)/);
});
