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
  return proportional(fa, fb, ctx, false, "equation");
}

/**
 * Whether `fb` is a constant nonzero multiple of `fa` at random points (a positive one when
 * `positive`: a relation `f < 0` keeps its direction only under positive scaling).
 */
function proportional(
  fa: Node,
  fb: Node,
  ctx: CompareContext,
  positive: boolean,
  what: "equation" | "relation",
): Verdict {
  const vars = [...freeVars(fa, freeVars(fb))].sort();
  if (vars.length === 0) return { equal: false, reason: `${what}_without_variables` };
  let ratio: number | null = null, valid = 0;
  for (const env of points(vars, ctx.seed)) {
    const x = evalFloat(fa, env, ctx.budget), y = evalFloat(fb, env, ctx.budget);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (close(x, 0) && close(y, 0)) continue;
    if (close(y, 0) || close(x, 0)) return { equal: false, reason: `${what}_mismatch` };
    if (ratio === null) {
      ratio = x / y;
      if (positive && !(ratio > 0)) return { equal: false, reason: `${what}_mismatch` };
    } else if (!close(x, ratio * y)) return { equal: false, reason: `${what}_mismatch` };
    if (++valid >= POINTS) break;
  }
  return valid >= MIN_POINTS
    ? { equal: true, reason: `${what}_proportional` }
    : { equal: false, reason: "undecided" };
}

/** The variable and bound of a one-variable relation in solved form (`x < 3`, `3 \le x`). */
function solvedForm(
  r: Extract<Value, { k: "rel" }>,
): { name: string; upper: boolean; bound: Node } | null {
  if (r.parts.length !== 2) return null;
  const [a, b] = r.parts;
  const lone = (n: Node) => (n.t === "var" ? n.name : null);
  const constant = (n: Node) => freeVars(n).size === 0;
  if (lone(a) && constant(b)) return { name: lone(a)!, upper: true, bound: b };
  if (lone(b) && constant(a)) return { name: lone(b)!, upper: false, bound: a };
  return null;
}

/**
 * Relations (ascending chains). Same length and strictness required. A chain of three or more is
 * compared part by part. One relation `a < b` is `a − b < 0`: with one variable, both sides must be
 * in solved form with the same variable, direction and bound (`x < 3` = `3 > x`; `2x < 6` is a
 * restated problem, not its answer); with two or more, `a − b` of one must be a positive constant
 * multiple of the other's (`y < 2x + 1` = `2x - y + 1 > 0`).
 */
export function compareRelations(
  g: Extract<Value, { k: "rel" }>,
  p: Extract<Value, { k: "rel" }>,
  ctx: CompareContext,
): Verdict {
  const mismatch = { equal: false, reason: "relation_mismatch" };
  if (g.parts.length !== p.parts.length || g.strict.some((x, i) => x !== p.strict[i])) {
    return mismatch;
  }
  if (g.parts.length > 2) {
    for (let i = 0; i < g.parts.length; i++) {
      if (!compareExpr(g.parts[i], p.parts[i], ctx).equal) return mismatch;
    }
    return { equal: true, reason: "relation_match" };
  }
  const fg: Node = { t: "sub", a: g.parts[0], b: g.parts[1] };
  const fp: Node = { t: "sub", a: p.parts[0], b: p.parts[1] };
  const vars = freeVars(fg, freeVars(fp));
  if (vars.size === 1) {
    const sg = solvedForm(g), sp = solvedForm(p);
    if (!sg || !sp || sg.name !== sp.name || sg.upper !== sp.upper) return mismatch;
    return compareExpr(sg.bound, sp.bound, ctx).equal
      ? { equal: true, reason: "relation_match" }
      : mismatch;
  }
  return proportional(fg, fp, ctx, true, "relation");
}

/** The equation behind a value, with at least two variables: `y = 2x+3` or `2x - y + 3 = 0`. */
function lineEquation(v: Value): { lhs: Node; rhs: Node } | null {
  const eq = v.k === "eq" ? v : v.k === "expr" ? v.eq ?? null : null;
  if (!eq) return null;
  return freeVars(eq.lhs, freeVars(eq.rhs)).size >= 2 ? eq : null;
}

function unordered(a: Value[], b: Value[], ctx: CompareContext): boolean {
  const covered = (xs: Value[], ys: Value[]) =>
    xs.every((x) => ys.some((y) => compareValues(x, y, ctx).equal));
  return covered(a, b) && covered(b, a);
}

/** Compares two structured values (see README.md for the rules of each kind). */
export function compareValues(g: Value, p: Value, ctx: CompareContext): Verdict {
  ctx.budget.tick();
  if (g.k === "expr" && p.k === "expr") {
    const r = compareExpr(g.node, p.node, ctx);
    if (r.equal) return r;
    // `y = 2x+3` and `x = (y-3)/2`: the same relation solved for different variables
    const eg = lineEquation(g), ep = lineEquation(p);
    if (eg && ep && compareEquations(eg, ep, ctx).equal) {
      return { equal: true, reason: "equation_rearranged" };
    }
    return r;
  }
  if (g.k === "eq" && p.k === "eq") return compareEquations(g, p, ctx);
  if (g.k === "rel" && p.k === "rel") return compareRelations(g, p, ctx);
  if ((g.k === "eq" && p.k === "expr") || (g.k === "expr" && p.k === "eq")) {
    // an equation solved for one of its (two or more) variables: `2x - y + 3 = 0`, `y = 2x + 3`
    const eg = lineEquation(g), ep = lineEquation(p);
    if (eg && ep && compareEquations(eg, ep, ctx).equal) {
      return { equal: true, reason: "equation_rearranged" };
    }
  }
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
