/**
 * `checkMathAnswer`: the math-answer equivalence check (synchronous, budgeted).
 *
 * @module
 */
import { Budget, BudgetError, DEFAULT_LIMITS, type Limits } from "./budget.ts";
import { compareValues, type Verdict } from "./compare.ts";
import { extractAnswer, lastBoxed } from "./extract.ts";
import { normalizeAnswer } from "./normalize.ts";
import { type Node } from "./parse.ts";
import { Rational } from "./rational.ts";
import { parseValue, type Value } from "./structure.ts";

/** Options of {@link checkMathAnswer}. */
export interface MathCheckOptions extends Partial<Limits> {
  /** Seed of the random points for symbolic comparison (default 20240912). */
  seed?: number;
  /** Run {@link extractAnswer} on `pred` first (for full model completions). Default false. */
  extract?: boolean;
}

/** The result of a math check: the verdict and the rule (or limit) that decided it. */
export type MathCheck = Verdict;

function prepare(text: string, extract: boolean): string | null {
  if (extract) return extractAnswer(text).answer;
  if (/\\(?:boxed|fbox)\b/.test(text)) return lastBoxed(text);
  return text;
}

function scalePercent(v: Value): Value {
  if (v.k !== "expr") return v;
  const node: Node = {
    t: "div",
    a: v.node,
    b: { t: "num", v: new Rational(100n), literal: false },
  };
  return { k: "expr", node };
}

/**
 * Decides whether `pred` is mathematically equal to `gold` under the documented policies.
 * Synchronous; bounded by the time and size limits (default 250 ms, 4096-bit numbers, 300!):
 * an answer beyond them is not equal, with reason `too_large`, `too_long` or `timeout`.
 */
export function checkMathAnswer(
  gold: string,
  pred: string,
  opts: MathCheckOptions = {},
): MathCheck {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts };
  try {
    if (gold.length > limits.maxLength * 8 || pred.length > limits.maxLength * 8 && !opts.extract) {
      return { equal: false, reason: "too_long" };
    }
    const g = prepare(gold, false);
    const p = prepare(pred, opts.extract ?? false);
    if (g === null || g.trim() === "") return { equal: false, reason: "empty_gold" };
    if (p === null || p.trim() === "") return { equal: false, reason: "no_answer" };
    const ng = normalizeAnswer(g), np = normalizeAnswer(p);
    if (ng.text.length > limits.maxLength || np.text.length > limits.maxLength) {
      return { equal: false, reason: "too_long" };
    }
    if (ng.text === np.text) return { equal: true, reason: "string_match" };
    const budget = new Budget(limits);
    const ctx = { budget, seed: opts.seed ?? 20240912 };
    const gv = parseValue(ng.text, budget), pv = parseValue(np.text, budget);
    const r = compareValues(gv, pv, ctx);
    if (!r.equal && ng.percent !== np.percent) {
      const scaled = ng.percent
        ? compareValues(scalePercent(gv), pv, ctx)
        : compareValues(gv, scalePercent(pv), ctx);
      if (scaled.equal) return { equal: true, reason: `percent_scaled:${scaled.reason}` };
    }
    return r;
  } catch (e) {
    if (e instanceof BudgetError) return { equal: false, reason: e.reason };
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      return { equal: false, reason: "too_long" };
    }
    // never let malformed input crash a training loop; the fuzz test asserts this stays unused
    return { equal: false, reason: `internal_error:${(e as Error).message}` };
  }
}
