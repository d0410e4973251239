/**
 * A decoder-only transformer (GPT): learned token and position embeddings, pre-norm blocks of
 * causal multi-head self-attention and a GELU MLP (tanh approximation), a final LayerNorm, and an
 * output projection tied to the token embedding. Reads top to bottom: parameters, init, blocks,
 * forward passes (full, prefill, cached step). The KV cache is kv_cache.ts; products are gemm.ts.
 */
import { tf } from "./tf.ts";
import { type GPTConfig, type GPTConfigInput, parseGPTConfig } from "./config.ts";
import { deriveSeed, Rng } from "./prng.ts";
import { embed, layerNorm, linear } from "./ops.ts";
import { gelu } from "./gelu.ts";
import { gemm } from "./gemm.ts";
import { assertFitsBinding } from "./backend.ts";
import { KVCache } from "./kv_cache.ts";

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

  /** On webgpu, fails clearly before any intermediate of a [B,T] pass would exceed the storage
   * buffer binding limit (such tensors otherwise read back as zeros without an error). */
  #checkBindings(b: number, t: number): void {
    if (tf.getBackend() !== "webgpu") return;
    const { nHead, dModel, mlpRatio, vocabSize } = this.config;
    assertFitsBinding([b * nHead, t, t], "attention scores");
    assertFitsBinding([b * t, mlpRatio * dModel], "MLP activations");
    assertFitsBinding([b * t, Math.max(vocabSize, 3 * dModel)], "logits / qkv");
  }

  /** Token + position embeddings of ids [B,T] → x [B·T, d]. */
  #embed(ids: tf.Tensor2D, positions?: tf.Tensor2D): tf.Tensor2D {
    const [b, t] = ids.shape;
    const d = this.config.dModel;
    if (!positions && t > this.config.ctxLen) {
      throw new Error(`sequence length ${t} exceeds the model's ctxLen ${this.config.ctxLen}`);
    }
    const tok = embed(tf.reshape(ids, [b * t]) as tf.Tensor1D, this.#p("wte") as tf.Tensor2D);
    if (positions) {
      // One-hot matmul rather than gather (tfjs-wasm's gather is slow for these shapes).
      const pos = embed(
        tf.reshape(positions, [b * t]) as tf.Tensor1D,
        this.#p("wpe") as tf.Tensor2D,
      );
      return tf.add(tok, pos) as tf.Tensor2D;
    }
    // Broadcast add of the [T,d] position rows (tile is slow on wasm).
    const pos = tf.slice(this.#p("wpe"), [0, 0], [t, d]);
    return tf.reshape(tf.add(tf.reshape(tok, [b, t, d]), pos), [b * t, d]) as tf.Tensor2D;
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

  /** softmax(q·kᵀ/√hd + bias)·v for q [B·H,Tq,hd], k and v [B·H,Tk,hd] → [B·Tq, d]. */
  #attend(
    q: tf.Tensor3D,
    k: tf.Tensor3D,
    v: tf.Tensor3D,
    b: number,
    bias: tf.Tensor[],
  ): tf.Tensor2D {
    const { nHead, dModel } = this.config, hd = dModel / nHead;
    const tq = q.shape[1], tk = k.shape[1];
    let s: tf.Tensor = tf.mul(gemm(q, k, { transposeB: true }), 1 / Math.sqrt(hd));
    if (bias.length > 0) {
      s = tf.reshape(s, [b, nHead, tq, tk]);
      for (const m of bias) s = tf.add(s, m);
      s = tf.reshape(s, [b * nHead, tq, tk]);
    }
    const y = gemm(tf.softmax(s) as tf.Tensor3D, v); // [B·H, Tq, hd]
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
    return gemm(h, this.#p("wte") as tf.Tensor2D, { transposeB: true });
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
    this.#checkBindings(ids.shape[0], ids.shape[1]);
    return tf.tidy(() => {
      const [b, t] = ids.shape;
      let x = this.#embed(ids, opts.positions);
      const bias: tf.Tensor[] = [this.#causalBias(t)];
      if (opts.keyMask) bias.push(keyBiasOf(opts.keyMask));
      for (let i = 0; i < this.config.nLayer; i++) {
        const [q, k, v] = this.#qkv(i, x);
        const y = this.#attend(
          this.#heads(q, b, t),
          this.#heads(k, b, t),
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
   * Runs a (left-padded) prompt batch ids [B,P] with per-row positions and key mask [B,P], and
   * fills a new KV cache of `capacity` columns. Returns the last column's logits [B,V].
   * Not differentiable (sampling only).
   */
  async prefill(
    ids: tf.Tensor2D,
    positions: tf.Tensor2D,
    keyMask: tf.Tensor2D,
    capacity: number,
  ): Promise<{ logits: tf.Tensor2D; cache: KVCache }> {
    const [b, t] = ids.shape;
    const { nLayer, nHead, dModel } = this.config;
    this.#checkBindings(b, t);
    const ks: tf.Tensor[] = [], vs: tf.Tensor[] = [];
    const logits = tf.tidy(() => {
      let x = this.#embed(ids, positions);
      const bias: tf.Tensor[] = [this.#causalBias(t), keyBiasOf(keyMask)];
      for (let i = 0; i < nLayer; i++) {
        const [q, k, v] = this.#qkv(i, x);
        const kh = this.#heads(k, b, t), vh = this.#heads(v, b, t);
        ks.push(tf.keep(kh));
        vs.push(tf.keep(vh));
        const y = this.#attend(this.#heads(q, b, t), kh, vh, b, bias);
        x = tf.add(x, this.#outProj(i, y));
        x = tf.add(x, this.#mlp(i, x));
      }
      const last = tf.slice(tf.reshape(x, [b, t, -1]), [0, t - 1, 0], [b, 1, -1]);
      return this.#head(tf.reshape(last, [b, -1]) as tf.Tensor2D);
    });
    const cache = new KVCache(nLayer, b, nHead, dModel / nHead, capacity);
    try {
      const mask = (await keyMask.data()) as Float32Array;
      for (let r = 0; r < b; r++) {
        cache.keyMask.set(mask.subarray(r * t, (r + 1) * t), r * capacity);
      }
      for (let i = 0; i < nLayer; i++) {
        cache.write(
          i,
          0,
          t,
          (await ks[i].data()) as Float32Array,
          (await vs[i].data()) as Float32Array,
        );
      }
      cache.length = t;
    } finally {
      tf.dispose([...ks, ...vs]);
    }
    return { logits, cache };
  }

  /**
   * One cached decoding step as tfjs ops (every backend; on wasm, sampling runs the faster
   * host_decode.ts instead): ids [B] at positions [B] → logits [B,V]; appends the step's keys and
   * values to the cache (every row's new key is visible to later steps).
   */
  async step(ids: tf.Tensor1D, positions: tf.Tensor1D, cache: KVCache): Promise<tf.Tensor2D> {
    const b = ids.shape[0];
    const { nLayer, nHead, dModel } = this.config, hd = dModel / nHead;
    const cap = cache.capacity, rows = b * nHead;
    const ks: tf.Tensor[] = [], vs: tf.Tensor[] = [];
    const logits = tf.tidy(() => {
      let x = this.#embed(tf.reshape(ids, [b, 1]), tf.reshape(positions, [b, 1]));
      const bias = cache.bias();
      for (let i = 0; i < nLayer; i++) {
        const [q, k, v] = this.#qkv(i, x);
        const qh = tf.reshape(q, [rows, hd]), kh = tf.reshape(k, [rows, hd]);
        const vh = tf.reshape(v, [rows, hd]);
        ks.push(tf.keep(kh));
        vs.push(tf.keep(vh));
        const { k: kc, v: vc } = cache.tensors(i);
        // Scores against the cached keys [B·H, cap] and the current key [B·H, 1].
        const sc = tf.reshape(gemm(kc, tf.reshape(qh, [rows, hd, 1]) as tf.Tensor3D), [rows, cap]);
        const sn = tf.sum(tf.mul(qh, kh), -1, true);
        let s = tf.mul(tf.concat([sc, sn], 1), 1 / Math.sqrt(hd));
        s = tf.reshape(tf.add(tf.reshape(s, [b, nHead, cap + 1]), bias), [rows, cap + 1]);
        const att = tf.softmax(s);
        const ac = tf.reshape(tf.slice(att, [0, 0], [rows, cap]), [rows, cap, 1]);
        const an = tf.slice(att, [0, cap], [rows, 1]);
        const y = tf.add(
          tf.reshape(gemm(vc, ac as tf.Tensor3D, { transposeA: true }), [rows, hd]),
          tf.mul(vh, an),
        );
        x = tf.add(x, this.#outProj(i, tf.reshape(y, [b, dModel]) as tf.Tensor2D));
        x = tf.add(x, this.#mlp(i, x));
      }
      return this.#head(x);
    });
    try {
      const col = cache.length;
      for (let i = 0; i < nLayer; i++) {
        cache.write(
          i,
          col,
          1,
          (await ks[i].data()) as Float32Array,
          (await vs[i].data()) as Float32Array,
        );
      }
      for (let r = 0; r < b; r++) cache.keyMask[r * cap + col] = 1;
      cache.length = col + 1;
    } finally {
      tf.dispose([...ks, ...vs]);
    }
    return logits;
  }
}

/** Additive key bias [B,1,1,T] from a 0/1 key mask [B,T]. */
function keyBiasOf(keyMask: tf.Tensor2D): tf.Tensor4D {
  const [b, t] = keyMask.shape;
  return tf.reshape(tf.mul(tf.sub(1, tf.cast(keyMask, "float32")), -1e9), [b, 1, 1, t]);
}
