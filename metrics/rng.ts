/**
 * A small seeded pseudo-random generator for resampling (xoshiro128**, state seeded through
 * splitmix32). Same seed → same sequence on every platform; no global state.
 */

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seeded generator: `nextU32()` gives 32 random bits, `nextInt(n)` an integer in [0, n). */
export interface Rng {
  /** 32 uniformly random bits as an unsigned integer. */
  nextU32(): number;
  /** A uniform integer in [0, n) for 1 <= n <= 2^32 (multiply-shift; bias below n / 2^32). */
  nextInt(n: number): number;
}

/** Creates a generator from an integer seed (any safe integer; negative allowed). */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`createRng: seed must be a safe integer, got ${seed}`);
  }
  // Fold the high bits in so that seeds above 2^32 still differ.
  const hi = Math.floor(seed / 4294967296) | 0;
  const sm = { s: (seed | 0) ^ Math.imul(hi, 0x27d4eb2d) };
  let a = splitmix32(sm), b = splitmix32(sm), c = splitmix32(sm), d = splitmix32(sm);
  if ((a | b | c | d) === 0) a = 1;
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  return {
    nextU32,
    nextInt(n: number): number {
      return Math.floor((nextU32() / 4294967296) * n);
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
