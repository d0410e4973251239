/**
 * A decoder-only transformer (GPT): learned token and position embeddings, pre-norm blocks of
 * causal multi-head self-attention and a GELU MLP, a final LayerNorm, and an output projection
 * tied to the token embedding. Reads top to bottom: parameters, init, blocks, forward passes.
 */
import { tf } from "./tf.ts";
import { type GPTConfig, type GPTConfigInput, parseGPTConfig } from "./config.ts";
import { deriveSeed, Rng } from "./prng.ts";
import { bmm, embed, gelu, layerNorm, linear, matmul } from "./ops.ts";

/** Shape and init rule of one parameter. */
interface ParamSpec {
  name: string;
  shape: number[];
  init: "normal" | "residual" | "zeros" | "ones";
}

/** Parameter names and shapes of a config, in a fixed order (the checkpoint order). */
export function paramSpecs(c: GPTConfig): ParamSpec[] {
  const d = c.dModel, h = c.mlpRatio * c.dModel;
  const specs: ParamSpec[] = [
    { name: "wte", shape: [c.vocabSize, d], init: "normal" },
    { name: "wpe", shape: [c.ctxLen, d], init: "normal" },
  ];
  for (let i = 0; i < c.nLayer; i++) {
    const p = `h${i}.`;
    specs.push(
      { name: p + "ln1.g", shape: [d], init: "ones" },
      { name: p + "ln1.b", shape: [d], init: "zeros" },
      { name: p + "attn.wqkv", shape: [d, 3 * d], init: "normal" },
      { name: p + "attn.bqkv", shape: [3 * d], init: "zeros" },
      { name: p + "attn.wo", shape: [d, d], init: "residual" },
      { name: p + "attn.bo", shape: [d], init: "zeros" },
      { name: p + "ln2.g", shape: [d], init: "ones" },
      { name: p + "ln2.b", shape: [d], init: "zeros" },
      { name: p + "mlp.wfc", shape: [d, h], init: "normal" },
      { name: p + "mlp.bfc", shape: [h], init: "zeros" },
      { name: p + "mlp.wproj", shape: [h, d], init: "residual" },
      { name: p + "mlp.bproj", shape: [d], init: "zeros" },
    );
  }
  specs.push(
    { name: "lnf.g", shape: [d], init: "ones" },
    { name: "lnf.b", shape: [d], init: "zeros" },
  );
  return specs;
}

/** Deterministic initial values: N(0, 0.02), residual projections scaled by 1/√(2·nLayer). */
export function initialWeights(c: GPTConfig): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  paramSpecs(c).forEach((s, i) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (s.init === "ones") data.fill(1);
    else if (s.init !== "zeros") {
      const std = s.init === "residual" ? 0.02 / Math.sqrt(2 * c.nLayer) : 0.02;
      const rng = new Rng(deriveSeed(c.seed, i));
      for (let j = 0; j < n; j++) data[j] = rng.normal() * std;
    }
    out.set(s.name, data);
  });
  return out;
}

/** Per-layer attention cache: keys stored transposed [B·H, hd, t], values [B·H, t, hd]. */
export interface KVCache {
  kT: tf.Tensor3D[];
  v: tf.Tensor3D[];
  /** Additive key bias [B,1,1,t]: 0 for real keys, −1e9 for padding. */
  keyBias: tf.Tensor4D;
  /** Number of cached positions t. */
  length: number;
}

let modelCounter = 0;

/** Options of {@link GPT} construction. */
export interface GPTOptions {
  /** Initial weights by parameter name (default: seeded init from config.seed). */
  weights?: Map<string, Float32Array>;
  /** Whether the variables are trainable (false for a frozen reference model). */
  trainable?: boolean;
  /** Prefix of the variable names (unique per process; default `gpt<N>`). */
  name?: string;
}

/** The transformer language model. Holds tf.Variables named `<name>/<param>`. */
export class GPT {
  readonly config: GPTConfig;
  readonly name: string;
  readonly trainable: boolean;
  /** Variables by parameter name, in {@link paramSpecs} order. */
  readonly params: Map<string, tf.Variable>;
  #causal = new Map<number, tf.Tensor2D>();

  /** Builds a model from a config (validated) and optional weights. */
  constructor(config: GPTConfigInput, opts: GPTOptions = {}) {
    this.config = parseGPTConfig(config);
    this.name = opts.name ?? `gpt${modelCounter++}`;
    this.trainable = opts.trainable ?? true;
    const weights = opts.weights ?? initialWeights(this.config);
    this.params = new Map();
    for (const s of paramSpecs(this.config)) {
      const w = weights.get(s.name);
      const n = s.shape.reduce((a, b) => a * b, 1);
      if (!w) throw new Error(`GPT ${this.name}: missing weight "${s.name}"`);
      if (w.length !== n) {
        throw new Error(
          `GPT ${this.name}: weight "${s.name}" has ${w.length} values, expected ${n} ` +
            `for shape [${s.shape}]`,
        );
      }
      const t = tf.tensor(w, s.shape, "float32");
      this.params.set(s.name, tf.variable(t, this.trainable, `${this.name}/${s.name}`));
      t.dispose();
    }
  }

  /** The variables in checkpoint order (for tf.variableGrads' varList). */
  variables(): tf.Variable[] {
    return [...this.params.values()];
  }

  /** Number of scalar parameters. */
  numParams(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  /** Reads all weights back to host memory (async: works on webgpu). */
  async getWeights(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [k, v] of this.params) out.set(k, (await v.data()) as Float32Array);
    return out;
  }

  /** Overwrites weights in place (shapes must match). */
  setWeights(weights: Map<string, Float32Array>): void {
    for (const [k, v] of this.params) {
      const w = weights.get(k);
      if (!w) throw new Error(`setWeights: missing "${k}"`);
      if (w.length !== v.size) throw new Error(`setWeights: "${k}" has ${w.length} values`);
      tf.tidy(() => v.assign(tf.tensor(w, v.shape, "float32")));
    }
  }

  /** A copy with new variables (e.g. a frozen reference: `clone({ trainable: false })`). */
  async clone(opts: { trainable?: boolean; name?: string } = {}): Promise<GPT> {
    return new GPT(this.config, {
      weights: await this.getWeights(),
      trainable: opts.trainable ?? this.trainable,
      name: opts.name,
    });
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const m of this.#causal.values()) m.dispose();
    this.#causal.clear();
  }

  #p(name: string): tf.Tensor {
    return this.params.get(name)!;
  }

  /** Cached additive causal mask [T,T] (0 on and below the diagonal, −1e9 above). */
  #causalBias(t: number): tf.Tensor2D {
    let m = this.#causal.get(t);
    if (!m) {
      const data = new Float32Array(t * t);
      for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) data[i * t + j] = -1e9;
      m = tf.keep(tf.tensor2d(data, [t, t]));
      this.#causal.set(t, m);
    }
    return m;
  }

  /** Token + position embeddings of ids [B,T] → x [B·T, d]. */
  #embed(ids: tf.Tensor2D, positions?: tf.Tensor2D): tf.Tensor2D {
    const [b, t] = ids.shape;
    const d = this.config.dModel;
    if (!positions && t > this.config.ctxLen) {
      throw new Error(`sequence length ${t} exceeds the model's ctxLen ${this.config.ctxLen}`);
    }
    const tok = embed(tf.reshape(ids, [b * t]) as tf.Tensor1D, this.#p("wte") as tf.Tensor2D);
    const pos = positions
      ? tf.gather(this.#p("wpe"), tf.reshape(positions, [b * t]))
      : tf.tile(tf.slice(this.#p("wpe"), [0, 0], [t, d]), [b, 1]);
    return tf.add(tok, pos) as tf.Tensor2D;
  }

  /** Splits rows [B·T, d] into heads [B·H, T, hd]. */
  #heads(x: tf.Tensor2D, b: number, t: number): tf.Tensor3D {
    const { nHead } = this.config, hd = this.config.dModel / nHead;
    return tf.reshape(tf.transpose(tf.reshape(x, [b, t, nHead, hd]), [0, 2, 1, 3]), [
      b * nHead,
      t,
      hd,
    ]);
  }

  /** Splits keys [B·T, d] into transposed heads [B·H, hd, T]. */
  #headsT(x: tf.Tensor2D, b: number, t: number): tf.Tensor3D {
    const { nHead } = this.config, hd = this.config.dModel / nHead;
    return tf.reshape(tf.transpose(tf.reshape(x, [b, t, nHead, hd]), [0, 2, 3, 1]), [
      b * nHead,
      hd,
      t,
    ]);
  }

  /** softmax(q·kᵀ/√hd + bias)·v for q [B·H,Tq,hd], kT [B·H,hd,Tk], v [B·H,Tk,hd] → [B·Tq, d]. */
  #attend(
    q: tf.Tensor3D,
    kT: tf.Tensor3D,
    v: tf.Tensor3D,
    b: number,
    bias: tf.Tensor[],
  ): tf.Tensor2D {
    const { nHead, dModel } = this.config, hd = dModel / nHead;
    const tq = q.shape[1], tk = kT.shape[2];
    let s: tf.Tensor = tf.mul(bmm(q, kT), 1 / Math.sqrt(hd));
    if (bias.length > 0) {
      s = tf.reshape(s, [b, nHead, tq, tk]);
      for (const m of bias) s = tf.add(s, m);
      s = tf.reshape(s, [b * nHead, tq, tk]);
    }
    const y = bmm(tf.softmax(s) as tf.Tensor3D, v); // [B·H, Tq, hd]
    return tf.reshape(tf.transpose(tf.reshape(y, [b, nHead, tq, hd]), [0, 2, 1, 3]), [
      b * tq,
      dModel,
    ]);
  }

  /** The MLP half of block i on x [N,d] (pre-norm, residual added by the caller). */
  #mlp(i: number, x: tf.Tensor2D): tf.Tensor2D {
    const p = `h${i}.`;
    const h = layerNorm(
      x,
      this.#p(p + "ln2.g") as tf.Tensor1D,
      this.#p(p + "ln2.b") as tf.Tensor1D,
    );
    const u = gelu(
      linear(h, this.#p(p + "mlp.wfc") as tf.Tensor2D, this.#p(p + "mlp.bfc") as tf.Tensor1D),
    );
    return linear(
      u,
      this.#p(p + "mlp.wproj") as tf.Tensor2D,
      this.#p(p + "mlp.bproj") as tf.Tensor1D,
    );
  }

  /** q, k, v projections of block i for x [N,d] (after ln1). */
  #qkv(i: number, x: tf.Tensor2D): tf.Tensor2D[] {
    const p = `h${i}.`;
    const h = layerNorm(
      x,
      this.#p(p + "ln1.g") as tf.Tensor1D,
      this.#p(p + "ln1.b") as tf.Tensor1D,
    );
    const qkv = linear(
      h,
      this.#p(p + "attn.wqkv") as tf.Tensor2D,
      this.#p(p + "attn.bqkv") as tf.Tensor1D,
    );
    return tf.split(qkv, 3, 1) as tf.Tensor2D[];
  }

  #outProj(i: number, y: tf.Tensor2D): tf.Tensor2D {
    const p = `h${i}.`;
    return linear(y, this.#p(p + "attn.wo") as tf.Tensor2D, this.#p(p + "attn.bo") as tf.Tensor1D);
  }

  /** Final LayerNorm and the tied output projection: x [N,d] → logits [N,V]. */
  #head(x: tf.Tensor2D): tf.Tensor2D {
    const h = layerNorm(x, this.#p("lnf.g") as tf.Tensor1D, this.#p("lnf.b") as tf.Tensor1D);
    return matmul(h, tf.transpose(this.#p("wte")) as tf.Tensor2D);
  }

  /**
   * Full forward pass: ids [B,T] (int32) → logits [B,T,V]. Differentiable.
   * Optional `positions` [B,T] (int32) and `keyMask` [B,T] (1 = real token, 0 = padding) support
   * left-padded batches; by default positions are 0..T−1 and every key is visible.
   */
  forward(
    ids: tf.Tensor2D,
    opts: { positions?: tf.Tensor2D; keyMask?: tf.Tensor2D } = {},
  ): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, t] = ids.shape;
      let x = this.#embed(ids, opts.positions);
      const bias: tf.Tensor[] = [this.#causalBias(t)];
      if (opts.keyMask) bias.push(keyBiasOf(opts.keyMask));
      for (let i = 0; i < this.config.nLayer; i++) {
        const [q, k, v] = this.#qkv(i, x);
        const y = this.#attend(
          this.#heads(q, b, t),
          this.#headsT(k, b, t),
          this.#heads(v, b, t),
          b,
          bias,
        );
        x = tf.add(x, this.#outProj(i, y));
        x = tf.add(x, this.#mlp(i, x));
      }
      return tf.reshape(this.#head(x), [b, t, this.config.vocabSize]) as tf.Tensor3D;
    });
  }

  /**
   * Runs a (left-padded) prompt batch and builds the KV cache: returns the logits of the last
   * column [B,V] and the cache. Not differentiable (sampling only).
   */
  prefill(
    ids: tf.Tensor2D,
    positions: tf.Tensor2D,
    keyMask: tf.Tensor2D,
  ): { logits: tf.Tensor2D; cache: KVCache } {
    const kT: tf.Tensor3D[] = [], vs: tf.Tensor3D[] = [];
    const [b, t] = ids.shape;
    const logits = tf.tidy(() => {
      let x = this.#embed(ids, positions);
      const kb = keyBiasOf(keyMask);
      const bias: tf.Tensor[] = [this.#causalBias(t), kb];
      for (let i = 0; i < this.config.nLayer; i++) {
        const [q, k, v] = this.#qkv(i, x);
        const kh = this.#headsT(k, b, t), vh = this.#heads(v, b, t);
        kT.push(tf.keep(kh));
        vs.push(tf.keep(vh));
        const y = this.#attend(this.#heads(q, b, t), kh, vh, b, bias);
        x = tf.add(x, this.#outProj(i, y));
        x = tf.add(x, this.#mlp(i, x));
      }
      const last = tf.reshape(tf.slice(tf.reshape(x, [b, t, -1]), [0, t - 1, 0], [b, 1, -1]), [
        b,
        -1,
      ]);
      return this.#head(last as tf.Tensor2D);
    });
    const keyBias = tf.tidy(() => keyBiasOf(keyMask));
    return { logits, cache: { kT, v: vs, keyBias, length: t } };
  }

  /**
   * One cached decoding step: ids [B] at positions [B] → logits [B,V] and the extended cache.
   * The old cache is disposed.
   */
  step(
    ids: tf.Tensor1D,
    positions: tf.Tensor1D,
    cache: KVCache,
  ): { logits: tf.Tensor2D; cache: KVCache } {
    const b = ids.shape[0];
    const kT: tf.Tensor3D[] = [], vs: tf.Tensor3D[] = [];
    const keyBias = tf.tidy(() =>
      tf.concat([cache.keyBias, tf.zeros([b, 1, 1, 1])], 3) as tf.Tensor4D
    );
    const logits = tf.tidy(() => {
      let x = this.#embed(tf.reshape(ids, [b, 1]), tf.reshape(positions, [b, 1]));
      for (let i = 0; i < this.config.nLayer; i++) {
        const [q, k, v] = this.#qkv(i, x);
        const kh = tf.concat([cache.kT[i], this.#headsT(k, b, 1)], 2) as tf.Tensor3D;
        const vh = tf.concat([cache.v[i], this.#heads(v, b, 1)], 1) as tf.Tensor3D;
        kT.push(tf.keep(kh));
        vs.push(tf.keep(vh));
        const y = this.#attend(this.#heads(q, b, 1), kh, vh, b, [keyBias]);
        x = tf.add(x, this.#outProj(i, y));
        x = tf.add(x, this.#mlp(i, x));
      }
      return this.#head(x);
    });
    disposeCache(cache);
    return { logits, cache: { kT, v: vs, keyBias, length: cache.length + 1 } };
  }
}

/** Additive key bias [B,1,1,T] from a 0/1 key mask [B,T]. */
function keyBiasOf(keyMask: tf.Tensor2D): tf.Tensor4D {
  const [b, t] = keyMask.shape;
  return tf.reshape(tf.mul(tf.sub(1, tf.cast(keyMask, "float32")), -1e9), [b, 1, 1, t]);
}

/** Frees a KV cache's tensors. */
export function disposeCache(cache: KVCache): void {
  tf.dispose([...cache.kT, ...cache.v, cache.keyBias]);
}
