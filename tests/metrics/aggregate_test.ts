import assert from "node:assert/strict";
import { aggregateSeeds, selfCorrectionMetrics, spread } from "../../metrics/mod.ts";
import { rec } from "./fixtures.ts";

Deno.test("spread gives mean, sample std (n − 1), min and max", () => {
  assert.deepEqual(spread([1, 2, 3]), { mean: 2, std: 1, min: 1, max: 3, n: 3 });
  assert.deepEqual(spread([0.25]), { mean: 0.25, std: 0, min: 0.25, max: 0.25, n: 1 });
  assert.throws(() => spread([]), /no values/);
});

Deno.test("aggregateSeeds spreads every metric over seeds and keeps the Δ identity in the mean", () => {
  const a = selfCorrectionMetrics([rec("a", false, true), rec("b", true, true)]); // Δ 0.5
  const b = selfCorrectionMetrics([rec("a", true, false), rec("b", true, true)]); // Δ -0.5
  const c = selfCorrectionMetrics([rec("a", false, true), rec("b", false, true)]); // Δ 1
  const g = aggregateSeeds([a, b, c]);
  assert.ok(Math.abs(g.delta.mean - 1 / 3) < 1e-15);
  assert.equal(g.delta.min, -0.5);
  assert.equal(g.delta.max, 1);
  assert.ok(Math.abs(g.delta.mean - (g.deltaIC.mean - g.deltaCI.mean)) < 1e-15);
  assert.equal(g.accT1.n, 3);
});
