/**
 * Equivalence of structured math answers. Policies are documented in README.md.
 *
 * @module
 */
import type { Budget } from "./budget.ts";
import { evalExact, evalFloat } from "./evaluate.ts";
import { freeVars, type Node } from "./parse.ts";
import type { Value } from "./structure.ts";

/** A verdict with the rule that decided it. */
export interface Verdict {
  equal: boolean;
  reason: string;
}

/** Relative tolerance of floating-point comparisons (irrational constants, random points). */
export const REL_TOL = 1e-9;
const ABS_TOL = 1e-13;
const POINTS = 8, MIN_POINTS = 4, MAX_TRIES = 48;

function close(a: number, b: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= REL_TOL * Math.max(Math.abs(a), Math.abs(b)) + ABS_TOL;
}

/** Deterministic points generator (mulberry32) for the random-point checks. */
function pointRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Context of one comparison: budget and the seed of the random points. */
export interface CompareContext {
  budget: Budget;
  seed: number;
}

/** Random assignments of the variables: values in ±[0.2, 2.7], fixed by the seed. */
function* points(vars: string[], seed: number): Generator<Record<string, number>> {
  const rnd = pointRng(seed);
  for (let t = 0; t < MAX_TRIES; t++) {
    const env: Record<string, number> = {};
    for (const v of vars) env[v] = (rnd() < 0.5 ? -1 : 1) * (0.2 + 2.5 * rnd());
    yield env;
  }
}

/** Compares two expressions: exact rationals, then floats, then random points for variables. */
export function compareExpr(a: Node, b: Node, ctx: CompareContext): Verdict {
  const ea = evalExact(a, ctx.budget), eb = evalExact(b, ctx.budget);
  if (ea && eb) {
    return ea.equals(eb)
      ? { equal: true, reason: "exact_rational" }
      : { equal: false, reason: "rational_mismatch" };
  }
  const vars = [...freeVars(a, freeVars(b))].sort();
  if (vars.length === 0) {
    const fa = evalFloat(a, {}, ctx.budget), fb = evalFloat(b, {}, ctx.budget);
    if (Number.isNaN(fa) || Number.isNaN(fb)) return { equal: false, reason: "undefined_value" };
    return close(fa, fb)
      ? { equal: true, reason: "numeric" }
      : { equal: false, reason: "numeric_mismatch" };
  }
  let valid = 0;
  for (const env of points(vars, ctx.seed)) {
    const fa = evalFloat(a, env, ctx.budget), fb = evalFloat(b, env, ctx.budget);
    if (!Number.isFinite(fa) || !Number.isFinite(fb)) continue;
    if (!close(fa, fb)) return { equal: false, reason: "symbolic_mismatch" };
    if (++valid >= POINTS) break;
  }
  return valid >= MIN_POINTS
    ? { equal: true, reason: "symbolic_random_points" }
    : { equal: false, reason: "undecided" };
}

/** Equations are equal when (lhs − rhs) of one is a nonzero constant multiple of the other's. */
export function compareEquations(
  a: { lhs: Node; rhs: Node },
  b: { lhs: Node; rhs: Node },
  ctx: CompareContext,
): Verdict {
  const fa: Node = { t: "sub", a: a.lhs, b: a.rhs }, fb: Node = { t: "sub", a: b.lhs, b: b.rhs };
  const vars = [...freeVars(fa, freeVars(fb))].sort();
  if (vars.length === 0) return { equal: false, reason: "equation_without_variables" };
  let ratio: number | null = null, valid = 0;
  for (const env of points(vars, ctx.seed)) {
    const x = evalFloat(fa, env, ctx.budget), y = evalFloat(fb, env, ctx.budget);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (close(x, 0) && close(y, 0)) continue;
    if (close(y, 0) || close(x, 0)) return { equal: false, reason: "equation_mismatch" };
    if (ratio === null) ratio = x / y;
    else if (!close(x, ratio * y)) return { equal: false, reason: "equation_mismatch" };
    if (++valid >= POINTS) break;
  }
  return valid >= MIN_POINTS
    ? { equal: true, reason: "equation_proportional" }
    : { equal: false, reason: "undecided" };
}

function unordered(a: Value[], b: Value[], ctx: CompareContext): boolean {
  const covered = (xs: Value[], ys: Value[]) =>
    xs.every((x) => ys.some((y) => compareValues(x, y, ctx).equal));
  return covered(a, b) && covered(b, a);
}

/** Compares two structured values (see README.md for the rules of each kind). */
export function compareValues(g: Value, p: Value, ctx: CompareContext): Verdict {
  ctx.budget.tick();
  if (g.k === "expr" && p.k === "expr") return compareExpr(g.node, p.node, ctx);
  if (g.k === "eq" && p.k === "eq") return compareEquations(g, p, ctx);
  if (g.k === "text" && p.k === "text") {
    return g.s === p.s
      ? { equal: true, reason: "text_match" }
      : { equal: false, reason: "text_mismatch" };
  }
  if (g.k === "tuple" && p.k === "tuple") {
    if (g.open !== p.open || g.close !== p.close) {
      return { equal: false, reason: "bracket_mismatch" };
    }
    if (g.items.length !== p.items.length) return { equal: false, reason: "length_mismatch" };
    for (let i = 0; i < g.items.length; i++) {
      if (!compareValues(g.items[i], p.items[i], ctx).equal) {
        return { equal: false, reason: "element_mismatch" };
      }
    }
    return { equal: true, reason: "tuple_match" };
  }
  if (g.k === "set" && p.k === "set") {
    return unordered(g.items, p.items, ctx)
      ? { equal: true, reason: "set_match" }
      : { equal: false, reason: "set_mismatch" };
  }
  if (g.k === "union" && p.k === "union") {
    return unordered(g.items, p.items, ctx)
      ? { equal: true, reason: "union_match" }
      : { equal: false, reason: "union_mismatch" };
  }
  if (g.k === "matrix" && p.k === "matrix") {
    const shape = (m: Value[][]) => m.map((r) => r.length).join("x");
    if (shape(g.rows) !== shape(p.rows)) return { equal: false, reason: "shape_mismatch" };
    for (let i = 0; i < g.rows.length; i++) {
      for (let j = 0; j < g.rows[i].length; j++) {
        if (!compareValues(g.rows[i][j], p.rows[i][j], ctx).equal) {
          return { equal: false, reason: "element_mismatch" };
        }
      }
    }
    return { equal: true, reason: "matrix_match" };
  }
  return { equal: false, reason: `structure_mismatch:${g.k}/${p.k}` };
}
