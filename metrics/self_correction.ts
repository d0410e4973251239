/**
 * The self-correction metrics of SCoRe (SCORE.md "Metrics"), computed from integer counts so that
 * Δ = Δ^{i→c} − Δ^{c→i} holds exactly.
 */
import { editDistanceRatio } from "./levenshtein.ts";
import type { EvalRecord } from "./records.ts";
import type { SelfCorrectionMetrics, TransitionCounts } from "./schemas.ts";

/**
 * Whether attempt 2 proposes a different final answer: the extracted answers (as the verifier
 * normalised them) differ as strings; an answer against no answer counts as a change, no answer
 * twice does not.
 */
export function answerChanged(r: AttemptPair): boolean {
  return r.attempt1.answer !== r.attempt2.answer;
}

/** The per-problem edit-distance ratios, in record order. */
export function editRatios(records: readonly EvalRecord[]): number[] {
  return records.map((r) => editDistanceRatio(r.attempt1.text, r.attempt2.text));
}

/** What {@link countTransitions} reads of a record: each attempt's verdict and extracted answer. */
export interface AttemptPair {
  attempt1: { correct: boolean; answer: string | null };
  attempt2: { correct: boolean; answer: string | null };
}

/** Counts the transitions of a set of records (optionally a resample given by indices). */
export function countTransitions(
  records: readonly AttemptPair[],
  indices?: ArrayLike<number>,
): TransitionCounts {
  const c: TransitionCounts = {
    correctT1: 0,
    correctT2: 0,
    incorrectToCorrect: 0,
    correctToIncorrect: 0,
    correctToCorrect: 0,
    incorrectToIncorrect: 0,
    changedAnswer: 0,
  };
  const n = indices ? indices.length : records.length;
  for (let j = 0; j < n; j++) {
    const r = records[indices ? indices[j] : j];
    const a = r.attempt1.correct, b = r.attempt2.correct;
    if (a) c.correctT1++;
    if (b) c.correctT2++;
    if (a && b) c.correctToCorrect++;
    else if (a) c.correctToIncorrect++;
    else if (b) c.incorrectToCorrect++;
    else c.incorrectToIncorrect++;
    if (answerChanged(r)) c.changedAnswer++;
  }
  return c;
}

/**
 * Turns counts (and the sum of edit ratios) into metrics. Δ is computed as
 * deltaIC − deltaCI from the same two fractions, so the identity holds bit for bit; it also equals
 * accT2 − accT1 up to one rounding of the last bit, because correctT2 − correctT1 equals
 * incorrectToCorrect − correctToIncorrect as integers.
 */
export function metricsFromCounts(
  n: number,
  counts: TransitionCounts,
  editRatioSum: number,
): SelfCorrectionMetrics {
  if (n <= 0) throw new Error("selfCorrectionMetrics: no records to evaluate (n = 0)");
  const deltaIC = counts.incorrectToCorrect / n;
  const deltaCI = counts.correctToIncorrect / n;
  return {
    n,
    counts,
    accT1: counts.correctT1 / n,
    accT2: counts.correctT2 / n,
    delta: deltaIC - deltaCI,
    deltaIC,
    deltaCI,
    changedRate: counts.changedAnswer / n,
    editRatioMean: editRatioSum / n,
  };
}

/**
 * The rates of a batch of two-attempt samples (a training step, a set of rollouts), each a count
 * over n: the one place the wrong→right / right→wrong rates are computed. `delta` is
 * `accT2 − accT1` (the batch's difference of means), not {@link metricsFromCounts}' Δ^{i→c} − Δ^{c→i}.
 */
export function transitionRates(records: readonly AttemptPair[]): {
  n: number;
  accT1: number;
  accT2: number;
  delta: number;
  wrongToRight: number;
  rightToWrong: number;
  changedAnswer: number;
} {
  const c = countTransitions(records);
  const n = Math.max(1, records.length);
  const accT1 = c.correctT1 / n, accT2 = c.correctT2 / n;
  return {
    n: records.length,
    accT1,
    accT2,
    delta: accT2 - accT1,
    wrongToRight: c.incorrectToCorrect / n,
    rightToWrong: c.correctToIncorrect / n,
    changedAnswer: c.changedAnswer / n,
  };
}

/** Acc@t1, Acc@t2, Δ, Δ^{i→c}, Δ^{c→i}, changed-answer rate, mean edit-distance ratio, counts. */
export function selfCorrectionMetrics(records: readonly EvalRecord[]): SelfCorrectionMetrics {
  const counts = countTransitions(records);
  let sum = 0;
  for (const x of editRatios(records)) sum += x;
  return metricsFromCounts(records.length, counts, sum);
}

/**
 * Checks Δ = Δ^{i→c} − Δ^{c→i} on a metrics object: exactly on the integer counts, exactly on the
 * fractions, and that the counts agree with n and the fractions. Returns a description of the first
 * violation, or null when everything holds.
 */
export function deltaIdentityViolation(m: SelfCorrectionMetrics): string | null {
  const c = m.counts;
  if (c.incorrectToCorrect - c.correctToIncorrect !== c.correctT2 - c.correctT1) {
    return `counts: i→c − c→i = ${c.incorrectToCorrect - c.correctToIncorrect} but t2 − t1 = ${
      c.correctT2 - c.correctT1
    }`;
  }
  const total = c.correctToCorrect + c.correctToIncorrect + c.incorrectToCorrect +
    c.incorrectToIncorrect;
  if (total !== m.n) return `counts: the four transitions sum to ${total}, not n = ${m.n}`;
  if (c.correctToCorrect + c.correctToIncorrect !== c.correctT1) {
    return `counts: right→right + right→wrong ≠ correct at t1`;
  }
  if (m.delta !== m.deltaIC - m.deltaCI) {
    return `fractions: Δ = ${m.delta} but Δ^{i→c} − Δ^{c→i} = ${m.deltaIC - m.deltaCI}`;
  }
  const close = (x: number, k: number) => Math.abs(x - k / m.n) <= 1e-12;
  if (!close(m.deltaIC, c.incorrectToCorrect) || !close(m.deltaCI, c.correctToIncorrect)) {
    return "fractions: Δ^{i→c} or Δ^{c→i} do not match their counts";
  }
  if (!close(m.accT1, c.correctT1) || !close(m.accT2, c.correctT2)) {
    return "fractions: Acc@t1 or Acc@t2 do not match their counts";
  }
  return null;
}
