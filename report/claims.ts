/**
 * The five claims of SCORE.md ("What a reproduction at our scale must show"), each decided from the
 * numbers by an explicit rule that uses the uncertainty (see uncertainty.ts for the band).
 *
 * Bands are described in uncertainty.ts: for one row, the bootstrap CI of the seed mean widened to
 * cover every seed; for a difference between rows, a paired bootstrap interval when the report data
 * carries the comparison (ReportData.comparisons, see comparisons.ts), else an unpaired one.
 *
 * Every claim is a conjunction of conditions. Each condition is judged on a band [lo, hi]:
 * "holds" when the whole band is on the claimed side, "fails" when the whole band is on the other
 * side, "undecided" otherwise (or when a row it needs is missing). The claim is *reproduced* when
 * every condition holds, *not reproduced* when any condition fails, and *inconclusive* otherwise.
 * Thresholds (rules.nearZero, rules.smallDelta, rules.smallFlip) are in the report data.
 *
 * 1. Base: Δ ≤ nearZero. holds: hi ≤ nearZero; fails: lo > nearZero.
 * 2. For STaR and for Pair-SFT: (a) Δ ≤ smallDelta (holds: hi ≤ smallDelta; fails: lo >
 *    smallDelta); (b) edit rate (rate of changed answers) below the base model's (band of the
 *    difference: holds hi < 0; fails lo > 0).
 * 3. Naive multi-turn RL: (a) Acc@t1 above the base's (difference band lo > 0; fails hi < 0);
 *    (b) Δ ≤ smallDelta (as in 2a); (c) edit rate below the base's (as in 2b). The base is where
 *    naive RL starts, so (c) is "its edit rate falls".
 * 4. SCoRe: (a) Δ > 0 (holds lo > 0; fails hi ≤ 0); (b) Δ^{c→i} ≤ smallFlip (holds hi ≤
 *    smallFlip; fails lo > smallFlip); (c) best Acc@t2: fails if any row's Acc@t2 is above SCoRe's
 *    (difference band entirely > 0); holds if SCoRe has the highest mean Acc@t2 and is above every
 *    baseline row (base, STaR, Pair-SFT, naive RL; difference band lo > 0); else undecided.
 * 5. For each ablation: Δ below SCoRe's (difference band SCoRe − ablation: holds lo > 0; fails
 *    hi < 0). A missing ablation row is undecided.
 */
import type { MetricKey } from "../metrics/mod.ts";
import { bandPp, pct, signedPct } from "./format.ts";
import { PAPER_CLAIMS } from "./paper.ts";
import {
  ABLATION_IDS,
  type ClaimRules,
  type MethodId,
  methodLabel,
  type MethodRow,
  type ReportData,
} from "./schema.ts";
import { type Band, band, diffBand } from "./uncertainty.ts";

/** The three verdicts. */
export type Verdict = "reproduced" | "not reproduced" | "inconclusive";

/** How one condition of a claim came out on its band. */
export type ConditionState = "holds" | "fails" | "undecided";

/** One condition of a claim: its outcome and the numbers behind it. */
export interface ClaimCondition {
  state: ConditionState;
  text: string;
}

/** A claim with its verdict, the numbers that decided it, and the rule applied. */
export interface ClaimResult {
  id: number;
  statement: string;
  verdict: Verdict;
  /** all conditions and the seed counts, as one sentence */
  evidence: string;
  /** the conditions one by one */
  conditions: ClaimCondition[];
  /** seeds per row involved */
  seeds: string;
  /** the decision rule of this claim (the band definitions are in BAND_NOTE) */
  rule: string;
}

type State = ConditionState;
type Condition = ClaimCondition;

/** Plain-language rule per claim (rendered in the report beside the verdict). */
export const CLAIM_RULE_TEXT: Readonly<Record<number, (r: ClaimRules) => string>> = {
  1: (r) =>
    `Base Δ band upper bound ≤ ${pct(r.nearZero)} pp → reproduced; lower bound > ${
      pct(r.nearZero)
    } pp → not reproduced.`,
  2: (r) =>
    `For STaR and Pair-SFT: Δ band upper bound ≤ ${
      pct(r.smallDelta)
    } pp, and edit rate (changed answers) below the base's (difference band < 0).`,
  3: (r) =>
    `Naive RL: Acc@t1 above the base's (difference band > 0), Δ band upper bound ≤ ${
      pct(r.smallDelta)
    } pp, edit rate below the base's (difference band < 0).`,
  4: (r) =>
    `SCoRe: Δ band > 0, Δ^{c→i} band upper bound ≤ ${
      pct(r.smallFlip)
    } pp, highest mean Acc@t2 and above every baseline (difference band > 0); no row clearly above it.`,
  5: () => `For each ablation: SCoRe Δ − ablation Δ difference band > 0.`,
};

/** How the bands that the rules read are made (shown once beside the claims). */
export const BAND_NOTE =
  "Bands: 95% bootstrap CI of the seed mean widened to cover every seed. Differences: paired " +
  "bootstrap over the shared test problems when available, widened to ±2 standard errors of " +
  "the seed means; otherwise (unpaired) both rows' half-widths combined in quadrature.";

function upperAtMost(b: Band, limit: number, what: string): Condition {
  const state: State = b.hi <= limit ? "holds" : b.lo > limit ? "fails" : "undecided";
  return { state, text: `${what} ${bandPp(b)} vs ≤ ${signedPct(limit)} pp` };
}

function positive(b: Band, what: string, strictFail = false): Condition {
  const state: State = b.lo > 0
    ? "holds"
    : (strictFail ? b.hi <= 0 : b.hi < 0)
    ? "fails"
    : "undecided";
  return { state, text: `${what} ${bandPp(b)} (needs > 0)` };
}

function negative(b: Band, what: string): Condition {
  const state: State = b.hi < 0 ? "holds" : b.lo > 0 ? "fails" : "undecided";
  return { state, text: `${what} ${bandPp(b)} (needs < 0)` };
}

function missing(id: MethodId): Condition {
  return { state: "undecided", text: `row "${id}" was not run` };
}

function verdictOf(conds: Condition[]): Verdict {
  if (conds.some((c) => c.state === "fails")) return "not reproduced";
  if (conds.length > 0 && conds.every((c) => c.state === "holds")) return "reproduced";
  return "inconclusive";
}

function seedsNote(rows: (MethodRow | undefined)[]): string {
  const parts = rows.filter((r): r is MethodRow => !!r).map((r) =>
    `${methodLabel(r)} ${r.evaluation.seeds.length}`
  );
  return parts.length ? ` Seeds: ${parts.join(", ")}.` : "";
}

/** Decides the five claims from the report's numbers. */
export function evaluateClaims(data: ReportData): ClaimResult[] {
  const rules = data.claimRules;
  const row = (id: MethodId) => data.methods.find((m) => m.id === id);
  const base = row("base"), star = row("star"), pair = row("pair_sft");
  const naive = row("naive_rl"), score = row("score");
  const d = (a: MethodRow, b: MethodRow, k: MetricKey) => diffBand(a, b, k, data.comparisons);

  const claims: Record<number, { conds: Condition[]; rows: (MethodRow | undefined)[] }> = {};

  // Claim 1
  claims[1] = {
    conds: base ? [upperAtMost(band(base, "delta"), rules.nearZero, "Base Δ")] : [missing("base")],
    rows: [base],
  };

  // Claim 2
  const c2: Condition[] = [];
  for (const [id, r] of [["star", star], ["pair_sft", pair]] as const) {
    if (!r) {
      c2.push(missing(id));
      continue;
    }
    const name = methodLabel(r);
    c2.push(upperAtMost(band(r, "delta"), rules.smallDelta, `${name} Δ`));
    if (base) {
      c2.push(negative(d(r, base, "changedRate"), `${name} edit rate − base edit rate`));
    } else c2.push(missing("base"));
  }
  claims[2] = { conds: c2, rows: [base, star, pair] };

  // Claim 3
  const c3: Condition[] = [];
  if (!naive) c3.push(missing("naive_rl"));
  else if (!base) c3.push(missing("base"));
  else {
    c3.push(positive(d(naive, base, "accT1"), "Naive RL Acc@t1 − base Acc@t1"));
    c3.push(upperAtMost(band(naive, "delta"), rules.smallDelta, "Naive RL Δ"));
    c3.push(negative(d(naive, base, "changedRate"), "Naive RL edit rate − base edit rate"));
  }
  claims[3] = { conds: c3, rows: [base, naive] };

  // Claim 4
  const c4: Condition[] = [];
  if (!score) c4.push(missing("score"));
  else {
    c4.push(positive(band(score, "delta"), "SCoRe Δ", true));
    c4.push(upperAtMost(band(score, "deltaCI"), rules.smallFlip, "SCoRe Δ^{c→i}"));
    // SCoRe's own Stage I checkpoint is a step of SCoRe, not a competing row
    const others = data.methods.filter((m) => m.id !== "score" && m.id !== "score_stage1");
    const clearlyAbove = others.filter((m) => d(m, score, "accT2").lo > 0);
    const highest = others.every((m) =>
      m.evaluation.aggregate.accT2.mean < score.evaluation.aggregate.accT2.mean
    );
    const baselineIds: MethodId[] = ["base", "star", "pair_sft", "naive_rl"];
    const baselines = baselineIds.map(row);
    const beatsBaselines = baselines.every((m) => m && d(score, m, "accT2").lo > 0);
    const state: State = clearlyAbove.length > 0
      ? "fails"
      : highest && beatsBaselines
      ? "holds"
      : "undecided";
    const best = [...data.methods].sort((a, b) =>
      b.evaluation.aggregate.accT2.mean - a.evaluation.aggregate.accT2.mean
    )[0];
    const gaps = baselines.filter((m): m is MethodRow =>
      !!m
    ).map((m) => `vs ${methodLabel(m)} ${bandPp(d(score, m, "accT2"))}`);
    c4.push({
      state,
      text: `SCoRe Acc@t2 ${pct(score.evaluation.aggregate.accT2.mean)}%; highest mean: ${
        methodLabel(best)
      } (${pct(best.evaluation.aggregate.accT2.mean)}%); ${gaps.join("; ")}${
        clearlyAbove.length
          ? `; clearly above SCoRe: ${clearlyAbove.map(methodLabel).join(", ")}`
          : ""
      }${
        baselines.some((m) => !m)
          ? "; a baseline row is missing"
          : ""
      }`,
    });
  }
  claims[4] = { conds: c4, rows: [score] };

  // Claim 5
  const c5: Condition[] = [];
  if (!score) c5.push(missing("score"));
  else {
    for (const id of ABLATION_IDS) {
      const a = row(id);
      if (!a) c5.push(missing(id));
      else c5.push(positive(d(score, a, "delta"), `SCoRe Δ − ${methodLabel(a)} Δ`));
    }
  }
  claims[5] = { conds: c5, rows: [score, ...ABLATION_IDS.map(row)] };

  return PAPER_CLAIMS.map(({ id, statement }) => {
    const { conds, rows } = claims[id];
    return {
      id,
      statement,
      verdict: verdictOf(conds),
      evidence: conds.map((c) => `${c.text}: ${c.state}`).join("; ") + "." + seedsNote(rows),
      conditions: conds,
      seeds: seedsNote(rows).trim(),
      rule: CLAIM_RULE_TEXT[id](rules),
    };
  });
}
