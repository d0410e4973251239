/**
 * AdamW with moments keyed by variable name (not by position), global-norm gradient clipping,
 * and a warmup + cosine/constant learning-rate schedule. The state is plain host data on save.
 */
import { z } from "zod";
import { tf } from "./tf.ts";

/** Optimizer hyperparameters (zod schema). */
export const AdamWConfig = z.object({
  lr: z.number().positive().default(1e-3),
  beta1: z.number().min(0).max(1).default(0.9),
  beta2: z.number().min(0).max(1).default(0.999),
  eps: z.number().positive().default(1e-8),
  weightDecay: z.number().min(0).default(0),
  /** Clip the global gradient norm to this value (0 = no clipping). */
  clipNorm: z.number().min(0).default(1),
  warmupSteps: z.number().int().min(0).default(0),
  /** "cosine" decays to minLrRatio·lr at totalSteps; "constant" holds lr after warmup. */
  schedule: z.enum(["constant", "cosine"]).default("constant"),
  totalSteps: z.number().int().min(1).default(1),
  minLrRatio: z.number().min(0).max(1).default(0.1),
});
/** Optimizer hyperparameters (parsed). */
export type AdamWConfig = z.infer<typeof AdamWConfig>;

/** The learning rate at (0-based) step under a schedule. */
export function learningRate(c: AdamWConfig, step: number): number {
  if (c.warmupSteps > 0 && step < c.warmupSteps) return c.lr * (step + 1) / c.warmupSteps;
  if (c.schedule === "constant") return c.lr;
  const span = Math.max(1, c.totalSteps - c.warmupSteps);
  const p = Math.min(1, (step - c.warmupSteps) / span);
  return c.lr * (c.minLrRatio + (1 - c.minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * p)));
}

/** Whether a parameter gets weight decay: matrices do, gains/biases/norms do not. */
export function decays(name: string, shape: readonly number[]): boolean {
  return shape.length >= 2 && !name.startsWith("ln");
}

/** Statistics of one optimizer update. */
export interface UpdateStats {
  step: number;
  lr: number;
  /** Global gradient norm before clipping (a scalar tensor the caller may read lazily). */
  gradNorm: tf.Scalar;
}

/** AdamW over named variables; `apply` takes gradients by parameter name. */
export class AdamW {
  readonly config: AdamWConfig;
  /** Number of updates applied so far. */
  step = 0;
  readonly #m = new Map<string, tf.Variable>();
  readonly #v = new Map<string, tf.Variable>();

  /** Creates the optimizer (config validated, defaults applied). */
  constructor(config: z.input<typeof AdamWConfig> = {}) {
    const r = AdamWConfig.safeParse(config);
    if (!r.success) throw new Error(`AdamW config is invalid:\n${z.prettifyError(r.error)}`);
    this.config = r.data;
  }

  #slot(map: Map<string, tf.Variable>, name: string, like: tf.Tensor): tf.Variable {
    let s = map.get(name);
    if (!s) {
      s = tf.variable(tf.zerosLike(like), false);
      map.set(name, s);
    }
    return s;
  }

  /**
   * One update: params[name] ← params[name] − lr·(m̂/(√v̂+ε) + wd·p), after clipping the global
   * norm of `grads`. Gradients are not disposed (the caller owns them).
   */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>): UpdateStats {
    const c = this.config;
    const lr = learningRate(c, this.step);
    this.step++;
    const t = this.step;
    const bc1 = 1 - Math.pow(c.beta1, t), bc2 = 1 - Math.pow(c.beta2, t);
    for (const name of grads.keys()) {
      if (!params.has(name)) throw new Error(`AdamW: gradient for unknown parameter "${name}"`);
    }
    const gradNorm = tf.tidy(() => {
      const sq = [...grads.values()].map((g) => tf.sum(tf.mul(g, g)));
      return tf.sqrt(sq.length ? tf.addN(sq) : tf.scalar(0)) as tf.Scalar;
    });
    tf.tidy(() => {
      const scale = c.clipNorm > 0
        ? tf.minimum(1, tf.div(c.clipNorm, tf.add(gradNorm, 1e-6)))
        : tf.scalar(1);
      for (const [name, g0] of grads) {
        const p = params.get(name)!;
        const g = tf.mul(g0, scale);
        const m = this.#slot(this.#m, name, p), v = this.#slot(this.#v, name, p);
        m.assign(tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1)));
        v.assign(tf.add(tf.mul(v, c.beta2), tf.mul(tf.mul(g, g), 1 - c.beta2)));
        let upd = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), c.eps));
        if (c.weightDecay > 0 && decays(name, p.shape)) {
          upd = tf.add(upd, tf.mul(p, c.weightDecay));
        }
        p.assign(tf.sub(p, tf.mul(upd, lr)));
      }
    });
    return { step: t, lr, gradNorm };
  }

  /** Host copy of the state: moments by name and the step count. */
  async getState(): Promise<
    { step: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> }
  > {
    const m = new Map<string, Float32Array>(), v = new Map<string, Float32Array>();
    for (const [k, t] of this.#m) m.set(k, (await t.data()) as Float32Array);
    for (const [k, t] of this.#v) v.set(k, (await t.data()) as Float32Array);
    return { step: this.step, m, v };
  }

  /** Restores state saved by {@link getState}; shapes come from the model's parameters. */
  setState(
    state: { step: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> },
    params: Map<string, tf.Variable>,
  ): void {
    this.dispose();
    this.step = state.step;
    for (const [which, src] of [[this.#m, state.m], [this.#v, state.v]] as const) {
      for (const [k, data] of src) {
        const p = params.get(k);
        if (!p) throw new Error(`AdamW state has moments for unknown parameter "${k}"`);
        if (p.size !== data.length) {
          throw new Error(`AdamW state for "${k}" has ${data.length} values, expected ${p.size}`);
        }
        which.set(k, tf.tidy(() => tf.variable(tf.tensor(data, p.shape, "float32"), false)));
      }
    }
  }

  /** Frees the moment tensors. */
  dispose(): void {
    for (const t of [...this.#m.values(), ...this.#v.values()]) t.dispose();
    this.#m.clear();
    this.#v.clear();
  }
}
