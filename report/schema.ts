/**
 * ReportData: everything the report renders, validated with zod. The evaluate and train stages
 * produce the parts; the report stage assembles and validates them, then renders.
 */
import { z } from "zod";
import {
  BootstrapResult,
  deltaIdentityViolation,
  MethodEvaluation,
  ScalingPoint,
} from "../metrics/mod.ts";
import { DesignAnalysis } from "./design.ts";

/**
 * The report's rows, in table order: baselines, SCoRe, SCoRe's Stage I checkpoint (the
 * intermediate that Stage II starts from; no paper row), then the four ablations.
 */
export const METHOD_IDS = [
  "base",
  "star",
  "pair_sft",
  "naive_rl",
  "score",
  "score_stage1",
  "abl_single_turn",
  "abl_no_stage1",
  "abl_no_shaping",
  "abl_star_stage2",
] as const;
/** A row of the report. */
export const MethodId = z.enum(METHOD_IDS);
/** A row of the report. */
export type MethodId = z.infer<typeof MethodId>;

/**
 * `id` as a report row, or an error naming it: a method the pipeline evaluated but the report
 * does not know is never dropped without a word.
 */
export function methodIdOf(id: string, where: string): MethodId {
  const r = MethodId.safeParse(id);
  if (r.success) return r.data;
  throw new Error(
    `${where}: method "${id}" is not a report row (known: ${METHOD_IDS.join(", ")}); fix: add it ` +
      "to METHOD_IDS and METHOD_LABELS in report/schema.ts",
  );
}

/** Default display names of the rows. */
export const METHOD_LABELS: Readonly<Record<MethodId, string>> = {
  base: "Base model",
  star: "STaR (D+)",
  pair_sft: "Pair-SFT",
  naive_rl: "Naive multi-turn RL",
  score: "SCoRe",
  score_stage1: "SCoRe after Stage I only",
  abl_single_turn: "SCoRe w/o multi-turn training",
  abl_no_stage1: "SCoRe w/o Stage I",
  abl_no_shaping: "SCoRe w/o reward shaping",
  abl_star_stage2: "SCoRe, STaR instead of REINFORCE in Stage II",
};

/** Which rows are ablations of SCoRe (claim 5). */
export const ABLATION_IDS: readonly MethodId[] = [
  "abl_single_turn",
  "abl_no_stage1",
  "abl_no_shaping",
  "abl_star_stage2",
];

/** One row: a method evaluated over its seeds. */
export const MethodRow = z.object({
  id: MethodId,
  label: z.string().optional(),
  evaluation: MethodEvaluation,
});
/** One row: a method evaluated over its seeds. */
export type MethodRow = z.infer<typeof MethodRow>;

const finite = z.number().finite();

/** One logged training step; every quantity optional (Stage I has no attempt-1 reward, …). */
export const CurvePoint = z.object({
  step: z.number().int().min(0),
  /** mean reward of attempt 1 */
  reward1: finite.optional(),
  /** mean verifier reward (0/1) of attempt 2, without the shaping bonus */
  reward2: finite.optional(),
  /** mean reward credited to attempt 2's tokens: reward2 plus the shaping bonus α·(r2 − r1) in
   * Stage II (equal to reward2 when the objective has no shaping) */
  shaped2: finite.optional(),
  /** KL to the reference on attempt 1 */
  kl1: finite.optional(),
  /** KL to the reference on attempt 2 */
  kl2: finite.optional(),
  /** training-batch Δ (accuracy at t2 − t1) */
  delta: finite.optional(),
  /** training-batch rate of changed answers (attempt 2's answer differs from attempt 1's) */
  changedRate: finite.optional(),
  /** training-batch mean edit-distance ratio between the attempts' texts */
  editRatio: finite.optional(),
});
/** One logged training step. */
export type CurvePoint = z.infer<typeof CurvePoint>;

/** The training curve of one stage for one seed. */
export const TrainingCurve = z.object({
  stage: z.string().min(1),
  /** the row this stage trains, when it has one */
  method: MethodId.optional(),
  seed: z.number().int(),
  points: z.array(CurvePoint),
  /** the checkpoint the stage kept (its selection.json): steps taken and its held-out reward */
  kept: z.object({ steps: z.number().int().min(0), heldOutReward: finite }).optional(),
});
/** The training curve of one stage for one seed. */
export type TrainingCurve = z.infer<typeof TrainingCurve>;

/** The inference-time scaling curve of one method. */
export const ScalingCurve = z.object({
  method: MethodId,
  temperature: z.number().min(0),
  samplesPerProblem: z.number().int().positive(),
  problems: z.number().int().positive(),
  points: z.array(ScalingPoint).min(1),
});
/** The inference-time scaling curve of one method. */
export type ScalingCurve = z.infer<typeof ScalingCurve>;

/**
 * Thresholds of the claim rules (fractions, not percent). Defaults: near zero ≤ 2 pp, small Δ
 * ≤ 2 pp, small Δ^{c→i} ≤ 3 pp. See report/claims.ts for the rules.
 */
export const ClaimRules = z.object({
  nearZero: z.number().min(0).max(1).default(0.02),
  smallDelta: z.number().min(0).max(1).default(0.02),
  smallFlip: z.number().min(0).max(1).default(0.03),
});
/** Thresholds of the claim rules. */
export type ClaimRules = z.infer<typeof ClaimRules>;

/** Run metadata shown at the top of the report. */
export const RunMeta = z.object({
  title: z.string().default("SCoRe reproduction"),
  preset: z.string(),
  seeds: z.array(z.number().int()),
  budget: z.string(),
  backend: z.string(),
  dataset: z.string(),
  testProblems: z.number().int().min(0),
  stageWallTimes: z.array(z.object({
    stage: z.string(),
    seconds: z.number().min(0),
    cached: z.boolean().default(false),
  })).default([]),
  /** a timestamp taken from the data (never the render time) */
  createdAt: z.string().optional(),
  gitCommit: z.string().optional(),
  notes: z.array(z.string()).default([]),
});
/** Run metadata shown at the top of the report. */
export type RunMeta = z.infer<typeof RunMeta>;

/**
 * A paired comparison of two rows on the same test problems: bootstrap intervals of
 * (mean over a's seeds) − (mean over b's seeds) for every metric (metrics' bootstrapDifference).
 */
export const Comparison = z.object({ a: MethodId, b: MethodId, bootstrap: BootstrapResult });
/** A paired comparison of two rows. */
export type Comparison = z.infer<typeof Comparison>;

/** Everything the report renders. */
export const ReportData = z.object({
  meta: RunMeta,
  methods: z.array(MethodRow).min(1),
  curves: z.array(TrainingCurve).default([]),
  scaling: z.array(ScalingCurve).default([]),
  /** paired differences the claims use when present (see report/comparisons.ts) */
  comparisons: z.array(Comparison).default([]),
  claimRules: ClaimRules.default({ nearZero: 0.02, smallDelta: 0.02, smallFlip: 0.03 }),
  /** where wrong answers come from, and what attempt 1's own check says (report/design.ts) */
  design: DesignAnalysis.optional(),
}).superRefine((d, ctx) => {
  const seen = new Set<string>();
  d.methods.forEach((m, i) => {
    if (seen.has(m.id)) {
      ctx.addIssue({
        code: "custom",
        path: ["methods", i, "id"],
        message: `method "${m.id}" appears twice; give each row once`,
      });
    }
    seen.add(m.id);
    // SCORE.md: a report where Δ ≠ Δ^{i→c} − Δ^{c→i} is wrong; refuse to render one.
    m.evaluation.seeds.forEach((s, j) => {
      const groups = [
        { path: ["metrics"], metrics: s.metrics },
        ...s.perLevel.map((g, k) => ({ path: ["perLevel", k, "metrics"], metrics: g.metrics })),
        ...s.perFamily.map((g, k) => ({ path: ["perFamily", k, "metrics"], metrics: g.metrics })),
      ];
      for (const g of groups) {
        const v = deltaIdentityViolation(g.metrics);
        if (v) {
          ctx.addIssue({
            code: "custom",
            path: ["methods", i, "evaluation", "seeds", j, ...g.path],
            message: `Δ identity violated (${v}); fix: compute metrics with selfCorrectionMetrics`,
          });
        }
      }
    });
  });
});
/** Everything the report renders (after validation and defaults). */
export type ReportData = z.infer<typeof ReportData>;
/** ReportData as written by producers (defaults may be omitted). */
export type ReportDataInput = z.input<typeof ReportData>;

/** The display name of a row. */
export function methodLabel(row: { id: MethodId; label?: string }): string {
  return row.label ?? METHOD_LABELS[row.id];
}
