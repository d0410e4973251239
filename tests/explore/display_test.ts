import assert from "node:assert/strict";
import {
  chartBundle,
  evalTraces,
  noteBundle,
  tableBundle,
  tableHtml,
  tableOf,
  tableText,
  traceTable,
} from "../../explore/mod.ts";
import { curveSpec } from "../../report/mod.ts";

Deno.test("tables escape HTML in every cell and keep multi-line cells readable", () => {
  const t = tableOf([{ name: "<script>alert(1)</script>", value: 0.123456, ok: true, none: null }]);
  const html = tableHtml(t);
  assert.doesNotMatch(html, /<script>/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /<td style="text-align:left">0\.1235<\/td>/);
  assert.match(html, /<td style="text-align:left">—<\/td>/);
  const multi = tableHtml({ columns: ["a"], rows: [["line 1\nline 2"]] });
  assert.match(multi, /white-space:pre-wrap/);
});

Deno.test("plain-text tables align columns and mark line breaks", () => {
  const text = tableText({ columns: ["k", "value"], rows: [["long key", 1], ["x", "a\nb"]] });
  const lines = text.split("\n");
  assert.equal(lines[0], "k         value");
  assert.equal(lines[1], "--------  -----");
  assert.equal(lines[2], "long key  1");
  assert.equal(lines[3], "x         a ⏎ b");
});

Deno.test("bundles carry the MIME types Jupyter renders, with a plain-text fallback", () => {
  const tb = tableBundle(tableOf([{ a: 1 }]), { caption: "cap" });
  assert.deepEqual(Object.keys(tb).sort(), ["text/html", "text/plain"]);
  assert.match(tb["text/plain"] as string, /^cap\n/);
  const spec = curveSpec([{
    stage: "s",
    seed: 0,
    step: 0,
    panel: "reward",
    series: "attempt 1",
    value: 1,
  }]);
  const cb = chartBundle(spec);
  assert.equal(cb["application/vnd.vegalite.v5+json"], spec);
  assert.equal(cb["text/plain"], "Vega-Lite chart: Training curves (1 rows)");
  assert.deepEqual(Object.keys(noteBundle("**x**")).sort(), ["text/markdown", "text/plain"]);
});

Deno.test("trace tables show both attempts with answer and verdict, cut to maxText", () => {
  const traces = evalTraces([{
    problemId: "p",
    level: 1,
    family: "add",
    gold: "2",
    attempt1: { text: "x".repeat(50), answer: null, correct: false },
    attempt2: { text: "= 2", answer: "2", correct: true },
  }]);
  const t = traceTable(traces, { maxText: 10 });
  const row = t.rows[0];
  assert.equal(row[3], `${"x".repeat(10)}…\n→ (no answer) ✗`);
  assert.equal(row[4], "= 2\n→ 2 ✓");
  assert.equal(row[5], "wrong→right");
});
