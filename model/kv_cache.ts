/**
 * The key/value cache of batched decoding, and attention of one new query per row over it on the
 * host (wasm and cpu backends), with the products run by the GEMM module of gemm_wat.ts.
 */
import { tf } from "./tf.ts";
import { GEMM_SUPPORTED, type GemmBatchedFn, instantiateGemm } from "./gemm.ts";
import { gemmScratchBytes } from "./gemm_wat.ts";

/**
 * Per-layer key/value cache for batched decoding with a fixed capacity (at least prompt width +
 * new tokens, rounded up to a multiple of 8), kept in a WebAssembly memory of its own: keys
 * transposed as [B·H, hd, cap] and values as [B·H, cap, hd], the layouts in which both attention
 * products read them in place (scores q·K over the filled columns, then p·V). Each step writes
 * one column and nothing is concatenated; device backends upload tensors of the same layouts
 * through {@link tensors} after each write.
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
  /** Host copies of the token and position embeddings, taken at prefill for host-side decoding
   * steps (weights do not change while a batch is decoded). */
  embeddings: { wte: Float32Array; wpe: Float32Array } | null = null;

  readonly #memory: WebAssembly.Memory;
  readonly #gemm: GemmBatchedFn | null;
  /** Byte offsets in #memory: keys and values per layer, then q, scores, y and GEMM scratch. */
  readonly #kT: number[];
  readonly #v: number[];
  readonly #q: number;
  readonly #s: number;
  readonly #y: number;
  readonly #scratch: number;
  #tensors: { kT: tf.Tensor3D; v: tf.Tensor3D }[] | null = null;
  #bias: tf.Tensor3D | null = null;

  /** An empty cache for `nLayer` layers. */
  constructor(nLayer: number, batch: number, nHead: number, headDim: number, capacity: number) {
    this.batch = batch;
    this.nHead = nHead;
    this.headDim = headDim;
    // Whole 8-column panels: the score product then never packs a partial panel.
    this.capacity = capacity = Math.ceil(capacity / 8) * 8;
    this.keyMask = new Float32Array(batch * capacity);
    const rows = batch * nHead, layerBytes = rows * headDim * capacity * 4;
    let at = 0;
    const take = (bytes: number) => {
      const off = at;
      at += Math.ceil(bytes / 16) * 16;
      return off;
    };
    this.#kT = Array.from({ length: nLayer }, () => take(layerBytes));
    this.#v = Array.from({ length: nLayer }, () => take(layerBytes));
    this.#q = take(rows * headDim * 4);
    this.#s = take(rows * capacity * 4);
    this.#y = take(rows * headDim * 4);
    this.#scratch = take(gemmScratchBytes(Math.max(headDim, capacity)));
    this.#memory = new WebAssembly.Memory({ initial: Math.ceil(at / 65536) });
    this.#gemm = GEMM_SUPPORTED ? instantiateGemm(this.#memory) : null;
  }

  /** Whether {@link attendHost} is available (it needs the GEMM module). */
  get hostAttention(): boolean {
    return this.#gemm !== null;
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
    const KT = this.#view(this.#kT[layer], rows * hd * cap);
    const V = this.#view(this.#v[layer], rows * cap * hd);
    for (let r = 0; r < rows; r++) {
      V.set(v.subarray(r * cols * hd, (r + 1) * cols * hd), (r * cap + start) * hd);
      for (let j = 0; j < cols; j++) {
        const src = (r * cols + j) * hd;
        for (let c = 0; c < hd; c++) KT[(r * hd + c) * cap + start + j] = k[src + c];
      }
    }
    this.#release();
  }

  /**
   * Attention of one new query per row over columns 0..col (inclusive) of layer `layer`: q is
   * [B·H, hd] (= [B, d] row-major), returns y in the same layout. Padding columns (keyMask 0) get
   * no weight. Scores and outputs are two batched products in wasm; between them the softmax takes
   * its exponentials and sum in float64 and stores the probabilities as float32.
   */
  attendHost(layer: number, q: Float32Array, col: number): Float32Array {
    if (!this.#gemm) throw new Error("KVCache.attendHost needs WebAssembly relaxed SIMD");
    const { capacity: cap, headDim: hd, nHead } = this;
    const rows = this.batch * nHead, n = col + 1, scale = 1 / Math.sqrt(hd);
    this.#view(this.#q, rows * hd).set(q);
    // Scores s_r = q_r · K_r over the filled columns, in whole panels (columns past n are
    // ignored): [1,hd] × [hd,n8] per row.
    const n8 = Math.min(cap, Math.ceil(n / 8) * 8);
    this.#gemm(
      this.#q,
      hd * 4,
      4,
      this.#kT[layer],
      cap * 4,
      4,
      this.#s,
      1,
      n8,
      hd,
      0,
      this.#scratch,
      rows,
      hd * 4,
      hd * cap * 4,
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
        const e = mask[mo + j] === 0 ? 0 : Math.exp(s[o + j] * scale - mx);
        s[o + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j < n; j++) s[o + j] *= inv;
    }
    // Outputs y_r = p_r · V_r: [1,n] × [n,hd] per row.
    this.#gemm(
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
    return this.#view(this.#y, rows * hd).slice();
  }

  /** Device tensors of one layer (uploaded after the last write): keys [B·H, hd, cap] and values
   * [B·H, cap, hd]. */
  tensors(layer: number): { kT: tf.Tensor3D; v: tf.Tensor3D } {
    if (!this.#tensors) {
      const rows = this.batch * this.nHead, cap = this.capacity, hd = this.headDim;
      const n = rows * hd * cap;
      this.#tensors = this.#kT.map((k, i) => ({
        kT: tf.tensor3d(this.#view(k, n).slice(), [rows, hd, cap]),
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
    if (this.#tensors) tf.dispose(this.#tensors.flatMap((t) => [t.kT, t.v]));
    this.#tensors = null;
    this.#bias?.dispose();
    this.#bias = null;
  }

  /** Frees the device copies. */
  dispose(): void {
    this.#release();
    this.embeddings = null;
  }
}
