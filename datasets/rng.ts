/**
 * Small seeded PRNG for the whole project (sfc32 core, seeded through a string/number hash).
 *
 * Same seed → same sequence on every platform: only 32-bit integer arithmetic is used.
 * `fork(label)` derives an independent child stream, so callers can split randomness by purpose
 * (e.g. `rng.fork("test")`) without the streams depending on how much the other one consumed.
 *
 * @module
 */

/** A seeded random number generator. */
export interface Rng {
  /** Uniform float in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform integer in [lo, hi] (both inclusive). Throws if hi < lo or the range is not safe. */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  bool(p?: number): boolean;
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A new array with the items in a uniformly random order (Fisher–Yates); input untouched. */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent generator derived from this one's seed and a label (does not advance this). */
  fork(label: string | number): Rng;
  /** The seed material this generator was created from (for records and forks). */
  readonly seedKey: string;
}

/** 32-bit FNV-1a hash of a string, returned as an unsigned integer. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Eight hex digits of FNV-1a over the text: a short stable identifier (not cryptographic). */
export function shortHash(text: string): string {
  return fnv1a32(text).toString(16).padStart(8, "0");
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Creates a seeded generator. The seed may be a number or a string; numbers and their decimal
 * string give the same stream (`createRng(7)` ≡ `createRng("7")`).
 */
export function createRng(seed: number | string): Rng {
  const seedKey = String(seed);
  const sm = splitmix32(fnv1a32(seedKey) ^ Math.imul(seedKey.length, 0x27d4eb2d));
  let a = sm(), b = sm(), c = sm(), d = sm() | 1;
  const uint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) uint32();
  const next = () => uint32() / 4294967296;
  const rng: Rng = {
    seedKey,
    next,
    uint32,
    int(lo: number, hi: number): number {
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
        throw new RangeError(`rng.int: need integers lo <= hi, got ${lo}, ${hi}`);
      }
      const span = hi - lo + 1;
      if (span > 2 ** 32) throw new RangeError(`rng.int: range ${span} too large`);
      // rejection sampling for an unbiased result
      const limit = Math.floor(4294967296 / span) * span;
      let x = uint32();
      while (x >= limit) x = uint32();
      return lo + (x % span);
    },
    bool(p = 0.5): boolean {
      return next() < p;
    },
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError("rng.pick: empty array");
      return items[rng.int(0, items.length - 1)];
    },
    shuffle<T>(items: readonly T[]): T[] {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
    fork(label: string | number): Rng {
      return createRng(`${seedKey}/${label}`);
    },
  };
  return rng;
}
