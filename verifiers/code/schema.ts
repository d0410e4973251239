/**
 * Request and verdict shapes of the code verifier. The zod schemas are the single source of truth;
 * the TypeScript types are inferred from them.
 */
import { z } from "zod";

/** Deepest nesting of arrays and objects a test value may have (the harnesses pass up to 100). */
export const MAX_VALUE_DEPTH = 100;

/**
 * What is wrong with a test value that the sandbox cannot carry faithfully, or null: nesting
 * deeper than {@link MAX_VALUE_DEPTH}, or a number JSON cannot write (a 400-digit integer literal
 * parses to Infinity). Iterative, so a value nested 100,000 deep cannot overflow the stack.
 */
export function valueProblem(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === "number" && !Number.isFinite(v)) {
      return `holds ${v}, which JSON cannot carry (an integer literal too large for a double ` +
        "reads as Infinity); give it as a string";
    }
    if (v === null || typeof v !== "object") continue;
    if (depth >= MAX_VALUE_DEPTH) {
      return `is nested more than ${MAX_VALUE_DEPTH} levels deep; the sandbox carries at most ` +
        `${MAX_VALUE_DEPTH}`;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, depth + 1]);
  }
  return null;
}

/** One input/output test: the entry point is called with `input` as its argument list. */
export const IoTest = z.object({
  input: z.array(z.unknown()),
  output: z.unknown(),
});
/** An input/output test case. */
export type IoTest = z.infer<typeof IoTest>;

/** Assert-style test code (HumanEval `check(candidate)`, MBPP `assert` lines), run after the program. */
export const CodeTests = z.object({
  code: z.string().refine((c) => c.trim() !== "", {
    message: "test code is empty: a request without tests would pass any program; " +
      "give the assertions (or input/output tests) to run",
  }),
});
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
  tests: z.union([
    z.array(IoTest).min(1, {
      message: "no tests: a request without tests would pass any program; " +
        'give at least one {"input": [...], "output": ...}',
    }),
    CodeTests,
  ]),
}).superRefine((req, ctx) => {
  if (Array.isArray(req.tests)) {
    for (const [i, t] of req.tests.entries()) {
      for (const field of ["input", "output"] as const) {
        const problem = valueProblem(t[field]);
        if (problem) {
          ctx.addIssue({
            code: "custom",
            path: ["tests", i, field],
            message: `tests[${i}].${field} ${problem}`,
          });
          return;
        }
      }
    }
  }
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
  /** How the run was isolated: "process" (no root) is weaker, and the detail says so. */
  isolation: z.enum(["namespaces", "process"]).optional(),
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
