/**
 * Request and verdict shapes of the code verifier. The zod schemas are the single source of truth;
 * the TypeScript types are inferred from them.
 */
import { z } from "zod";

/** One input/output test: the entry point is called with `input` as its argument list. */
export const IoTest = z.object({
  input: z.array(z.unknown()),
  output: z.unknown(),
});
/** An input/output test case. */
export type IoTest = z.infer<typeof IoTest>;

/** Assert-style test code (HumanEval `check(candidate)`, MBPP `assert` lines), run after the program. */
export const CodeTests = z.object({ code: z.string() });
/** Assert-style test code. */
export type CodeTests = z.infer<typeof CodeTests>;

/** Languages the sandbox runs. */
export const Language = z.enum(["python", "javascript", "typescript"]);
/** A sandbox language. */
export type Language = z.infer<typeof Language>;

/** A candidate program with its tests, as read from `verify code` JSONL input. */
export const CodeRequest = z.object({
  language: Language,
  program: z.string(),
  entry_point: z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, "must be an identifier").optional(),
  tests: z.union([z.array(IoTest), CodeTests]),
}).superRefine((req, ctx) => {
  if (Array.isArray(req.tests) && req.entry_point === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["entry_point"],
      message: "input/output tests need an entry_point (the function to call)",
    });
  }
});
/** A validated code verification request. */
export type CodeRequest = z.infer<typeof CodeRequest>;

/** How a run ended. `passed` is the only status with `passed: true`. */
export const CodeStatus = z.enum([
  "passed",
  "failed",
  "timeout",
  "memory_limit",
  "output_limit",
  "crash",
  "error",
]);
/** A verdict status. */
export type CodeStatus = z.infer<typeof CodeStatus>;

/** The parent's verdict on one request. */
export const CodeVerdict = z.object({
  passed: z.boolean(),
  status: CodeStatus,
  detail: z.string(),
  passedTests: z.number().int().optional(),
  totalTests: z.number().int().optional(),
});
/** The parent's verdict on one request. */
export type CodeVerdict = z.infer<typeof CodeVerdict>;

/** Resource limits for one sandboxed run. */
export interface SandboxLimits {
  /** Wall-clock limit; the whole sandbox is SIGKILLed when it is reached. */
  timeoutMs: number;
  /** Memory cap in MiB (RSS of the process tree, V8 heap and Python address space). */
  memoryMb: number;
  /** Cap on stdout+stderr bytes the candidate may write. */
  outputBytes: number;
}

/** Defaults for one run: generous for trivial programs, small enough to contain hostile ones. */
export const DEFAULT_LIMITS: SandboxLimits = {
  timeoutMs: 10_000,
  memoryMb: 512,
  outputBytes: 1 << 20,
};
