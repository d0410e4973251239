/**
 * Minibatches drawn without replacement from shuffled epochs: each epoch is a fresh seeded
 * permutation, and a batch that crosses an epoch boundary continues into the next one.
 *
 * @module
 */
import type { Rng } from "../datasets/mod.ts";

/** Returns a function that yields the next `n` items (at most `items.length`) of the epochs. */
export function epochSampler<T>(items: readonly T[], rng: Rng): (n: number) => T[] {
  let order: number[] = [];
  return (n) => {
    const out: T[] = [];
    while (out.length < Math.min(n, items.length)) {
      if (order.length === 0) order = rng.shuffle([...items.keys()]);
      out.push(items[order.pop()!]);
    }
    return out;
  };
}
