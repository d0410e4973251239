/**
 * Evaluation records: one per test problem, holding both attempts of a two-attempt decode.
 * The zod schemas here are the single source of truth for records on disk (JSONL).
 */
import { z } from "zod";
import { describeZodError, formatIssuePath, parseJsonl } from "./parse.ts";

/** One attempt: the generated text, the extracted final answer (null when none was found), its verdict. */
export const Attempt = z.object({
  text: z.string(),
  answer: z.string().nullable(),
  correct: z.boolean(),
});
/** One attempt of a two-attempt decode. */
export type Attempt = z.infer<typeof Attempt>;

/** The evaluation of one problem: both attempts with their verdicts. */
export const EvalRecord = z.object({
  problemId: z.string().min(1),
  level: z.number().int().min(0),
  family: z.string().min(1),
  gold: z.string(),
  attempt1: Attempt,
  attempt2: Attempt,
});
/** The evaluation of one problem: both attempts with their verdicts. */
export type EvalRecord = z.infer<typeof EvalRecord>;

export { describeZodError, formatIssuePath };

/**
 * Validates an array of evaluation records. `source` names where they came from (a file path),
 * so that an error says which file and which record to fix. Duplicate problem ids are rejected.
 */
export function parseEvalRecords(value: unknown, source = "evaluation records"): EvalRecord[] {
  const parsed = z.array(EvalRecord).safeParse(value);
  if (!parsed.success) {
    throw new Error(
      `${describeZodError(parsed.error, source)}\n` +
        "  fix: each record needs problemId, level (integer >= 0), family, gold, " +
        "attempt1 and attempt2 ({ text, answer: string|null, correct: boolean })",
    );
  }
  const seen = new Set<string>();
  parsed.data.forEach((r, i) => {
    if (seen.has(r.problemId)) {
      throw new Error(
        `${source}: record [${i}] repeats problemId "${r.problemId}"; ` +
          "fix: evaluate each problem once per checkpoint",
      );
    }
    seen.add(r.problemId);
  });
  return parsed.data;
}

/**
 * Parses JSONL text (one EvalRecord per non-empty line). Errors name the source and line number.
 */
export function parseEvalRecordsJsonl(text: string, source = "evaluation records"): EvalRecord[] {
  return parseEvalRecords(parseJsonl(text, z.unknown(), source), source);
}
