/**
 * Loaders for code datasets: MBPP (full JSONL or the sanitized JSON array) and HumanEval (JSONL or
 * `.jsonl.gz`). Records are shaped for the `verify code` input (`tests: { code }`, entry point).
 *
 * @module
 */
import { z } from "zod";
import { DatasetRowError, type LoadOptions, type LoadResult, loadRows } from "./common.ts";
import type { CodeRecord } from "./records.ts";

const MbppRow = z.object({
  task_id: z.number().int(),
  text: z.string().min(1).optional(),
  prompt: z.string().min(1).optional(),
  code: z.string().min(1),
  test_list: z.array(z.string()).min(1),
  test_setup_code: z.string().optional(),
  test_imports: z.array(z.string()).optional(),
  challenge_test_list: z.array(z.string()).optional(),
}).refine((r) => r.text !== undefined || r.prompt !== undefined, {
  message: 'needs "text" (full MBPP) or "prompt" (sanitized MBPP)',
  path: ["text"],
});

/** The function the MBPP tests call: the first `def` of the code whose name the tests use. */
function mbppEntryPoint(code: string, tests: string[], file: string, place: string): string {
  const defs = [...code.matchAll(/^def\s+([A-Za-z_]\w*)\s*\(/gm)].map((m) => m[1]);
  if (defs.length === 0) {
    throw new DatasetRowError(file, place, "code", "no top-level function definition");
  }
  const joined = tests.join("\n");
  return defs.find((d) => new RegExp(`\\b${d}\\s*\\(`).test(joined)) ?? defs[0];
}

/**
 * Loads MBPP: full JSONL (`task_id`, `text`, `code`, `test_list`, `test_setup_code`,
 * `challenge_test_list`) or the sanitized JSON array (`prompt`, `test_imports` instead). Test code
 * = setup code / imports, then the asserts of `test_list`.
 */
export function loadMbpp(path: string, opts: LoadOptions = {}): Promise<LoadResult<CodeRecord>> {
  return loadRows(path, MbppRow, (row, place) => {
    const setup = [row.test_setup_code ?? "", ...(row.test_imports ?? [])].filter((s) =>
      s.trim() !== ""
    );
    return {
      id: `mbpp/${row.task_id}`,
      source: "mbpp" as const,
      language: "python" as const,
      prompt: (row.text ?? row.prompt)!,
      solution: row.code.replace(/\r\n/g, "\n"),
      entryPoint: mbppEntryPoint(row.code, row.test_list, path, place),
      tests: { code: [...setup, ...row.test_list].join("\n") + "\n" },
      testList: row.test_list,
    };
  }, opts);
}

const HumanEvalRow = z.object({
  task_id: z.string().min(1),
  prompt: z.string().min(1),
  canonical_solution: z.string(),
  test: z.string().min(1),
  entry_point: z.string().regex(/^[A-Za-z_]\w*$/, "a Python identifier"),
});

/**
 * Loads HumanEval JSONL or `.jsonl.gz`. Test code is the row's `test` (it defines
 * `check(candidate)`, which the code verifier calls with the entry point).
 */
export function loadHumanEval(
  path: string,
  opts: LoadOptions = {},
): Promise<LoadResult<CodeRecord>> {
  return loadRows(path, HumanEvalRow, (row, place) => {
    if (!/\bdef\s+check\s*\(/.test(row.test)) {
      throw new DatasetRowError(path, place, "test", "does not define check(candidate)");
    }
    return {
      id: row.task_id,
      source: "humaneval" as const,
      language: "python" as const,
      prompt: row.prompt,
      solution: row.prompt + row.canonical_solution,
      entryPoint: row.entry_point,
      tests: { code: row.test },
      testList: [],
    };
  }, opts);
}
