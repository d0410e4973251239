/** Constructed report data: records with chosen transition rates, evaluated by the real metrics. */
import {
  createRng,
  type EvalRecord,
  evaluateMethod,
  scalingCurve,
  type ScalingRecord,
} from "../../metrics/mod.ts";
import {
  buildComparisons,
  type MethodId,
  type ReportDataInput,
  type TrainingCurve,
} from "../../report/mod.ts";

/** Rates (fractions of all problems) that a constructed record set should have. */
export interface Spec {
  accT1: number;
  ic: number;
  ci: number;
  /** fraction of wrong→wrong problems whose answer still changes */
  wwChange?: number;
}

/** n records with exactly round(rate·n) problems in each transition, shuffled by `seed`. */
export function synthRecords(spec: Spec, n: number, seed: number): EvalRecord[] {
  const nC1 = Math.round(spec.accT1 * n), nIC = Math.round(spec.ic * n);
  const nCI = Math.round(spec.ci * n);
  const nCC = nC1 - nCI, nII = n - nC1 - nIC;
  if (nCC < 0 || nII < 0) throw new Error(`inconsistent spec ${JSON.stringify(spec)}`);
  const kinds: string[] = [
    ...Array(nCC).fill("cc"),
    ...Array(nCI).fill("ci"),
    ...Array(nIC).fill("ic"),
    ...Array(nII).fill("ii"),
  ];
  const rng = createRng(seed);
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const wwChange = spec.wwChange ?? 0.5;
  return kinds.map((k, i) => {
    const c1 = k === "cc" || k === "ci", c2 = k === "cc" || k === "ic";
    const change = k === "ic" || k === "ci" || (k === "ii" && rng.nextInt(1000) < wwChange * 1000);
    const a1 = c1 ? "42" : "41";
    const a2 = c2 ? "42" : change ? "40" : a1;
    const t1 = `${i} * 6 = ${6 * i}; carry ${i % 7}; answer ${a1}`;
    const t2 = change ? `recheck: ${i} * 6 = ${6 * i}, so the answer is ${a2}` : t1;
    return {
      problemId: `p${i}`,
      level: (i % 4) + 1,
      family: ["add", "mul", "linear"][i % 3],
      gold: "42",
      attempt1: { text: t1, answer: a1, correct: c1 },
      attempt2: { text: t2, answer: a2, correct: c2 },
    };
  });
}

/** Record sets of `seeds` seeds for a spec (jittered by ±0.5 pp per seed). */
export function synthRuns(spec: Spec, opts: { n?: number; seeds?: number } = {}) {
  const n = opts.n ?? 400, S = opts.seeds ?? 3;
  return Array.from({ length: S }, (_, s) => {
    const j = (s - (S - 1) / 2) * 0.005;
    return {
      seed: s,
      records: synthRecords(
        { ...spec, accT1: spec.accT1 + j, ic: Math.max(0, spec.ic + j) },
        n,
        100 + s,
      ),
    };
  });
}

/** A method row evaluated over `seeds` seeds (spec jittered by ±0.5 pp per seed). */
export function synthMethod(id: MethodId, spec: Spec, opts: { n?: number; seeds?: number } = {}) {
  return {
    id,
    evaluation: evaluateMethod(synthRuns(spec, opts), { bootstrap: { resamples: 200, seed: 1 } }),
  };
}

/** Training curve with a smooth trend, for rendering. */
export function synthCurve(stage: string, seed: number, method?: MethodId): TrainingCurve {
  return {
    stage,
    seed,
    ...(method ? { method } : {}),
    points: Array.from({ length: 12 }, (_, i) => ({
      step: i * 10,
      reward1: 0.5 + 0.02 * i + 0.01 * seed,
      reward2: 0.45 + 0.035 * i,
      kl1: 0.001 * i * i,
      kl2: 0.002 * i,
      delta: -0.05 + 0.01 * i,
      changedRate: 0.6 - 0.03 * i,
    })),
  };
}

/** Specs where every claim of SCORE.md reproduces. */
export const REPRODUCING: Record<MethodId, Spec> = {
  base: { accT1: 0.5, ic: 0.08, ci: 0.12, wwChange: 0.9 },
  star: { accT1: 0.52, ic: 0.01, ci: 0.005, wwChange: 0.02 },
  pair_sft: { accT1: 0.51, ic: 0.015, ci: 0.01, wwChange: 0.05 },
  naive_rl: { accT1: 0.62, ic: 0.005, ci: 0.005, wwChange: 0.01 },
  score: { accT1: 0.6, ic: 0.14, ci: 0.01, wwChange: 0.5 },
  // SCoRe's own Stage I checkpoint, above SCoRe on Acc@t2: it must not count against claim 4
  score_stage1: { accT1: 0.5, ic: 0.3, ci: 0.01, wwChange: 0.5 },
  abl_single_turn: { accT1: 0.62, ic: 0.02, ci: 0.03 },
  abl_no_stage1: { accT1: 0.6, ic: 0.05, ci: 0.02 },
  abl_no_shaping: { accT1: 0.6, ic: 0.06, ci: 0.02 },
  abl_star_stage2: { accT1: 0.56, ic: 0.04, ci: 0.02 },
};

/** A full ReportData with all ten rows, curves and a scaling curve. */
export function fullReportData(
  specs: Partial<Record<MethodId, Spec>> = REPRODUCING,
  opts: { n?: number; seeds?: number; comparisons?: boolean } = {},
): ReportDataInput {
  const ids = Object.keys(specs) as MethodId[];
  const runs = Object.fromEntries(ids.map((id) => [id, synthRuns(specs[id]!, opts)]));
  const methods = ids.map((id) => ({
    id,
    evaluation: evaluateMethod(runs[id], { bootstrap: { resamples: 200, seed: 1 } }),
  }));
  const comparisons = opts.comparisons
    ? buildComparisons(
      Object.fromEntries(ids.map((id) => [id, runs[id].map((r) => r.records)])),
      { resamples: 200, seed: 1 },
    )
    : [];
  return {
    meta: {
      preset: "test",
      seeds: [0, 1, 2],
      budget: "constructed data",
      backend: "none",
      dataset: "synthetic",
      testProblems: opts.n ?? 400,
      stageWallTimes: [{ stage: "base", seconds: 12.5 }, { stage: "stage2", seconds: 95 }],
      createdAt: "2026-01-01T00:00:00Z",
      notes: ['Constructed for tests <&> "quoted"'],
    },
    methods,
    comparisons,
    curves: [
      synthCurve("stage1", 0, "score"),
      synthCurve("stage1", 1, "score"),
      synthCurve("stage2", 0, "score"),
    ],
    scaling: [{
      method: "score",
      temperature: 0.7,
      samplesPerProblem: 16,
      problems: 50,
      points: scalingCurve(synthScaling(50, 16), { bootstrap: { resamples: 200, seed: 3 } }),
    }],
  };
}

/** Sampled answers for the scaling curve: first attempts right 45% of the time; a second attempt
 * fixes a wrong first answer 30% of the time and breaks a right one 5% of the time. */
export function synthScaling(problems: number, samples: number): ScalingRecord[] {
  const rng = createRng(11);
  const u = () => rng.nextU32() / 4294967296;
  return Array.from({ length: problems }, (_, i) => ({
    problemId: `s${i}`,
    samples: Array.from({ length: samples }, () => {
      const r1 = u() < 0.45;
      const a1 = r1 ? "42" : String(30 + rng.nextInt(4));
      const r2 = r1 ? u() >= 0.05 : u() < 0.3;
      const a2 = r2 ? "42" : r1 ? "31" : a1;
      return {
        attempt1: { answer: a1, correct: r1 },
        attempt2: { answer: a2, correct: r2 },
      };
    }),
  }));
}
