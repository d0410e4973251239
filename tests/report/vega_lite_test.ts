import assert from "node:assert/strict";
import {
  curveRows,
  curveSpec,
  deltaBarsSpec,
  deltaRows,
  histogramRows,
  histogramSpec,
  METHOD_IDS,
  ReportData,
  scalingRows,
  scalingSpec,
  vegaLiteBundle,
} from "../../report/mod.ts";
import { fullReportData } from "./fixtures.ts";

const data = ReportData.parse(fullReportData());

/** Every `field` named anywhere in an encoding. */
function fields(x: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(x)) x.forEach((v) => fields(v, out));
  else if (x && typeof x === "object") {
    for (const [k, v] of Object.entries(x)) {
      if (k === "field" && typeof v === "string") out.add(v);
      else if (k !== "data") fields(v, out);
    }
  }
  return out;
}

function checkSpec(spec: Record<string, unknown>, rows: readonly object[]) {
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec, "spec must be plain JSON");
  assert.match(String(spec.$schema), /vega-lite\/v5/);
  assert.equal((spec.data as { values: unknown[] }).values.length, rows.length);
  const present = new Set(rows.flatMap((r) => Object.keys(r)));
  for (const f of fields(spec)) assert.ok(present.has(f), `field ${f} not in the rows`);
}

Deno.test("curve rows flatten every logged quantity and the spec references their fields", () => {
  const rows = curveRows(data.curves);
  assert.equal(rows.length, 3 * 12 * 6);
  assert.deepEqual(new Set(rows.map((r) => r.panel)), new Set(["reward", "KL", "Δ", "changes"]));
  checkSpec(curveSpec(rows), rows);
});

Deno.test("histogram rows are percents per bin that sum to 100 per method", () => {
  const rows = histogramRows(data.methods);
  assert.equal(rows.length, METHOD_IDS.length * 10);
  const sum = rows.filter((r) => r.method === "SCoRe").reduce((a, r) => a + r.percent, 0);
  assert.ok(Math.abs(sum - 100) < 1e-9);
  checkSpec(histogramSpec(rows), rows);
});

Deno.test("scaling rows give both strategies at 2K calls", () => {
  const rows = scalingRows(data.scaling);
  assert.equal(rows.length, 8);
  assert.deepEqual(rows.slice(0, 2).map((r) => [r.calls, r.strategy]), [[2, "parallel"], [
    2,
    "sequential",
  ]]);
  checkSpec(scalingSpec(rows), rows);
});

Deno.test("Δ rows put the paper beside ours, with intervals only on ours", () => {
  const rows = deltaRows(data.methods);
  assert.equal(rows.filter((r) => r.source === "ours").length, METHOD_IDS.length);
  const paper = rows.filter((r) => r.source === "paper");
  assert.equal(paper.length, 8);
  assert.ok(paper.every((r) => r.lo === null && r.hi === null));
  assert.equal(paper.find((r) => r.method === "SCoRe")!.delta, 4.4);
  const spec = deltaBarsSpec(rows);
  checkSpec(spec, rows);
  const bundle = vegaLiteBundle(spec);
  assert.deepEqual(Object.keys(bundle), ["application/vnd.vegalite.v5+json"]);
});
