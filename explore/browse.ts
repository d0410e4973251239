/**
 * Browsing two-attempt traces: evaluation records (`eval.jsonl`) or rollouts (`rollouts.jsonl`)
 * joined with their problems, each with its transition (wrong→right, right→wrong, …), whether the
 * answer changed and the edit-distance ratio between attempts (the metrics module's definitions).
 */
import { answerChanged, type Attempt, editDistanceRatio, type EvalRecord } from "../metrics/mod.ts";
import type { ProblemSet, RolloutRecord } from "./readers.ts";

/** What happened between attempt 1 and attempt 2. */
export const TRANSITIONS = ["wrong→right", "right→wrong", "right→right", "wrong→wrong"] as const;
/** What happened between attempt 1 and attempt 2. */
export type Transition = (typeof TRANSITIONS)[number];

/** The transition of a two-attempt trace, from the two verdicts. */
export function transitionOf(r: { attempt1: Attempt; attempt2: Attempt }): Transition {
  const a = r.attempt1.correct, b = r.attempt2.correct;
  if (a && b) return "right→right";
  if (a) return "right→wrong";
  if (b) return "wrong→right";
  return "wrong→wrong";
}

/** One trace to browse: the problem, both attempts, the verdicts and how much attempt 2 edited. */
export interface Trace {
  problemId: string;
  /** Sample index (rollouts: several temperature samples per problem; eval: 0). */
  sample: number;
  family: string;
  level: number;
  question: string;
  gold: string;
  attempt1: Attempt;
  attempt2: Attempt;
  transition: Transition;
  /** Attempt 2's final answer differs from attempt 1's (metrics' answerChanged rule). */
  changedAnswer: boolean;
  /** levenshtein(text1, text2) / (|text1| + |text2|), the paper's edit-distance ratio. */
  editRatio: number;
}

function problemIndex(set: ProblemSet | undefined) {
  const m = new Map<string, { question: string; answer: string; family: string; level: number }>();
  for (const p of [...(set?.test ?? []), ...(set?.train ?? [])]) m.set(p.id, p);
  return m;
}

function trace(
  base: Omit<Trace, "transition" | "changedAnswer" | "editRatio">,
): Trace {
  return {
    ...base,
    transition: transitionOf(base),
    changedAnswer: answerChanged(base),
    editRatio: editDistanceRatio(base.attempt1.text, base.attempt2.text),
  };
}

/**
 * Traces of evaluation records, with the question from the problem set when given (records hold
 * the id, level, family and gold answer but not the question text).
 */
export function evalTraces(records: readonly EvalRecord[], problems?: ProblemSet): Trace[] {
  const idx = problemIndex(problems);
  return records.map((r) =>
    trace({
      problemId: r.problemId,
      sample: 0,
      family: r.family,
      level: r.level,
      question: idx.get(r.problemId)?.question ?? "",
      gold: r.gold,
      attempt1: r.attempt1,
      attempt2: r.attempt2,
    })
  );
}

/**
 * Traces of rollouts, with family, level and gold answer from the problem set (rollout records
 * hold the question but not those). Throws naming the problem id when the set lacks a problem.
 */
export function rolloutTraces(rollouts: readonly RolloutRecord[], problems: ProblemSet): Trace[] {
  const idx = problemIndex(problems);
  return rollouts.map((r) => {
    const p = idx.get(r.problemId);
    if (!p) {
      throw new Error(
        `rollout of problem "${r.problemId}" (sample ${r.sample}) is not in the problem set; ` +
          "fix: load the problems output of the same config as the rollouts",
      );
    }
    return trace({
      problemId: r.problemId,
      sample: r.sample,
      family: p.family,
      level: p.level,
      question: r.question,
      gold: p.answer,
      attempt1: r.attempt1,
      attempt2: r.attempt2,
    });
  });
}

/** Which traces to keep; every given field must match. */
export interface TraceFilter {
  transition?: Transition | readonly Transition[];
  level?: number;
  family?: string;
  changedAnswer?: boolean;
  /** Keep traces whose edit ratio is at least this. */
  minEditRatio?: number;
}

/** The traces that match `filter`, in their original order. */
export function filterTraces(traces: readonly Trace[], filter: TraceFilter = {}): Trace[] {
  const kinds = filter.transition === undefined ? undefined : new Set<Transition>(
    typeof filter.transition === "string" ? [filter.transition] : filter.transition,
  );
  return traces.filter((t) =>
    (kinds === undefined || kinds.has(t.transition)) &&
    (filter.level === undefined || t.level === filter.level) &&
    (filter.family === undefined || t.family === filter.family) &&
    (filter.changedAnswer === undefined || t.changedAnswer === filter.changedAnswer) &&
    (filter.minEditRatio === undefined || t.editRatio >= filter.minEditRatio)
  );
}

/** How many traces fall in each transition (every transition present, zero when none). */
export function transitionCounts(traces: readonly Trace[]): Record<Transition, number> {
  const out = Object.fromEntries(TRANSITIONS.map((t) => [t, 0])) as Record<Transition, number>;
  for (const t of traces) out[t.transition]++;
  return out;
}
