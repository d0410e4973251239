import assert from "node:assert/strict";
import {
  bootstrapDifference,
  bootstrapMeanOverSeeds,
  bootstrapMetrics,
  quantileSorted,
  selfCorrectionMetrics,
} from "../../metrics/mod.ts";
import { rec } from "./fixtures.ts";
import type { EvalRecord } from "../../metrics/mod.ts";

function mixed(n: number, pattern: (i: number) => [boolean, boolean], prefix = "p"): EvalRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const [a, b] = pattern(i);
    return rec(`${prefix}${i}`, a, b);
  });
}

Deno.test("type-7 quantile interpolates between order statistics", () => {
  const s = [1, 2, 3, 4];
  assert.equal(quantileSorted(s, 0), 1);
  assert.equal(quantileSorted(s, 1), 4);
  assert.equal(quantileSorted(s, 0.5), 2.5);
  assert.equal(quantileSorted(s, 0.25), 1.75);
});

Deno.test("bootstrap is reproducible for a seed and changes with the seed", () => {
  const rs = mixed(80, (i) => [i % 3 === 0, i % 2 === 0]);
  const a = bootstrapMetrics(rs, { resamples: 200, seed: 5 });
  const b = bootstrapMetrics(rs, { resamples: 200, seed: 5 });
  const c = bootstrapMetrics(rs, { resamples: 200, seed: 6 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.intervals, c.intervals);
  assert.equal(a.resamples, 200);
});

Deno.test("bootstrap interval brackets the point estimate and has a plausible width", () => {
  const rs = mixed(200, (i) => [i % 2 === 0, i % 4 !== 3]);
  const { intervals } = bootstrapMetrics(rs, { resamples: 500, seed: 1 });
  const m = selfCorrectionMetrics(rs);
  for (const k of ["accT1", "accT2", "delta", "deltaIC", "deltaCI"] as const) {
    const iv = intervals[k];
    assert.equal(iv.point, m[k]);
    assert.ok(iv.lo <= iv.point && iv.point <= iv.hi, `${k}: ${JSON.stringify(iv)}`);
  }
  // Acc@t1 = 0.5 over 200 problems: standard error 0.035, so the 95% width is near 0.14.
  const w = intervals.accT1.hi - intervals.accT1.lo;
  assert.ok(w > 0.09 && w < 0.2, `width ${w}`);
});

Deno.test("Δ interval is paired: no transitions gives a zero-width Δ interval", () => {
  // Accuracy varies a lot between problems, but attempt 2 always equals attempt 1, so every
  // paired resample has Δ = 0 exactly, whereas independent resampling would give a wide interval.
  const rs = mixed(100, (i) => [i % 2 === 0, i % 2 === 0]);
  const { intervals } = bootstrapMetrics(rs, { resamples: 300, seed: 3 });
  assert.deepEqual([intervals.delta.lo, intervals.delta.hi], [0, 0]);
  assert.ok(intervals.accT1.hi - intervals.accT1.lo > 0.1);
});

Deno.test("bootstrap over seeds pairs the same problems jointly", () => {
  const s1 = mixed(60, (i) => [i % 2 === 0, i % 3 === 0]);
  const s2 = mixed(60, (i) => [i % 3 === 0, i % 2 === 0]).reverse(); // same ids, other order
  const r = bootstrapMeanOverSeeds([s1, s2], { resamples: 200, seed: 9 });
  assert.equal(r.pairing, "joint");
  const m1 = selfCorrectionMetrics(s1), m2 = selfCorrectionMetrics(s2);
  assert.ok(Math.abs(r.intervals.delta.point - (m1.delta + m2.delta) / 2) < 1e-15);
  // Seed 2 is seed 1 with attempts swapped, so on any joint resample the mean Δ is exactly 0.
  assert.ok(Math.abs(r.intervals.delta.lo) < 1e-15 && Math.abs(r.intervals.delta.hi) < 1e-15);
  const other = mixed(60, (i) => [i % 3 === 0, i % 2 === 0], "q");
  const ind = bootstrapMeanOverSeeds([s1, other], { resamples: 200, seed: 9 });
  assert.equal(ind.pairing, "independent");
  assert.ok(ind.intervals.delta.hi - ind.intervals.delta.lo > 0.02);
});

Deno.test("bootstrap rejects bad settings with a message naming them", () => {
  const rs = mixed(5, () => [true, false]);
  assert.throws(() => bootstrapMetrics(rs, { resamples: 0 }), /resamples/);
  assert.throws(() => bootstrapMetrics(rs, { level: 1.5 }), /level/);
  assert.throws(() => bootstrapMetrics([], {}), /no records/);
});

Deno.test("bootstrapDifference is paired by problem: a row against itself has a zero interval", () => {
  const a = mixed(80, (i) => [i % 2 === 0, i % 3 === 0]);
  const r = bootstrapDifference([a, a], [a], { resamples: 200, seed: 2 });
  assert.equal(r.pairing, "joint");
  for (const iv of Object.values(r.intervals)) {
    assert.ok(Math.abs(iv.lo) < 1e-15 && Math.abs(iv.hi) < 1e-15, JSON.stringify(iv));
  }
});

Deno.test("bootstrapDifference: correlated rows give a tighter interval than separate ones", () => {
  // A: 40 wrong→right and 20 right→wrong among 200; B is A with 8 of the fixes undone.
  const a = mixed(
    200,
    (i) => i % 5 === 0 ? [false, true] : i % 10 === 1 ? [true, false] : [i % 2 === 0, i % 2 === 0],
  );
  const b = a.map((r, i) => (i % 25 === 0 ? rec(r.problemId, false, false) : r));
  const d = bootstrapDifference([a], [b], { resamples: 400, seed: 5 }).intervals.delta;
  const ma = selfCorrectionMetrics(a), mb = selfCorrectionMetrics(b);
  assert.ok(Math.abs(d.point - (ma.delta - mb.delta)) < 1e-15);
  assert.ok(d.lo > 0, `paired interval should exclude 0: ${JSON.stringify(d)}`);
  const ia = bootstrapMetrics(a, { resamples: 400, seed: 5 }).intervals.delta;
  const ib = bootstrapMetrics(b, { resamples: 400, seed: 6 }).intervals.delta;
  const unpairedHalf = Math.hypot(ia.hi - ia.lo, ib.hi - ib.lo) / 2;
  assert.ok(
    (d.hi - d.lo) / 2 < unpairedHalf / 2,
    `paired ${(d.hi - d.lo) / 2} vs unpaired ${unpairedHalf}`,
  );
});
