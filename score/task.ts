/**
 * A task: the problems of one experiment plus how an attempt is checked and how the noisy solver
 * writes base-model transcripts. The embedded families use the integer verifier and the families'
 * noisy solver; public math sets (GSM8K, MATH, MATH500 as local files) use the math verifier and a
 * generic answer-slip noise model; code sets (MBPP, HumanEval) the sandboxed code verifier
 * (score/verify.ts) and the same slip model on the reference program.
 *
 * @module
 */
import { z } from "zod";
import {
  createRng,
  type NoiseConfig,
  noisySolve,
  type Problem,
  ProblemSchema,
  type Rng,
  secondGuessSolve,
  slipRate,
} from "../datasets/mod.ts";
// The verifiers are chosen in verify.ts (which keeps the code sandbox out of the stage digests).
import { CodeSpec, SandboxSettings, VerifierKind, verifyAttempt } from "./verify.ts";

export { type AttemptVerdict, VerifierKind, verifyAttempt } from "./verify.ts";

/** One problem of any task, as stored by the `problems` stage. */
export const TaskProblem = z.object({
  id: z.string().min(1),
  /** Embedded family name, or the public set's subject/source. */
  family: z.string().min(1),
  /** Difficulty level (embedded 1–3, MATH 1–5, 0 when the source has none). */
  level: z.number().int().min(0),
  question: z.string().min(1),
  /** Reference final answer. */
  answer: z.string().min(1),
  /** Reference worked solution, ending in an answer the task's verifier reads. */
  solution: z.string().min(1),
  /**
   * Code problems only (MBPP, HumanEval): the tests and entry point the code verifier runs. Absent
   * from every other record, whose bytes are as before.
   */
  code: CodeSpec.optional(),
}).strict();
/** One problem of any task. */
export type TaskProblem = z.infer<typeof TaskProblem>;

/** The `task.json` a `problems` stage writes beside its splits. */
export const TaskInfo = z.object({
  source: z.string(),
  verifier: VerifierKind,
  /** Every character of questions and solutions: the char tokenizer's vocabulary. */
  charset: z.string().min(1),
  counts: z.object({ train: z.number().int(), test: z.number().int() }),
  /**
   * Public sets: the turn-1 prompt (`{problem}` = the question) and the self-correction
   * instruction a chat model is given (the embedded experiment's instruction is a token).
   */
  prompt: z.object({ turn1: z.string().min(1), instruction: z.string().min(1) }).strict()
    .optional(),
  /** Code sets: the sandbox's limits per attempt and the digest of its code. */
  sandbox: SandboxSettings.optional(),
}).strict();
/** The `task.json` record. */
export type TaskInfo = z.infer<typeof TaskInfo>;

/**
 * A task's turn-1 prompt template (`{problem}` = the question) and self-correction instruction, in
 * the shape of a chat model's dialogue options (model/dialogue.ts `ScoreDialogue`); null for the
 * embedded experiment, whose instruction is the `<self_correct>` token of the character model.
 */
export function taskPrompts(info: TaskInfo): { turn1Template: string; instruction: string } | null {
  return info.prompt
    ? { turn1Template: info.prompt.turn1, instruction: info.prompt.instruction }
    : null;
}

/** One noisy attempt for a base-model transcript. */
export interface NoisyText {
  text: string;
  /** Whether it is correct; null for a slipped code attempt (only running it can tell). */
  correct: boolean | null;
}

/**
 * A noisy attempt at `problem`. Embedded problems use their family's solver (carry, digit and
 * sign slips that propagate); a `revision` (attempt 2 of a base transcript) first draws the
 * family's second-guessing habit at `noise.secondGuess`. Public math problems get the reference
 * solution, or with the level's slip rate a copy whose last number is perturbed by one digit (a
 * final-answer slip). Code problems slip the same way, in the last number of the reference
 * program; whether that breaks it is for the sandbox to say (`correct: null`).
 */
export function noisyAttempt(
  verifier: VerifierKind,
  problem: TaskProblem,
  rng: Rng,
  noise: NoiseConfig,
  opts: { revision?: boolean } = {},
): NoisyText {
  if (verifier === "integer") {
    const p = ProblemSchema.parse(problem) as Problem;
    const r = (opts.revision ? secondGuessSolve(p, rng, noise) : null) ?? noisySolve(p, rng, noise);
    return { text: r.text, correct: r.correct };
  }
  const rate = slipRate(Math.max(1, problem.level), noise);
  if (!rng.bool(rate)) return { text: problem.solution, correct: true };
  const slipped = slipLastNumber(problem.solution, rng);
  if (slipped === null) return { text: problem.solution, correct: true };
  if (verifier === "code") return { text: slipped, correct: null };
  return { text: slipped, correct: verifyAttempt(verifier, problem, slipped).correct };
}

/** Changes one digit of the last number in `text` (never to the same digit); null if none. */
export function slipLastNumber(text: string, rng: Rng): string | null {
  const matches = [...text.matchAll(/\d+/g)];
  const last = matches.at(-1);
  if (!last || last.index === undefined) return null;
  const digits = last[0];
  const pos = rng.int(0, digits.length - 1);
  const old = Number(digits[pos]);
  const delta = rng.bool() ? 1 : -1;
  let d = (old + delta + 10) % 10;
  if (pos === 0 && d === 0 && digits.length > 1) d = old === 9 ? 8 : old + 1;
  const changed = digits.slice(0, pos) + String(d) + digits.slice(pos + 1);
  const at = last.index;
  return text.slice(0, at) + changed + text.slice(at + digits.length);
}

/** The sorted set of characters used by `texts` (the char tokenizer's charset). */
export function charsetOf(texts: Iterable<string>): string {
  const set = new Set<string>();
  for (const t of texts) for (const c of t) set.add(c);
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join("");
}

/** A seeded generator for a named purpose (e.g. `base/transcripts`). */
export function taskRng(seed: number, purpose: string): Rng {
  return createRng(`${seed}/${purpose}`);
}

/**
 * The numeric seeds of the token samplers, one named stream per purpose (the generator streams
 * are {@link taskRng}'s). The samplers take an integer, not an Rng, and these are the exact
 * integers every stored run was made with: deriving them from `taskRng(seed, label)` instead
 * would change every sampled token and so every trained number, so the formulas are kept and
 * named here, the one place they are written.
 */
export const samplingSeed = {
  /** Rollouts of a base model (`rollouts@sN`): one fixed stream, whatever the method seed. */
  rollouts: (): number => 7,
  /**
   * The traces of RL step `step` of the run with seed `seed`; a later round of SCoRe's schedule
   * (`round` ≥ 2) draws from a stream of its own.
   */
  rlStep: (seed: number, step: number, round = 1): number =>
    round > 1 ? taskRng(seed, `rl/sample/r${round}`).int(0, 2 ** 30) + step : seed * 100003 + step,
  /** STaR / Pair-SFT round `round` of seed `seed`: its rollouts and its minibatch order. */
  sftRound: (seed: number, round: number): number => seed * 1000 + round,
} as const;
