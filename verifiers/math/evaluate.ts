/**
 * Evaluation of expression trees: exactly (BigInt rationals) when the value is rational, and in
 * floating point (for irrational constants, functions and random-point checks of variables).
 * Both consult a {@link Budget}: huge powers and factorials throw `too_large` before any work.
 *
 * @module
 */
import { type Budget, BudgetError } from "./budget.ts";
import type { Node } from "./parse.ts";
import { exactRoot, Rational } from "./rational.ts";

const ONE = new Rational(1n);

/**
 * The exact rational value of a tree, or null when it is not a rational constant (variables,
 * π, e, ∞, functions, irrational roots, division by zero). Throws `too_large` for oversized values.
 */
export function evalExact(n: Node, budget: Budget): Rational | null {
  budget.tick();
  const maxBits = budget.limits.maxBits;
  switch (n.t) {
    case "num":
      return n.v.check(maxBits);
    case "var":
    case "const":
    case "fn":
      return null;
    case "neg": {
      const a = evalExact(n.a, budget);
      return a && a.neg();
    }
    case "abs": {
      const a = evalExact(n.a, budget);
      return a && (a.n < 0n ? a.neg() : a);
    }
    case "add":
    case "sub":
    case "mul":
    case "div": {
      const a = evalExact(n.a, budget);
      const b = evalExact(n.b, budget);
      if (!a || !b) return null;
      const r = n.t === "add"
        ? a.add(b)
        : n.t === "sub"
        ? a.sub(b)
        : n.t === "mul"
        ? a.mul(b)
        : a.div(b);
      return r && r.check(maxBits);
    }
    case "pow": {
      const b = evalExact(n.a, budget);
      const e = evalExact(n.b, budget);
      if (!b || !e) return null;
      return powExact(b, e, budget);
    }
    case "root": {
      const a = evalExact(n.a, budget);
      const k = evalExact(n.k, budget);
      if (!a || !k || !k.isInteger() || k.n < 1n) return null;
      return powExact(a, new Rational(1n, k.n), budget);
    }
    case "fact": {
      const a = evalExact(n.a, budget);
      if (!a || !a.isInteger() || a.n < 0n) return null;
      return new Rational(factorial(a.n, budget));
    }
    case "binom": {
      const a = evalExact(n.a, budget);
      const b = evalExact(n.b, budget);
      if (!a || !b || !a.isInteger() || !b.isInteger() || b.n < 0n) return null;
      if (b.n > a.n && a.n >= 0n) return new Rational(0n);
      if (b.n > BigInt(budget.limits.maxFactorial)) {
        throw new BudgetError("too_large", `binomial with k = ${b.n} is over the limit`);
      }
      let r = ONE;
      for (let i = 0n; i < b.n; i++) {
        budget.tick();
        r = r.mul(new Rational(a.n - i, i + 1n)).check(maxBits);
      }
      return r;
    }
  }
}

function factorial(k: bigint, budget: Budget): bigint {
  if (k > BigInt(budget.limits.maxFactorial)) {
    throw new BudgetError(
      "too_large",
      `${k}! is over the factorial limit ${budget.limits.maxFactorial}`,
    );
  }
  let r = 1n;
  for (let i = 2n; i <= k; i++) {
    budget.tick();
    r *= i;
  }
  return r;
}

/** b^e exactly: integer exponents within the bit budget, rational exponents via exact roots. */
function powExact(b: Rational, e: Rational, budget: Budget): Rational | null {
  const maxBits = budget.limits.maxBits;
  const big = (bits: number) => {
    if (bits > maxBits) throw new BudgetError("too_large", `power exceeds ${maxBits} bits`);
  };
  if (e.isInteger()) {
    big(b.powBits(e.n));
    return b.powInt(e.n)?.check(maxBits) ?? null;
  }
  // b^(p/q) = (q-th root of b)^p, exact only for perfect powers; bounded root index
  if (e.d > 64n || b.n < 0n) return null;
  const q = Number(e.d);
  const rn = exactRoot(b.n, q), rd = exactRoot(b.d, q);
  if (rn === null || rd === null) return null;
  const root = new Rational(rn, rd);
  big(root.powBits(e.n));
  return root.powInt(e.n)?.check(maxBits) ?? null;
}

const FLOAT_FACT_MAX = 170;

/** The floating-point value of a tree with the given variable values (NaN when undefined). */
export function evalFloat(n: Node, env: Record<string, number>, budget: Budget): number {
  budget.tick();
  const f = (m: Node) => evalFloat(m, env, budget);
  switch (n.t) {
    case "num":
      return n.v.toNumber();
    case "var":
      return env[n.name] ?? NaN;
    case "const":
      return n.name === "pi" ? Math.PI : n.name === "e" ? Math.E : Infinity;
    case "neg":
      return -f(n.a);
    case "abs":
      return Math.abs(f(n.a));
    case "add":
      return f(n.a) + f(n.b);
    case "sub":
      return f(n.a) - f(n.b);
    case "mul":
      return f(n.a) * f(n.b);
    case "div":
      return f(n.a) / f(n.b);
    case "pow": {
      const b = f(n.a), e = f(n.b);
      if (b < 0 && !Number.isInteger(e)) return NaN;
      return Math.pow(b, e);
    }
    case "root": {
      const a = f(n.a), k = f(n.k);
      if (k === 2) return Math.sqrt(a);
      if (a < 0 && Number.isInteger(k) && k % 2 === 1) return -Math.pow(-a, 1 / k);
      return Math.pow(a, 1 / k);
    }
    case "fact": {
      const a = f(n.a);
      if (!Number.isInteger(a) || a < 0) return NaN;
      if (a > FLOAT_FACT_MAX) return Infinity;
      let r = 1;
      for (let i = 2; i <= a; i++) r *= i;
      return r;
    }
    case "binom": {
      const a = f(n.a), k = f(n.b);
      if (!Number.isInteger(k) || k < 0) return NaN;
      if (k > FLOAT_FACT_MAX) return NaN;
      let r = 1;
      for (let i = 0; i < k; i++) r = (r * (a - i)) / (i + 1);
      return r;
    }
    case "fn": {
      const a = f(n.a);
      switch (n.name) {
        case "sin":
          return Math.sin(a);
        case "cos":
          return Math.cos(a);
        case "tan":
          return Math.tan(a);
        case "sec":
          return 1 / Math.cos(a);
        case "csc":
          return 1 / Math.sin(a);
        case "cot":
          return Math.cos(a) / Math.sin(a);
        case "arcsin":
          return Math.asin(a);
        case "arccos":
          return Math.acos(a);
        case "arctan":
          return Math.atan(a);
        case "sinh":
          return Math.sinh(a);
        case "cosh":
          return Math.cosh(a);
        case "tanh":
          return Math.tanh(a);
        case "exp":
          return Math.exp(a);
        case "ln":
          return Math.log(a);
        case "log":
          return n.base ? Math.log(a) / Math.log(f(n.base)) : Math.log(a);
      }
      return NaN;
    }
  }
}
