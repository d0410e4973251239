/**
 * The supervised self-correction baselines' data: STaR's filtered traces (D+) and Pair-SFT's
 * synthetic (wrong, correct) pairs. Both train on attempt 2 only, with attempt 1 as context.
 *
 * @module
 */
import type { Rng } from "../datasets/mod.ts";
import type { RolloutRecord } from "./rollouts.ts";

/** A (question, attempt 1, attempt 2) text triple to fine-tune on. */
export interface TextTrace {
  question: string;
  attempt1: string;
  attempt2: string;
}

/**
 * STaR (D+): keeps traces whose second attempt is correct — wrong→right and right→right
 * (SCORE.md, "Baselines").
 */
export function starTraces(rollouts: readonly RolloutRecord[]): TextTrace[] {
  return rollouts
    .filter((r) => r.attempt2.correct)
    .map((r) => ({ question: r.question, attempt1: r.attempt1.text, attempt2: r.attempt2.text }));
}

/**
 * Pair-SFT: every wrong attempt (from either turn of any rollout) is paired with a correct attempt
 * to the same problem drawn at random from all sampled attempts. Problems with no correct attempt
 * contribute nothing.
 */
export function pairSftTraces(rollouts: readonly RolloutRecord[], rng: Rng): TextTrace[] {
  const byProblem = new Map<string, { question: string; right: string[]; wrong: string[] }>();
  for (const r of rollouts) {
    let e = byProblem.get(r.problemId);
    if (!e) byProblem.set(r.problemId, e = { question: r.question, right: [], wrong: [] });
    for (const a of [r.attempt1, r.attempt2]) (a.correct ? e.right : e.wrong).push(a.text);
  }
  const out: TextTrace[] = [];
  for (const id of [...byProblem.keys()].sort()) {
    const e = byProblem.get(id)!;
    if (e.right.length === 0) continue;
    for (const wrong of e.wrong) {
      out.push({ question: e.question, attempt1: wrong, attempt2: rng.pick(e.right) });
    }
  }
  return out;
}
