/**
 * Public surface of the math verifier: answer extraction and equivalence checking.
 * Policies (normalization, units, percent, separators, structures, budgets) are in README.md.
 *
 * @module
 */
export { checkMathAnswer, type MathCheck, type MathCheckOptions } from "./check.ts";
export { extractAnswer, type ExtractMethod, lastBoxed } from "./extract.ts";
export { normalizeAnswer, type Normalized } from "./normalize.ts";
export { DEFAULT_LIMITS, type Limits } from "./budget.ts";
export { REL_TOL } from "./compare.ts";
