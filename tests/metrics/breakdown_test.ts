import assert from "node:assert/strict";
import {
  breakdownByFamily,
  breakdownByLevel,
  editRatioHistogram,
  ratioHistogram,
  sortGroupKeys,
} from "../../metrics/mod.ts";
import { rec } from "./fixtures.ts";

Deno.test("per-level breakdown sorts levels numerically and splits the counts", () => {
  const rs = [
    rec("a", true, true, { level: 10 }),
    rec("b", false, true, { level: 2 }),
    rec("c", true, false, { level: 2 }),
    rec("d", false, false, { level: 1 }),
  ];
  const g = breakdownByLevel(rs);
  assert.deepEqual(g.map((x) => x.key), ["1", "2", "10"]);
  assert.deepEqual(g.map((x) => x.metrics.n), [1, 2, 1]);
  assert.equal(g[1].metrics.deltaIC, 0.5);
  assert.equal(g[1].metrics.deltaCI, 0.5);
  assert.equal(g[1].metrics.delta, 0);
});

Deno.test("per-family breakdown groups by family name in code-unit order", () => {
  const rs = [rec("a", true, true, { family: "mul" }), rec("b", false, true, { family: "Add" })];
  assert.deepEqual(breakdownByFamily(rs).map((x) => x.key), ["Add", "mul"]);
});

Deno.test("ratio histogram bins with a closed last bin and counts identical attempts", () => {
  const h = ratioHistogram([0, 0, 0.05, 0.1, 0.55, 1], 10);
  assert.equal(h.edges.length, 11);
  assert.deepEqual(h.counts, [3, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.equal(h.identical, 2);
  assert.equal(h.n, 6);
  assert.throws(() => ratioHistogram([1.5]), /outside/);
  assert.throws(() => ratioHistogram([0.5], 0), /bins/);
});

Deno.test("edit ratio histogram of records uses the attempts' texts", () => {
  const h = editRatioHistogram([
    rec("a", true, true, { t1: "same", t2: "same" }),
    rec("b", true, true, { t1: "ab", t2: "" }),
  ], 4);
  assert.deepEqual(h.counts, [1, 0, 0, 1]);
  assert.equal(h.identical, 1);
});

Deno.test("sortGroupKeys: one order for every group list — numeric levels, code-unit families", () => {
  assert.deepEqual(sortGroupKeys(["10", "2", "1"]), ["1", "2", "10"]);
  assert.deepEqual(sortGroupKeys(["mul", "Add", "add"]), ["Add", "add", "mul"]);
  assert.deepEqual(sortGroupKeys(["10", "x", "2"]), ["10", "2", "x"]);
  const levels = breakdownByLevel([
    rec("a", true, true, { level: 10 }),
    rec("b", true, true, { level: 9 }),
  ]).map((g) => g.key);
  assert.deepEqual(levels, sortGroupKeys(levels));
});
