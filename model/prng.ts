/**
 * Seeded pseudo-random numbers (no Math.random anywhere in `model/`).
 * A splitmix32-style mixer seeds independent mulberry32 streams; every stream is a pure
 * function of its seed, so the same seed gives the same numbers on every machine.
 */

/** Mixes a 32-bit value into a well-spread 32-bit hash (splitmix32 finaliser). */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Derives a child seed from a seed and any number of integer keys (e.g. row index, step). */
export function deriveSeed(seed: number, ...keys: number[]): number {
  let h = mix32(seed >>> 0);
  for (const k of keys) h = mix32((h ^ mix32(k >>> 0)) >>> 0);
  return h;
}

/** A deterministic stream of uniform numbers in [0, 1) and standard normals. */
export class Rng {
  #state: number;
  #spare: number | null = null;

  /** Creates a stream from a 32-bit integer seed. */
  constructor(seed: number) {
    this.#state = mix32(seed >>> 0);
  }

  /** Next uniform float in [0, 1) with 32 bits of randomness (mulberry32). */
  uniform(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Next standard normal deviate (Box–Muller, caching the second value). */
  normal(): number {
    if (this.#spare !== null) {
      const s = this.#spare;
      this.#spare = null;
      return s;
    }
    let u = this.uniform();
    while (u <= 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}
