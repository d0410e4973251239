/**
 * Shared types of the embedded problem families.
 *
 * A family turns its parameters into a question string (and back: questions are self-describing,
 * so a {@link Problem} record needs no hidden fields), produces a worked solution, and lists the
 * plausible slips that the noisy solver may inject. A slip changes one intermediate step; every
 * later step is computed from the slipped value, so the wrong attempt is self-consistent.
 *
 * @module
 */
import type { Rng } from "../rng.ts";

/** One injected mistake: what kind, at which step, and by how much (family-specific meaning). */
export interface Slip {
  /** carry: a carry dropped; digit: a step result off by `delta`; sign: a sign flipped;
   * remainder: a remainder off by `delta` with the quotient kept. */
  kind: "carry" | "digit" | "sign" | "remainder";
  /** Index of the step (line) where the mistake is made, 0-based. */
  at: number;
  /** Signed size of the error where it applies (digit/remainder slips). */
  delta?: number;
}

/** Worked steps (without the final answer line) and the answer they lead to. */
export interface Worked {
  /** Step lines, in order, each a short equation. */
  steps: string[];
  /** The answer these steps arrive at (wrong when a slip was applied). */
  answer: bigint;
}

/** An embedded problem family. */
export interface Family<P> {
  /** Stable name used in ids, configs and records. */
  readonly name: string;
  /** Difficulty levels this family supports (1 = easiest). */
  readonly levels: readonly number[];
  /** One line saying what the family asks and how levels scale. */
  readonly description: string;
  /**
   * Whether the answer line comes first, before the worked steps (the answer is committed before
   * the steps that check it). Default false: the steps, then the answer line.
   */
  readonly answerFirst?: boolean;
  /** Draws random parameters for a level. */
  generate(rng: Rng, level: number): P;
  /** The question text for parameters. */
  format(p: P): string;
  /** Parses a question text back into parameters; null when it is not this family's format. */
  parse(question: string): P | null;
  /** The exact answer. */
  answer(p: P): bigint;
  /** Worked steps, optionally with one slip injected. */
  work(p: P, slip?: Slip): Worked;
  /** Candidate slips for these parameters, in a random order drawn from rng. */
  slips(p: P, rng: Rng): Slip[];
  /**
   * The family's systematic misconception for these parameters (one fixed slip that a solver with
   * the habit makes every time it applies), or null where it does not apply. Optional.
   */
  misconception?(p: P): Slip | null;
  /**
   * The family's second-guessing habit for these parameters: one fixed slip that a solver asked
   * to revise its answer makes when it changes a step it had right, or null where it does not
   * apply. Optional.
   */
  secondGuess?(p: P): Slip | null;
}

/** Renders a slip as a short tag for records, e.g. `carry@2` or `digit@1:-1`. */
export function slipTag(s: Slip): string {
  return `${s.kind}@${s.at}${s.delta === undefined ? "" : `:${s.delta > 0 ? "+" : ""}${s.delta}`}`;
}
