/**
 * The `problems` stage's reading of public sets: one split's local file, loaded in its format
 * (datasets/loaders) and turned into task problems, with loader errors in the config's terms.
 *
 * Records by format:
 * - GSM8K, MATH, MATH500: the question, the reference answer (GSM8K's `#### N`, MATH's last
 *   `\boxed{}`, MATH500's `answer`), the worked solution (GSM8K's ends in `#### N` again).
 * - MBPP: the question is the task text followed by " Your code should pass these tests:" and its
 *   visible asserts (`test_list`), as MBPP is always posed (the asserts name the function); the
 *   `code` field carries the test code (setup code or imports, then the asserts) and the entry
 *   point.
 * - HumanEval: the question is the prompt (imports, signature, docstring); `code` carries `test`
 *   (it defines `check(candidate)`), the entry point and the prompt as the completion prefix.
 * - Code sets: the answer is the reference program, the solution that program in a ```python
 *   block (the form an attempt's code is read from, score/verify.ts), the level 0, the family the
 *   set's name.
 *
 * @module
 */
import { ConfigError } from "../pipeline/mod.ts";
import type { SplitSource } from "./config.ts";
import type { CodeRecord, MathRecord } from "../datasets/mod.ts";
import type { TaskProblem } from "../score/task.ts";

/** A loader's error in the config's terms: which `problems.*` setting, and how to fix it. */
export function inConfigTerms(field: "train" | "test", e: unknown): ConfigError {
  const err = e as Error & { file?: string; place?: string; field?: string; problem?: string };
  if (err?.name === "DatasetRowError") {
    return new ConfigError(
      `problems.${field}: ${err.file}:${err.place}: field "${err.field}": ${err.problem}; ` +
        "fix the row, or set problems.skipBadRows: true to skip such rows",
    );
  }
  return new ConfigError(`problems.${field}: ${err?.message ?? String(e)}`);
}

/** A math record as a task problem. */
export function mathProblem(m: MathRecord): TaskProblem {
  return {
    id: m.id,
    family: m.subject ?? m.source,
    level: m.level ?? 0,
    question: m.problem,
    answer: m.answer,
    solution: m.source === "gsm8k" ? `${m.solution}\n#### ${m.answer}` : m.solution,
  };
}

/** A code record as a task problem (see the module's description). */
export function codeProblem(c: CodeRecord): TaskProblem {
  const program = c.solution.replace(/\s+$/, "");
  return {
    id: c.id,
    family: c.source,
    level: 0,
    question: c.source === "mbpp"
      ? `${c.prompt.trim()} Your code should pass these tests:\n\n${c.testList.join("\n")}`
      : c.prompt,
    answer: program,
    solution: "```python\n" + program + "\n```",
    code: {
      language: c.language,
      entryPoint: c.entryPoint,
      tests: c.tests.code,
      ...(c.source === "humaneval" ? { prefix: c.prompt } : {}),
    },
  };
}

/** Options of {@link readSplit}. */
export interface ReadSplitOptions {
  skipBadRows: boolean;
  /** Problems kept (0 = all), in file order. */
  limit: number;
  log: (msg: string) => void;
}

/**
 * Reads one split's file in its format. Throws a {@link ConfigError} naming the setting
 * (`problems.train` / `problems.test`) for a missing or unreadable file, a bad row (file, line,
 * field and the fix) and a split without problems.
 */
export async function readSplit(
  split: SplitSource,
  field: "train" | "test",
  opts: ReadSplitOptions,
): Promise<TaskProblem[]> {
  const ds = await import("../datasets/mod.ts");
  const load = { skipBadRows: opts.skipBadRows };
  let r: { records: TaskProblem[]; skipped: number; issues: string[] };
  try {
    switch (split.format) {
      case "gsm8k":
      case "math":
      case "math500": {
        const read = split.format === "gsm8k"
          ? ds.loadGsm8k
          : split.format === "math"
          ? ds.loadMath
          : ds.loadMath500;
        const got = await read(split.path, load);
        r = { ...got, records: got.records.map(mathProblem) };
        break;
      }
      case "mbpp":
      case "humaneval": {
        const got = await (split.format === "mbpp" ? ds.loadMbpp : ds.loadHumanEval)(
          split.path,
          load,
        );
        r = { ...got, records: got.records.map(codeProblem) };
        break;
      }
    }
  } catch (e) {
    throw inConfigTerms(field, e);
  }
  if (r.skipped > 0) {
    opts.log(
      `${split.path}: skipped ${r.skipped} malformed rows (problems.skipBadRows); the first: ${
        r.issues[0].replace(/ \(fix the row.*\)$/, "")
      }`,
    );
  }
  if (r.records.length === 0) {
    throw new ConfigError(
      `problems.${field}: ${split.path} holds no problems (${
        r.skipped > 0 ? `all ${r.skipped} rows were malformed and skipped` : "it is empty"
      }); point problems.${field} at a ${split.format} file with at least one problem`,
    );
  }
  return opts.limit > 0 ? r.records.slice(0, opts.limit) : r.records;
}
