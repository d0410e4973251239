/**
 * Inference-time scaling (SCORE.md): with the same budget of 2K model calls per problem, compare
 * "parallel" — majority vote over 2K independent first attempts — against "sequential" — K samples,
 * each self-corrected once, majority vote over the K second attempts.
 *
 * Each problem's M samples are cut, in sample order, into disjoint groups (of 2K samples for
 * parallel, of K for sequential); a problem's accuracy at K is the mean over its groups, and the
 * curve value is the mean over problems. Using every group (not only the first) lowers the variance
 * without changing the expectation.
 *
 * Majority vote: samples without an extracted answer (null) do not vote; the answer with the most
 * votes wins; a tie goes to the tied answer whose first vote came earliest in sample order (so the
 * result is deterministic and equals the choice of the earliest sample among the tied); the vote is
 * correct when that first sample with the winning answer was verified correct. No votes at all
 * counts as wrong.
 */
import { bootstrapMeanIntervals, type BootstrapOptions } from "./bootstrap.ts";
import { parseWithSource } from "./parse.ts";
import { ScalingPoint, ScalingRecord } from "./schemas.ts";
import { z } from "zod";

/** The answer and verdict of one attempt, as votes see them. */
export interface Vote {
  answer: string | null;
  correct: boolean;
}

/** Majority vote with the tie rule above; returns whether the winning answer is correct. */
export function majorityVoteCorrect(votes: readonly Vote[]): boolean {
  const tally = new Map<string, { count: number; first: number; correct: boolean }>();
  votes.forEach((v, i) => {
    if (v.answer === null) return;
    const t = tally.get(v.answer);
    if (t) t.count++;
    else tally.set(v.answer, { count: 1, first: i, correct: v.correct });
  });
  let best: { count: number; first: number; correct: boolean } | undefined;
  for (const t of tally.values()) {
    if (!best || t.count > best.count || (t.count === best.count && t.first < best.first)) best = t;
  }
  return best ? best.correct : false;
}

/** Options: which K to evaluate (default 1, 2, 4, … while 2K ≤ the fewest samples of any problem). */
export interface ScalingOptions {
  ks?: number[];
  /** bootstrap settings of the intervals over problems (default 1000 resamples, seed 0); false: none */
  bootstrap?: BootstrapOptions | false;
}

/** The two majority-vote accuracy curves over K. */
export function scalingCurve(
  records: readonly ScalingRecord[],
  opts: ScalingOptions = {},
): ScalingPoint[] {
  const data = parseWithSource(z.array(ScalingRecord).min(1), records, "scaling records");
  const minM = Math.min(...data.map((r) => r.samples.length));
  let ks = opts.ks;
  if (!ks) {
    ks = [];
    for (let k = 1; 2 * k <= minM; k *= 2) ks.push(k);
    if (ks.length === 0) {
      throw new Error(
        `scalingCurve: a problem has only ${minM} sample(s); fix: sample at least 2 per problem`,
      );
    }
  }
  return ks.map((k) => {
    if (!Number.isInteger(k) || k < 1 || 2 * k > minM) {
      throw new Error(
        `scalingCurve: K = ${k} needs 2K = ${2 * k} samples per problem but the fewest is ${minM}`,
      );
    }
    const par: number[] = [], seq: number[] = [];
    for (const r of data) {
      const s = r.samples;
      const gp = Math.floor(s.length / (2 * k));
      let p = 0;
      for (let g = 0; g < gp; g++) {
        if (majorityVoteCorrect(s.slice(g * 2 * k, (g + 1) * 2 * k).map((x) => x.attempt1))) p++;
      }
      const gs = Math.floor(s.length / k);
      let q = 0;
      for (let g = 0; g < gs; g++) {
        if (majorityVoteCorrect(s.slice(g * k, (g + 1) * k).map((x) => x.attempt2))) q++;
      }
      par.push(p / gp);
      seq.push(q / gs);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const point: ScalingPoint = {
      k,
      parallel: mean(par),
      sequential: mean(seq),
      parallelGroups: Math.floor(minM / (2 * k)),
      sequentialGroups: Math.floor(minM / k),
    };
    if (opts.bootstrap !== false) {
      const diff = seq.map((v, i) => v - par[i]);
      const [parallel, sequential, difference] = bootstrapMeanIntervals(
        [par, seq, diff],
        opts.bootstrap ?? {},
      );
      point.ci = { parallel, sequential, difference };
    }
    return ScalingPoint.parse(point);
  });
}
