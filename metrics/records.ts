/**
 * Evaluation records: one per test problem, holding both attempts of a two-attempt decode.
 * The zod schemas here are the single source of truth for records on disk (JSONL).
 */
import { z } from "zod";

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

/** Formats a zod issue path as `a.b[2].c` (or `(root)`). */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Builds one readable message from a zod error: where (source and path), what was expected. */
export function describeZodError(error: z.ZodError, source: string): string {
  const lines = error.issues.slice(0, 5).map((issue) =>
    `  at ${formatIssuePath(issue.path)}: ${issue.message}`
  );
  const more = error.issues.length > 5 ? `\n  ... and ${error.issues.length - 5} more` : "";
  return `${source}: invalid data\n${lines.join("\n")}${more}`;
}

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
  const values: unknown[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    try {
      values.push(JSON.parse(line));
    } catch (e) {
      throw new Error(
        `${source}:${i + 1}: not valid JSON (${(e as Error).message}); ` +
          "fix: write one JSON object per line",
      );
    }
  }
  return parseEvalRecords(values, source);
}
