/**
 * Which verifier checks an attempt, in one place. A task's kind (its `task.json` `verifier`) picks
 * it, and every stage that scores attempts — rollouts, the RL rewards, checkpoint selection,
 * evaluation — goes through {@link verifierFor}, so every stage runs unchanged on any kind:
 *
 * | kind      | problems                      | an attempt is correct when                          |
 * | --------- | ----------------------------- | --------------------------------------------------- |
 * | `integer` | the embedded families         | its first `= N` line is the integer answer          |
 * | `math`    | GSM8K, MATH, MATH500          | its final answer is equivalent to the reference     |
 * | `code`    | MBPP, HumanEval               | its program passes the problem's tests in the sandbox |
 *
 * Integer and math verdicts are computed synchronously (one loop, no promise per attempt: the
 * embedded experiment's fast path). Code attempts run in the sandbox of verifiers/code (a Python
 * process per attempt, with the task's timeout, memory and output limits), a few at a time, and an
 * attempt whose program was already run for the same problem in the same batch is not run again.
 *
 * **Which code is run** ({@link extractCode}): the first fenced block (` ```python `, ` ```py `,
 * ` ```python3 ` or a bare ` ``` `, closed or cut off by the token limit) that defines the entry
 * point, else the first `python`-tagged block, else the first block; without any fence, the whole
 * text. When that code does not define the entry point (`def NAME(`) and the problem has a
 * completion prefix (HumanEval: its prompt, imports and signature), the prefix goes first, as a
 * completion of the prompt. The extracted program (lines right-trimmed, blank lines at both ends
 * dropped) is the attempt's `answer`, so "attempt 2 changed its answer" means it changed its code.
 *
 * The sandbox is loaded on first use under a computed specifier, so the stage code digests (which
 * follow literal imports) do not cover it: the embedded and math experiments never run it, and an
 * edit there leaves them cached. A code task's problems stage puts a digest of the sandbox's files
 * into its key and its `task.json` instead, so such an edit invalidates exactly the code tasks.
 *
 * @module
 */
import { z } from "zod";
import type * as Sandbox from "../verifiers/code/mod.ts";
import { checkIntegerAnswer } from "../verifiers/integer.ts";
import { checkMathAnswer } from "../verifiers/math/check.ts";
import { extractAnswer } from "../verifiers/math/extract.ts";
import type { TaskProblem } from "./task.ts";

/** How attempts are checked: integers (embedded), math answers (GSM8K, MATH) or programs (code). */
export const VerifierKind = z.enum(["integer", "math", "code"]);
/** How attempts are checked. */
export type VerifierKind = z.infer<typeof VerifierKind>;

/** What a code problem carries for its verifier: the tests and the function they call. */
export const CodeSpec = z.object({
  language: z.literal("python"),
  /** The function the tests call (HumanEval's `check(candidate)` gets it). */
  entryPoint: z.string().regex(/^[A-Za-z_]\w*$/, "a Python identifier"),
  /** Assert-style test code run against the program (MBPP asserts, HumanEval `check`). */
  tests: z.string().min(1),
  /**
   * Code a completion continues (HumanEval: the prompt with imports, signature and docstring):
   * put before an attempt's code when that code does not define the entry point.
   */
  prefix: z.string().optional(),
}).strict();
/** What a code problem carries for its verifier. */
export type CodeSpec = z.infer<typeof CodeSpec>;

/** Limits of one sandboxed run of a code attempt, as recorded in `task.json`. */
export const SandboxSettings = z.object({
  timeoutMs: z.number().int().min(1),
  memoryMb: z.number().int().min(1),
  outputBytes: z.number().int().min(1),
  /** sha256 over the sandbox's files (verifiers/code): an edit there re-keys code tasks. */
  code: z.string().regex(/^[0-9a-f]{64}$/),
}).strict();
/** Limits of one sandboxed run of a code attempt. */
export type SandboxSettings = z.infer<typeof SandboxSettings>;

/** The verdict on one attempt. */
export interface AttemptVerdict {
  correct: boolean;
  /** The extracted final answer, or for code the program run (null when none could be read). */
  answer: string | null;
  /** Code: how the run ended (`passed`, `failed`, `timeout`, …, or `no_code`). */
  status?: string;
}

/** Checks attempts of one task. */
export interface Verifier {
  readonly kind: VerifierKind;
  /** The verdicts on `texts[i]` as an attempt at `problems[i]`, in order. */
  verifyAll(problems: readonly TaskProblem[], texts: readonly string[]): Promise<AttemptVerdict[]>;
}

/** Checks an integer or math attempt synchronously; code attempts need {@link verifierFor}. */
export function verifyAttempt(
  verifier: VerifierKind,
  problem: TaskProblem,
  text: string,
): AttemptVerdict {
  if (verifier === "integer") {
    const r = checkIntegerAnswer(problem.answer, text);
    return { correct: r.equal, answer: r.extracted };
  }
  if (verifier === "code") {
    throw new Error(
      "verifyAttempt: code attempts run in the sandbox, asynchronously; use " +
        "verifierFor(task).verifyAll(problems, texts)",
    );
  }
  const { answer } = extractAnswer(text);
  if (answer === null) return { correct: false, answer: null };
  return { correct: checkMathAnswer(problem.answer, answer).equal, answer };
}

// An opening fence at a line's start, its tag, the block up to the closing fence (or the end).
const FENCE = /^[ \t]*```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n([\s\S]*?)(?:```|(?![\s\S]))/gm;
const PYTHON_TAGS = new Set(["python", "py", "python3"]);

function defines(code: string, name: string): boolean {
  return new RegExp(`^\\s*(?:async\\s+)?def\\s+${name}\\s*\\(`, "m").test(code);
}

function tidy(code: string): string {
  return code.split("\n").map((l) => l.trimEnd()).join("\n").replace(/^\n+|\n+$/g, "");
}

/**
 * The code of an attempt (the rule is in the module's description): the chosen fenced block, or
 * the whole text; `rule` says which. Null when there is no code (blank text or blank block).
 */
export function extractCode(
  text: string,
  entryPoint?: string,
): { code: string; rule: "fenced" | "whole" } | null {
  const blocks = [...text.matchAll(FENCE)].map((m) => ({ tag: m[1].toLowerCase(), code: m[2] }))
    .filter((b) => b.tag === "" || PYTHON_TAGS.has(b.tag));
  if (blocks.length === 0) {
    const code = tidy(text);
    return code === "" ? null : { code, rule: "whole" };
  }
  const chosen = (entryPoint ? blocks.find((b) => defines(b.code, entryPoint)) : undefined) ??
    blocks.find((b) => PYTHON_TAGS.has(b.tag)) ?? blocks[0];
  const code = tidy(chosen.code);
  return code === "" ? null : { code, rule: "fenced" };
}

/** The program an attempt at a code problem runs: its code, after the problem's prefix if needed. */
export function attemptProgram(spec: CodeSpec, text: string): string | null {
  const got = extractCode(text, spec.entryPoint);
  if (got === null) return null;
  if (spec.prefix !== undefined && !defines(got.code, spec.entryPoint)) {
    return tidy(`${spec.prefix.replace(/\s+$/, "")}\n${got.code}`);
  }
  return got.code;
}

/** Options of the code verifier (none of them changes a verdict on an honest program). */
export interface CodeVerifierOptions {
  /** Sandboxes running at once (default: the cores, at most 8). */
  concurrency?: number;
  /** The sandbox's isolation mode (default: detected; namespaces as root). */
  isolation?: Sandbox.IsolationMode;
  /** Runs one request instead of the sandbox's `runCodeTests` (tests count runs with it). */
  run?: (
    request: Sandbox.CodeRequest,
    opts: Sandbox.RunCodeOptions,
  ) => Promise<Sandbox.CodeVerdict>;
}

// A computed specifier: the stage code digests do not follow it (see the module's description).
const SANDBOX_MODULE = ["..", "verifiers", "code", "mod.ts"].join("/");
let sandbox: Promise<typeof Sandbox> | null = null;

/** The sandbox module, loaded once. */
export function loadSandbox(): Promise<typeof Sandbox> {
  sandbox ??= import(new URL(SANDBOX_MODULE, import.meta.url).href) as Promise<typeof Sandbox>;
  return sandbox;
}

const syncVerifier = (kind: "integer" | "math"): Verifier => ({
  kind,
  verifyAll: (problems, texts) => {
    const out = new Array<AttemptVerdict>(texts.length);
    for (let i = 0; i < texts.length; i++) out[i] = verifyAttempt(kind, problems[i], texts[i]);
    return Promise.resolve(out);
  },
});

const INTEGER = syncVerifier("integer");
const MATH = syncVerifier("math");

function codeVerifier(settings: SandboxSettings | undefined, opts: CodeVerifierOptions): Verifier {
  // The task's limits; runCodeTests takes its DEFAULT_LIMITS for any not given.
  const limits = {
    timeoutMs: settings?.timeoutMs,
    memoryMb: settings?.memoryMb,
    outputBytes: settings?.outputBytes,
  };
  const concurrency = opts.concurrency ??
    Math.max(1, Math.min(8, navigator.hardwareConcurrency || 2));
  return {
    kind: "code",
    async verifyAll(problems, texts) {
      const out = new Array<AttemptVerdict>(texts.length);
      const runs: { problem: TaskProblem; program: string; at: number[] }[] = [];
      const seen = new Map<string, number>();
      for (let i = 0; i < texts.length; i++) {
        const p = problems[i];
        if (!p.code) {
          throw new Error(
            `code verifier: problem ${p.id} has no code tests (its record lacks "code"); ` +
              "rerun the problems stage of a code source (mbpp, humaneval or code)",
          );
        }
        const program = attemptProgram(p.code, texts[i]);
        if (program === null) {
          out[i] = { correct: false, answer: null, status: "no_code" };
          continue;
        }
        const key = `${p.id}\0${program}`;
        const at = seen.get(key);
        if (at !== undefined) runs[at].at.push(i);
        else {
          seen.set(key, runs.length);
          runs.push({ problem: p, program, at: [i] });
        }
      }
      if (runs.length === 0) return out;
      const { runCodeTests, mapOrdered } = await loadSandbox();
      const run = opts.run ?? runCodeTests;
      const verdicts = await mapOrdered(runs, concurrency, (r) =>
        run({
          language: r.problem.code!.language,
          program: r.program,
          entry_point: r.problem.code!.entryPoint,
          tests: { code: r.problem.code!.tests },
        }, { ...limits, isolation: opts.isolation }));
      runs.forEach((r, k) => {
        const v = verdicts[k];
        if (v.status === "error") {
          // Not the attempt's doing (a request the sandbox refused, test code that does not
          // parse, a sandbox that could not be built): scoring it 0 would train on a fault.
          throw new Error(`code verifier: problem ${r.problem.id}: ${v.detail}`);
        }
        for (const i of r.at) out[i] = { correct: v.passed, answer: r.program, status: v.status };
      });
      return out;
    },
  };
}

/**
 * Verifies attempt 1 and attempt 2 of every row in one batch (rows `problems[i]`, `text1[i]`,
 * `text2[i]`): a code verifier then runs a program that attempt 2 kept from attempt 1 once, and
 * both attempts share one sandbox pool.
 */
export async function verifyBoth(
  verifier: Verifier,
  problems: readonly TaskProblem[],
  text1: readonly string[],
  text2: readonly string[],
): Promise<[AttemptVerdict[], AttemptVerdict[]]> {
  const all = await verifier.verifyAll([...problems, ...problems], [...text1, ...text2]);
  return [all.slice(0, problems.length), all.slice(problems.length)];
}

/**
 * The verifier of a task: its `task.json` kind, and for code tasks the sandbox limits recorded
 * there (the sandbox's defaults without them).
 */
export function verifierFor(
  task: { verifier: VerifierKind; sandbox?: SandboxSettings },
  opts: CodeVerifierOptions = {},
): Verifier {
  switch (task.verifier) {
    case "integer":
      return INTEGER;
    case "math":
      return MATH;
    case "code":
      return codeVerifier(task.sandbox, opts);
  }
}
