import assert from "node:assert/strict";
import { evaluateMethod } from "../../metrics/mod.ts";
import {
  band,
  buildComparisons,
  diffBand,
  evaluateClaims,
  type MethodId,
  type MethodRow,
  ReportData,
  type Verdict,
} from "../../report/mod.ts";
import { fullReportData, REPRODUCING, type Spec, synthRecords } from "./fixtures.ts";

/** Verdicts of all five claims for the reproducing specs with some rows replaced or removed. */
function verdicts(
  change: Partial<Record<MethodId, Spec | null>> = {},
  rules?: Record<string, number>,
): Verdict[] {
  const specs: Partial<Record<MethodId, Spec>> = { ...REPRODUCING };
  for (const [id, s] of Object.entries(change) as [MethodId, Spec | null][]) {
    if (s === null) delete specs[id];
    else specs[id] = s;
  }
  const input = fullReportData(specs);
  return evaluateClaims(ReportData.parse(rules ? { ...input, claimRules: rules } : input)).map((
    c,
  ) => c.verdict);
}

const R = "reproduced", N = "not reproduced", I = "inconclusive";

Deno.test("all five claims reproduce on data built to show them", () => {
  assert.deepEqual(verdicts(), [R, R, R, R, R]);
});

Deno.test("claim 1 (base Δ ≤ ~0): each verdict", () => {
  // Δ = +10 pp: clearly above the 2 pp margin.
  assert.equal(verdicts({ base: { accT1: 0.5, ic: 0.15, ci: 0.05 } })[0], N);
  // Δ = +2 pp with a ±3 pp interval: straddles the margin.
  assert.equal(verdicts({ base: { accT1: 0.5, ic: 0.06, ci: 0.04 } })[0], I);
  assert.equal(verdicts({ base: null })[0], I);
});

Deno.test("claim 2 (STaR / Pair-SFT small Δ, low edit rate): each verdict", () => {
  // STaR with a large Δ fails the claim.
  assert.equal(verdicts({ star: { accT1: 0.5, ic: 0.12, ci: 0.01, wwChange: 0 } })[1], N);
  // Pair-SFT editing as often as the base: edit-rate difference straddles 0 → undecided.
  assert.equal(
    verdicts({ pair_sft: { accT1: 0.5, ic: 0.08, ci: 0.07, wwChange: 0.9 } })[1],
    I,
  );
  // Pair-SFT editing clearly more than the base fails.
  assert.equal(verdicts({ pair_sft: { accT1: 0.4, ic: 0.05, ci: 0.04, wwChange: 1 } })[1], N);
});

Deno.test("claim 3 (naive RL: Acc@t1 up, Δ not, edits fall): each verdict", () => {
  // Acc@t1 clearly below the base: fails.
  assert.equal(verdicts({ naive_rl: { accT1: 0.4, ic: 0.005, ci: 0.005, wwChange: 0 } })[2], N);
  // Acc@t1 equal to the base's: undecided.
  assert.equal(verdicts({ naive_rl: { accT1: 0.5, ic: 0.005, ci: 0.005, wwChange: 0 } })[2], I);
  // Naive RL that learned to self-correct (Δ +8 pp) fails.
  assert.equal(verdicts({ naive_rl: { accT1: 0.6, ic: 0.09, ci: 0.01, wwChange: 0 } })[2], N);
});

Deno.test("claim 4 (SCoRe clearly positive Δ, few c→i, best Acc@t2): each verdict", () => {
  // Negative Δ: fails.
  assert.equal(verdicts({ score: { accT1: 0.6, ic: 0.01, ci: 0.05 } })[3], N);
  // Δ^{c→i} = 3 pp with an interval around the 3 pp limit: undecided.
  assert.equal(verdicts({ score: { accT1: 0.6, ic: 0.13, ci: 0.03 } })[3], I);
  // An ablation clearly better at t2 than SCoRe: fails.
  assert.equal(
    verdicts({
      score: { accT1: 0.5, ic: 0.06, ci: 0.01 },
      abl_no_shaping: { accT1: 0.7, ic: 0.05, ci: 0.01 },
    })[3],
    N,
  );
});

Deno.test("claim 5 (each ablation lowers Δ): each verdict", () => {
  assert.equal(verdicts({ abl_no_stage1: { accT1: 0.6, ic: 0.25, ci: 0.01 } })[4], N);
  assert.equal(verdicts({ abl_no_shaping: { accT1: 0.6, ic: 0.14, ci: 0.01 } })[4], I);
  assert.equal(verdicts({ abl_star_stage2: null })[4], I);
});

Deno.test("thresholds come from the report data's claim rules", () => {
  // SCoRe's Δ^{c→i} is 1 pp (band about [0.4, 1.7]): small under 3 pp, not under 0.2 pp.
  assert.equal(verdicts({}, { nearZero: 0.02, smallDelta: 0.02, smallFlip: 0.002 })[3], N);
  const strict = evaluateClaims(ReportData.parse({
    ...fullReportData({ base: { accT1: 0.5, ic: 0.06, ci: 0.05 } }),
    claimRules: { nearZero: 0.05, smallDelta: 0.02, smallFlip: 0.03 },
  }));
  assert.equal(strict[0].verdict, R); // Δ +1 pp, band within 5 pp
  assert.match(strict[0].rule, /5\.0 pp/);
});

function rowFromSeeds(id: MethodId, specs: Spec[], n: number): MethodRow {
  const runs = specs.map((s, i) => ({ seed: i, records: synthRecords(s, n, 7 + i) }));
  return { id, evaluation: evaluateMethod(runs, { bootstrap: { resamples: 300, seed: 2 } }) };
}

Deno.test("the band widens to cover every seed, so disagreeing seeds undecide a claim", () => {
  // Two seeds, Δ = 0 and Δ = +3 pp on 4000 problems: the bootstrap interval of the mean is
  // narrow (about ±0.6 pp around +1.5) but one seed lies at +3 pp.
  const base = rowFromSeeds("base", [
    { accT1: 0.5, ic: 0.04, ci: 0.04 },
    { accT1: 0.5, ic: 0.07, ci: 0.04 },
  ], 4000);
  const ci = base.evaluation.bootstrap.intervals.delta;
  assert.ok(ci.hi < 0.025, `CI alone would decide: ${JSON.stringify(ci)}`);
  const b = band(base, "delta");
  assert.ok(Math.abs(b.hi - 0.03) < 1e-12 && b.lo <= ci.lo);
  const data = ReportData.parse({
    meta: {
      preset: "t",
      seeds: [0, 1],
      budget: "-",
      backend: "-",
      dataset: "-",
      testProblems: 4000,
    },
    methods: [base],
    claimRules: { nearZero: 0.025, smallDelta: 0.02, smallFlip: 0.03 },
  });
  assert.equal(evaluateClaims(data)[0].verdict, I);
});

Deno.test("difference bands combine both rows' half-widths in quadrature", () => {
  const mk = (mean: number, lo: number, hi: number) =>
    ({
      id: "base",
      evaluation: {
        aggregate: { delta: { mean, std: 0, min: mean, max: mean, n: 1 } },
        bootstrap: { intervals: { delta: { point: mean, lo, hi } } },
      },
    }) as unknown as MethodRow;
  const d = diffBand(mk(0.1, 0.07, 0.14), mk(0.02, 0.0, 0.06), "delta");
  assert.ok(Math.abs(d.point - 0.08) < 1e-12);
  assert.ok(Math.abs(d.lo - (0.08 - Math.hypot(0.03, 0.04))) < 1e-12);
  assert.ok(Math.abs(d.hi - (0.08 + Math.hypot(0.04, 0.02))) < 1e-12);
});

Deno.test("evidence names the numbers that decide each claim", () => {
  const cs = evaluateClaims(ReportData.parse(fullReportData()));
  assert.match(cs[0].evidence, /Base Δ -?\d+\.\d pp \[/);
  assert.match(cs[3].evidence, /SCoRe Δ\^\{c→i\}/);
  assert.match(cs[4].evidence, /w\/o Stage I/);
  for (const c of cs) assert.match(c.evidence, /Seeds: /);
});

Deno.test("paired comparisons decide a difference that unpaired bands leave open", () => {
  // SCoRe and one ablation on the same 300 problems; the ablation misses 12 of SCoRe's
  // wrong→right fixes and is otherwise identical. Unpaired, the two Δ intervals overlap; paired,
  // the difference (+4 pp) is clearly positive.
  const n = 300;
  const score = synthRecords({ accT1: 0.5, ic: 0.12, ci: 0.02 }, n, 3);
  let dropped = 0;
  const abl = score.map((r) => {
    if (dropped < 12 && !r.attempt1.correct && r.attempt2.correct) {
      dropped++;
      return { ...r, attempt2: { ...r.attempt1 } };
    }
    return r;
  });
  const bs = { resamples: 400, seed: 1 };
  const rows: MethodRow[] = [
    { id: "score", evaluation: evaluateMethod([{ seed: 0, records: score }], { bootstrap: bs }) },
    {
      id: "abl_no_shaping",
      evaluation: evaluateMethod([{ seed: 0, records: abl }], { bootstrap: bs }),
    },
  ];
  const meta = {
    preset: "t",
    seeds: [0],
    budget: "-",
    backend: "-",
    dataset: "-",
    testProblems: n,
  };
  const unpaired = diffBand(rows[0], rows[1], "delta");
  assert.equal(unpaired.paired, false);
  assert.ok(unpaired.lo < 0, JSON.stringify(unpaired));
  const comparisons = buildComparisons({ score: [score], abl_no_shaping: [abl] }, bs);
  assert.deepEqual(comparisons.map((c) => [c.a, c.b]), [["score", "abl_no_shaping"]]);
  const data = ReportData.parse({ meta, methods: rows, comparisons });
  const paired = diffBand(rows[0], rows[1], "delta", data.comparisons);
  assert.equal(paired.paired, true);
  assert.ok(Math.abs(paired.point - 0.04) < 1e-12 && paired.lo > 0, JSON.stringify(paired));
  // Reverse lookup negates the interval.
  const rev = diffBand(rows[1], rows[0], "delta", data.comparisons);
  assert.ok(Math.abs(rev.hi + paired.lo) < 1e-15 && Math.abs(rev.lo + paired.hi) < 1e-15);
  const claim5 = evaluateClaims(data)[4];
  assert.match(
    claim5.evidence,
    /w\/o reward shaping Δ \+4\.0 pp \[\+[\d.]+, \+[\d.]+ paired\] \(needs > 0\): holds/,
  );
});

Deno.test("the full constructed report decides the same with paired comparisons", () => {
  const data = ReportData.parse(fullReportData(REPRODUCING, { comparisons: true }));
  assert.equal(data.comparisons.length, 3 + 9); // 3 against the base, SCoRe against the 9 others
  assert.deepEqual(evaluateClaims(data).map((c) => c.verdict), [R, R, R, R, R]);
});
