/**
 * The key/value cache of batched decoding, and attention of one new query per row over it on the
 * host (the wasm backend's decoding steps, host_decode.ts), with the kernels of gemm_wat.ts and
 * attention_wat.ts.
 */
import { tf } from "./tf.ts";
import { GEMM_SUPPORTED, type GemmModule, instantiateGemm } from "./gemm.ts";
import { gemmScratchBytes } from "./gemm_wat.ts";

/**
 * Per-layer key/value cache for batched decoding with a fixed capacity (at least prompt width +
 * new tokens), kept in a WebAssembly memory of its own: keys and values as [B·H, cap, hd], so a
 * step appends one contiguous run of hd floats per row and head, and attention reads the filled
 * keys and values of a row as one contiguous block (scores q·K by attention_wat.ts, then p·V as
 * a product). Nothing is concatenated; device backends upload tensors of the same layout through
 * {@link tensors} after each write.
 */
export class KVCache {
  readonly batch: number;
  readonly nHead: number;
  readonly headDim: number;
  readonly capacity: number;
  /** Filled columns. */
  length = 0;
  /** 1 where a column holds a real (non-padding) key, per row: [B, cap]. */
  readonly keyMask: Float32Array;

  readonly #memory: WebAssembly.Memory;
  readonly #kernels: GemmModule | null;
  /** Byte offsets in #memory: keys and values per layer, then q, scores, y and GEMM scratch. */
  readonly #k: number[];
  readonly #v: number[];
  readonly #q: number;
  readonly #s: number;
  readonly #y: number;
  readonly #scratch: number;
  #tensors: { k: tf.Tensor3D; v: tf.Tensor3D }[] | null = null;
  #bias: tf.Tensor3D | null = null;

  /** An empty cache for `nLayer` layers. */
  constructor(nLayer: number, batch: number, nHead: number, headDim: number, capacity: number) {
    this.batch = batch;
    this.nHead = nHead;
    this.headDim = headDim;
    this.capacity = capacity;
    this.keyMask = new Float32Array(batch * capacity);
    const rows = batch * nHead, layerBytes = rows * headDim * capacity * 4;
    let at = 0;
    const take = (bytes: number) => {
      const off = at;
      at += Math.ceil(bytes / 16) * 16;
      return off;
    };
    this.#k = Array.from({ length: nLayer }, () => take(layerBytes));
    this.#v = Array.from({ length: nLayer }, () => take(layerBytes));
    this.#q = take(rows * headDim * 4);
    this.#s = take(rows * capacity * 4);
    this.#y = take(rows * headDim * 4);
    this.#scratch = take(gemmScratchBytes(Math.max(headDim, capacity)));
    this.#memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(at / 65536)) });
    this.#kernels = GEMM_SUPPORTED ? instantiateGemm(this.#memory) : null;
  }

  #view(off: number, n: number): Float32Array {
    return new Float32Array(this.#memory.buffer, off, n);
  }

  /** Writes `cols` columns starting at `start` for one layer from k, v heads [B·H, cols, hd]. */
  write(layer: number, start: number, cols: number, k: Float32Array, v: Float32Array): void {
    const { capacity: cap, headDim: hd } = this;
    if (start + cols > cap) {
      throw new Error(`KVCache: ${start + cols} columns exceed capacity ${cap}`);
    }
    const rows = this.batch * this.nHead;
    const K = this.#view(this.#k[layer], rows * cap * hd);
    const V = this.#view(this.#v[layer], rows * cap * hd);
    for (let r = 0; r < rows; r++) {
      const src = r * cols * hd, dst = (r * cap + start) * hd;
      K.set(k.subarray(src, src + cols * hd), dst);
      V.set(v.subarray(src, src + cols * hd), dst);
    }
    this.#release();
  }

  /** Writes column `col` of one layer from fused q|k|v rows [B, 3d] (a decoding step). */
  writeStep(layer: number, col: number, qkv: Float32Array): void {
    const { capacity: cap, headDim: hd, nHead } = this;
    if (col >= cap) throw new Error(`KVCache: column ${col} exceeds capacity ${cap}`);
    const d = nHead * hd, rows = this.batch * nHead;
    const K = this.#view(this.#k[layer], rows * cap * hd);
    const V = this.#view(this.#v[layer], rows * cap * hd);
    for (let b = 0; b < this.batch; b++) {
      const k0 = b * 3 * d + d, v0 = k0 + d;
      for (let h = 0; h < nHead; h++) {
        const dst = ((b * nHead + h) * cap + col) * hd;
        K.set(qkv.subarray(k0 + h * hd, k0 + (h + 1) * hd), dst);
        V.set(qkv.subarray(v0 + h * hd, v0 + (h + 1) * hd), dst);
      }
    }
    this.#release();
  }

  /**
   * Attention of one new query per row over columns 0..col (inclusive) of layer `layer`, the
   * queries taken from fused q|k|v rows [B, 3d], the outputs written to `y` [B, d] (heads side by
   * side, as the output projection reads them). Padding columns (keyMask 0) get no weight. Scores
   * (attention_wat.ts) and outputs (a batched product) run in wasm; between them the softmax takes
   * its exponentials and sum in float64 and stores the probabilities as float32 (weights below
   * 1e-30 of the largest as 0).
   */
  attendStep(layer: number, qkv: Float32Array, col: number, y: Float32Array): void {
    if (!this.#kernels) throw new Error("KVCache attention needs WebAssembly relaxed SIMD");
    const { capacity: cap, headDim: hd, nHead } = this;
    const d = nHead * hd, rows = this.batch * nHead, n = col + 1, scale = 1 / Math.sqrt(hd);
    const q = this.#view(this.#q, rows * hd);
    for (let b = 0; b < this.batch; b++) q.set(qkv.subarray(b * 3 * d, b * 3 * d + d), b * d);
    // Scores s_r = q_r · K_r over the filled columns.
    this.#kernels.attnScores(
      this.#q,
      this.#k[layer],
      this.#s,
      n,
      hd,
      rows,
      hd * 4,
      cap * hd * 4,
      cap * 4,
    );
    const s = this.#view(this.#s, rows * cap), mask = this.keyMask;
    for (let r = 0; r < rows; r++) {
      const o = r * cap, mo = ((r / nHead) | 0) * cap;
      let mx = -Infinity;
      for (let j = 0; j < n; j++) {
        if (mask[mo + j] !== 0 && s[o + j] * scale > mx) mx = s[o + j] * scale;
      }
      let sum = 0;
      for (let j = 0; j < n; j++) {
        // Weights below e^−69 ≈ 1e-30 (of the largest) are taken as 0: they are far below float32
        // resolution of the output, and as float32 they could be subnormal, which the product
        // below would multiply ~100× slower.
        const x = s[o + j] * scale - mx;
        const e = mask[mo + j] === 0 || x < -69 ? 0 : Math.exp(x);
        s[o + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j < n; j++) s[o + j] *= inv;
    }
    // Outputs y_r = p_r · V_r: [1,n] × [n,hd] per row.
    this.#kernels.gemmBatched(
      this.#s,
      cap * 4,
      4,
      this.#v[layer],
      hd * 4,
      4,
      this.#y,
      1,
      hd,
      n,
      0,
      this.#scratch,
      rows,
      cap * 4,
      cap * hd * 4,
      hd * 4,
    );
    y.set(this.#view(this.#y, rows * hd));
  }

  /** Device tensors of one layer (uploaded after the last write): keys and values
   * [B·H, cap, hd]. */
  tensors(layer: number): { k: tf.Tensor3D; v: tf.Tensor3D } {
    if (!this.#tensors) {
      const rows = this.batch * this.nHead, cap = this.capacity, hd = this.headDim;
      const n = rows * hd * cap;
      this.#tensors = this.#k.map((k, i) => ({
        k: tf.tensor3d(this.#view(k, n).slice(), [rows, cap, hd]),
        v: tf.tensor3d(this.#view(this.#v[i], n).slice(), [rows, cap, hd]),
      }));
    }
    return this.#tensors[layer];
  }

  /** Additive key bias [B, 1, cap+1]: filled real columns 0, others −1e9, last (current) 0. */
  bias(): tf.Tensor3D {
    if (!this.#bias) {
      const cap = this.capacity, data = new Float32Array(this.batch * (cap + 1)).fill(-1e9);
      for (let r = 0; r < this.batch; r++) {
        for (let j = 0; j < this.length; j++) {
          if (this.keyMask[r * cap + j] > 0) data[r * (cap + 1) + j] = 0;
        }
        data[r * (cap + 1) + cap] = 0;
      }
      this.#bias = tf.tensor3d(data, [this.batch, 1, cap + 1]);
    }
    return this.#bias;
  }

  #release(): void {
    if (this.#tensors) tf.dispose(this.#tensors.flatMap((t) => [t.k, t.v]));
    this.#tensors = null;
    this.#bias?.dispose();
    this.#bias = null;
  }

  /** Frees the device copies. */
  dispose(): void {
    this.#release();
  }
}
