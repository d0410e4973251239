/**
 * One stage object per seed: a stage that several others read (a base model, its rollouts) must
 * be the same object wherever the DAG names it.
 *
 * @module
 */
import type { Stage } from "../pipeline/mod.ts";

/** Memoises `define` by seed, so each seed's stage is built once. */
export function perSeed(
  define: (seed: number) => Stage<unknown>,
): (seed: number) => Stage<unknown> {
  const instances = new Map<number, Stage<unknown>>();
  return (seed) => {
    let s = instances.get(seed);
    if (!s) {
      s = define(seed);
      instances.set(seed, s);
    }
    return s;
  };
}
