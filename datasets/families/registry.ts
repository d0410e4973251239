/**
 * The registry of embedded families, the answer-line format and the character set they use.
 *
 * Answer format (what the model emits): the worked steps, one per line, then a final line
 * `= N` — an equals sign, one space, the integer in plain decimal (a leading `-` when negative,
 * no leading zeros, no separators). `verifiers/integer.ts` reads this line.
 *
 * @module
 */
import { addFamily } from "./add.ts";
import { chkFamily } from "./chk.ts";
import { linFamily } from "./linear.ts";
import { modFamily } from "./modular.ts";
import { mulFamily } from "./mul.ts";
import { subFamily } from "./sub.ts";
import type { Family } from "./types.ts";

/** Names of the embedded families, in canonical order. */
export const FAMILY_NAMES = ["add", "mul", "lin", "mod", "sub", "chk"] as const;

/** A family name. */
export type FamilyName = typeof FAMILY_NAMES[number];

/** Every embedded family by name. */
// deno-lint-ignore no-explicit-any
export const FAMILIES: Record<FamilyName, Family<any>> = {
  add: addFamily,
  mul: mulFamily,
  lin: linFamily,
  mod: modFamily,
  sub: subFamily,
  chk: chkFamily,
};

/** Difficulty levels every family supports. */
export const LEVELS = [1, 2, 3] as const;

/** Prefix of the final answer line (`= 42`). */
export const ANSWER_PREFIX = "= ";

/** Formats the final answer line for an integer. */
export function answerLine(n: bigint | number): string {
  return `${ANSWER_PREFIX}${BigInt(n)}`;
}

/**
 * Joins worked steps and the answer line into the solution text: the steps, then the answer line,
 * or with `answerFirst` (a family that commits its answer before checking it) the other way round.
 */
export function renderSolution(
  steps: readonly string[],
  answer: bigint,
  opts: { answerFirst?: boolean } = {},
): string {
  const lines = opts.answerFirst ? [answerLine(answer), ...steps] : [...steps, answerLine(answer)];
  return lines.join("\n");
}

/**
 * Every character that questions and worked solutions (correct or slipped) of the embedded families
 * can contain, sorted by code point: newline, space, `*+-/`, digits, `=`, and `d k m n o x`.
 * Build the tokenizer's vocabulary from this (plus its own special tokens).
 */
export const FAMILY_CHARSET: string = "\n *+-/0123456789=dkmnox";

/** Upper bounds (characters) that the tests check for every level: question and worked solution. */
export const LENGTH_BOUNDS = { question: 20, solution: 76 } as const;
