/**
 * Normalized records that every loader returns, as zod schemas.
 *
 * @module
 */
import { z } from "zod";

/** A math problem with a reference answer (GSM8K, MATH, MATH500). */
export const MathRecordSchema = z.object({
  id: z.string(),
  source: z.enum(["gsm8k", "math", "math500"]),
  problem: z.string(),
  /** Reference worked solution (GSM8K: calculator annotations `<<…>>` removed, `####` line cut). */
  solution: z.string(),
  /** Reference final answer as a string for `checkMathAnswer`. */
  answer: z.string(),
  level: z.number().int().nullable(),
  subject: z.string().nullable(),
});
/** A normalized math record. */
export type MathRecord = z.infer<typeof MathRecordSchema>;

/** A programming task with tests (MBPP, HumanEval), shaped for the `verify code` input. */
export const CodeRecordSchema = z.object({
  id: z.string(),
  source: z.enum(["mbpp", "humaneval"]),
  language: z.literal("python"),
  /** The task statement (MBPP text; HumanEval prompt = signature + docstring). */
  prompt: z.string(),
  /** A reference program that passes the tests (HumanEval: prompt + canonical solution). */
  solution: z.string(),
  /** The function the tests call. */
  entryPoint: z.string(),
  /** Assert-style test code run after the program (HumanEval: defines `check(candidate)`). */
  tests: z.object({ code: z.string() }),
  /** MBPP: the individual assert lines (the paper shows some in the prompt); else empty. */
  testList: z.array(z.string()),
});
/** A normalized code record. */
export type CodeRecord = z.infer<typeof CodeRecordSchema>;
