/** Shared fixtures for the model tests: tiny configs and seeded batches. */
import { type GPTConfigInput, Rng, type SupervisedBatch } from "../../model/mod.ts";

/** A tiny config that makes finite differences and cross-backend checks fast. */
export const TINY: GPTConfigInput = {
  vocabSize: 11,
  ctxLen: 16,
  nLayer: 2,
  nHead: 2,
  dModel: 8,
  seed: 3,
};

/** Random token batch with a full mask (seeded). */
export function randomBatch(b: number, t: number, vocab: number, seed: number): SupervisedBatch {
  const rng = new Rng(seed);
  const tokens = new Int32Array(b * t).map(() => rng.int(vocab));
  return { kind: "supervised", batch: b, seqLen: t, tokens, mask: new Float32Array(b * t).fill(1) };
}

/** Largest absolute difference of two arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
