/**
 * Limits that keep a math check bounded: input length, parse depth, number size, factorials,
 * evaluation steps and wall time. Exceeding one throws {@link BudgetError}, which the checker turns
 * into a not-equal verdict with the error's reason.
 *
 * @module
 */

/** Reasons a check can be cut short. */
export type BudgetReason = "too_large" | "too_long" | "timeout";

/** Thrown when a check would exceed its budget. */
export class BudgetError extends Error {
  constructor(readonly reason: BudgetReason, message: string) {
    super(message);
    this.name = "BudgetError";
  }
}

/** Tunable limits of one check (all optional in the public options). */
export interface Limits {
  /** Max characters of a normalized answer (default 2000). */
  maxLength: number;
  /** Max bits of any exact numerator or denominator (default 4096). */
  maxBits: number;
  /** Largest n for which n! is computed exactly (default 300). */
  maxFactorial: number;
  /** Max nesting depth of the parser (default 100). */
  maxDepth: number;
  /** Wall-clock budget of one check in milliseconds (default 250). */
  timeMs: number;
}

/** Default limits. */
export const DEFAULT_LIMITS: Limits = {
  maxLength: 2000,
  maxBits: 4096,
  maxFactorial: 300,
  maxDepth: 100,
  timeMs: 250,
};

/** A running budget: limits plus a deadline, checked cheaply every few steps. */
export class Budget {
  private steps = 0;
  readonly deadline: number;
  constructor(readonly limits: Limits) {
    this.deadline = performance.now() + limits.timeMs;
  }
  /** Counts one unit of work; throws `timeout` once past the deadline. */
  tick(): void {
    if ((++this.steps & 63) === 0 && performance.now() > this.deadline) {
      throw new BudgetError("timeout", `math check exceeded ${this.limits.timeMs} ms`);
    }
  }
}
