/**
 * Where an embedded problem's wrong answers come from, and what an answer-first family's own
 * check says about them: the measurements behind the report's design analysis.
 *
 * {@link errorSource} names the one family slip that reproduces a wrong answer — the family's
 * systematic misconception or its second-guessing habit where the transcripts carried them, or
 * one random slip (`carry`, `digit`, …) — or `other` when no single slip does (an error of the model's own making that the noisy solver
 * never wrote). {@link readCheck} reads an answer-first attempt (`chk`): the committed answer,
 * whether the column check written after it is the true check of that answer, and its verdict.
 *
 * @module
 */
import { createRng } from "./rng.ts";
import { FAMILIES } from "./families/registry.ts";
import { checkColumns, type SubParams } from "./families/sub.ts";
import type { Family, Slip } from "./families/types.ts";
import type { Problem } from "./problems.ts";

/** The source of a wrong answer (see the module doc). */
export type ErrorSource =
  | "misconception"
  | "second_guess"
  | "carry"
  | "digit"
  | "sign"
  | "remainder"
  | "other"
  | "no_answer";

/** Every error source, in the order the report lists them. */
export const ERROR_SOURCES: readonly ErrorSource[] = [
  "misconception",
  "second_guess",
  "carry",
  "digit",
  "sign",
  "remainder",
  "other",
  "no_answer",
];

// deno-lint-ignore no-explicit-any
function familyOf(problem: Problem): { fam: Family<any>; params: unknown } {
  const fam = FAMILIES[problem.family];
  const params = fam.parse(problem.question);
  if (params === null) {
    throw new Error(`errorSource: problem ${problem.id}: "${problem.question}" is not ${fam.name}`);
  }
  return { fam, params };
}

/** Kinds in the order a shared answer is attributed (a dropped carry before a digit off by one). */
const KIND_ORDER: readonly Slip["kind"][] = ["carry", "sign", "remainder", "digit"];

/** Independent draws of the family's candidate slips whose union is taken (see allSlips). */
const SLIP_DRAWS = 16;

/**
 * Every single slip of the family for these parameters, the more specific kinds first (a dropped
 * carry and the same column's sum one too small give one answer, attributed to the carry). A
 * family lists its candidates in a random order with a random sign each, and drops a sign that is
 * invalid there; the union of {@link SLIP_DRAWS} fixed draws, each with both signs, holds every
 * candidate either sign of which a draw produced.
 */
// deno-lint-ignore no-explicit-any
function allSlips(fam: Family<any>, params: unknown): Slip[] {
  const byTag = new Map<string, Slip>();
  const add = (s: Slip) => byTag.set(`${s.kind}@${s.at}:${s.delta ?? ""}`, s);
  for (let i = 0; i < SLIP_DRAWS; i++) {
    for (const s of fam.slips(params, createRng(`error-sources/${i}`))) {
      add(s);
      if (s.delta !== undefined) add({ ...s, delta: -s.delta });
    }
  }
  const rank = (s: Slip) => KIND_ORDER.indexOf(s.kind);
  return [...byTag.values()].sort((a, b) =>
    rank(a) - rank(b) || a.at - b.at || (a.delta ?? 0) - (b.delta ?? 0)
  );
}

/** Which injected habits an attempt can carry: those its training transcripts had. */
export interface Habits {
  /** The family's systematic misconception (`noise.systematic` > 0), on either attempt. */
  misconception: boolean;
  /** The second-guessing habit (`noise.secondGuess` > 0), on attempt 2 only. */
  secondGuess: boolean;
}

/**
 * The source of `answer` (an attempt's extracted answer) to `problem`: null when it is right,
 * `no_answer` when there is none, else the first of the habits the attempt can carry (the
 * misconception; on attempt 2 the second guess) and the family's single slips whose worked answer
 * equals it, or `other`.
 */
export function errorSource(
  problem: Problem,
  answer: string | null,
  opts: { attempt: 1 | 2; habits: Habits },
): ErrorSource | null {
  if (answer === null) return "no_answer";
  if (!/^-?\d+$/.test(answer)) return "other";
  const value = BigInt(answer);
  if (value === BigInt(problem.answer)) return null;
  const { fam, params } = familyOf(problem);
  const gives = (slip: Slip | null | undefined): boolean => {
    if (!slip) return false;
    try {
      return fam.work(params, slip).answer === value;
    } catch {
      return false; // a slip that does not apply to these parameters
    }
  };
  if (opts.habits.misconception && gives(fam.misconception?.(params))) return "misconception";
  if (opts.attempt === 2 && opts.habits.secondGuess && gives(fam.secondGuess?.(params))) {
    return "second_guess";
  }
  for (const s of allSlips(fam, params)) if (gives(s)) return s.kind;
  return "other";
}

/** What an answer-first attempt's own check says (see {@link readCheck}). */
export interface CheckReading {
  /** The committed answer (the first line), or null when the attempt does not start with one. */
  committed: string | null;
  /** Whether the committed answer is right. */
  right: boolean;
  /** The verdict the attempt wrote (`ok`, `no`), or null when it wrote none. */
  verdict: "ok" | "no" | null;
  /** Whether the check lines and verdict are exactly the true check of the committed answer. */
  truthful: boolean;
}

/**
 * Reads an attempt of an answer-first family with a column check (`chk`); null for other
 * families. The true check of the committed answer is the family's own (`checkColumns`), so a
 * model that writes a check agreeing with its answer rather than with the arithmetic is caught.
 */
export function readCheck(problem: Problem, text: string): CheckReading | null {
  if (problem.family !== "chk") return null;
  const { params } = familyOf(problem);
  const { b, c } = params as SubParams;
  const lines = text.split("\n");
  const m = /^= (\d+)$/.exec(lines[0] ?? "");
  const verdictLine = lines.find((l) => l === "ok" || l === "no");
  const verdict = verdictLine === "ok" || verdictLine === "no" ? verdictLine : null;
  if (!m) return { committed: null, right: false, verdict, truthful: false };
  const guess = Number(m[1]);
  const truth = checkColumns(guess, b, c);
  const expected = [...truth.lines, truth.ok ? "ok" : "no"];
  const written = lines.slice(1, 1 + expected.length);
  return {
    committed: m[1],
    right: BigInt(m[1]) === BigInt(problem.answer),
    verdict,
    truthful: written.length === expected.length && written.every((l, i) => l === expected[i]),
  };
}
