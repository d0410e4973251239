/**
 * Cached decoding steps on the wasm backend, run outside tfjs. As tfjs ops, a step of a small
 * batch is some 15 kernels per layer of a few microseconds of work each, and at the embedded
 * default's size their dispatch, allocation and readbacks cost more than the arithmetic; here the
 * same computation is a few calls into the kernels module (gemm_wat.ts, gelu_wat.ts,
 * attention_wat.ts) over tfjs-wasm's own memory:
 * weights are read where the model's variables lie, activations live in one arena allocated on
 * that heap for the whole batch, attention runs over the KV cache (kv_cache.ts).
 *
 * Each step computes what {@link GPT.forward} computes for the new column with the same kernels
 * (products, GELU, the inference layer norm, float32 adds), so its logits are those of the full
 * pass up to the order of attention's sums.
 */
import { tf } from "./tf.ts";
import type { GPT } from "./gpt.ts";
import type { KVCache } from "./kv_cache.ts";
import { GEMM_SUPPORTED, type WasmHeap, wasmHeap } from "./gemm.ts";
import { gemmScratchBytes } from "./gemm_wat.ts";
import { layerNormRows } from "./ops.ts";

/** Decoding steps of one batch for one model and cache, on the wasm backend. */
export class HostDecoder {
  readonly #model: GPT;
  readonly #cache: KVCache;
  readonly #heap: WasmHeap;
  /** Byte offsets of the arena's buffers on the heap. */
  readonly #arena: number;
  readonly #x: number;
  readonly #h: number;
  readonly #qkv: number;
  readonly #y: number;
  readonly #t: number;
  readonly #u: number;
  readonly #logits: number;
  readonly #scratch: number;
  #disposed = false;

  /** Whether host decoding can run: the wasm backend is current and the kernels module loads. */
  static available(): boolean {
    return GEMM_SUPPORTED && tf.getBackend() === "wasm";
  }

  /** A decoder for `model` over `cache` (filled by {@link GPT.prefill}); call {@link dispose}. */
  constructor(model: GPT, cache: KVCache) {
    if (!HostDecoder.available()) {
      throw new Error("HostDecoder needs the wasm backend and WebAssembly relaxed SIMD");
    }
    const { dModel: d, mlpRatio, vocabSize: v } = model.config;
    const b = cache.batch, hid = mlpRatio * d;
    this.#model = model;
    this.#cache = cache;
    this.#heap = wasmHeap();
    const sizes = [b * d, b * d, 3 * b * d, b * d, b * d, b * hid, b * v].map((n) =>
      Math.ceil(n / 4) * 16
    );
    const total = sizes.reduce((p, q) => p + q, 0) + gemmScratchBytes(Math.max(d, hid));
    this.#arena = this.#heap.malloc(total);
    const at: number[] = [];
    let off = this.#arena;
    for (const s of sizes) {
      at.push(off);
      off += s;
    }
    [this.#x, this.#h, this.#qkv, this.#y, this.#t, this.#u, this.#logits] = at;
    this.#scratch = off;
  }

  /** Heap offset of a parameter's data (looked up each step: a reassigned variable moves). */
  #w(name: string): number {
    const p = this.#model.params.get(name);
    if (!p || p.isDisposed) throw new Error(`HostDecoder: weight "${name}" was disposed`);
    return this.#heap.offsetOf(p);
  }

  /** c[m,n] = a[m,k]·B + bias[n] (a, c row-major; all byte offsets), B's element (k, j) at
   * b + k·rsB + j·csB. */
  #product(
    a: number,
    b: number,
    rsB: number,
    csB: number,
    bias: number,
    c: number,
    m: number,
    k: number,
    n: number,
  ): void {
    const scratch = this.#scratch;
    this.#heap.kernels.gemmBatched(a, k * 4, 4, b, rsB, csB, c, m, n, k, bias, scratch, 1, 0, 0, 0);
  }

  /** c[m,n] = a[m,k]·w[k,n] + bias[n] for the weights named w and bias. */
  #linear(a: number, w: string, bias: string, c: number, m: number, k: number, n: number): void {
    this.#product(a, this.#w(w), n * 4, 4, this.#w(bias), c, m, k, n);
  }

  /**
   * One step: token `ids[r]` at position `positions[r]` for every row → logits [B, V] (a fresh
   * array). Appends the step's keys and values to the cache.
   */
  step(ids: ArrayLike<number>, positions: ArrayLike<number>): Float32Array {
    if (this.#disposed) throw new Error("HostDecoder: used after dispose");
    const cache = this.#cache, cfg = this.#model.config;
    const { dModel: d, nLayer, vocabSize: vocab, ctxLen } = cfg;
    const b = cache.batch, hid = cfg.mlpRatio * d, col = cache.length, cap = cache.capacity;
    if (ids.length !== b || positions.length !== b) {
      throw new Error(`HostDecoder.step: expected ${b} ids and positions`);
    }
    const f = new Float32Array(this.#heap.memory.buffer); // fresh: the heap may have grown
    const view = (off: number, n: number) => f.subarray(off / 4, off / 4 + n);
    const x = view(this.#x, b * d), h = view(this.#h, b * d), t = view(this.#t, b * d);
    const qkv = view(this.#qkv, 3 * b * d), y = view(this.#y, b * d);
    for (let r = 0; r < b; r++) cache.keyMask[r * cap + col] = 1;

    // Token + position embedding rows.
    const wte = this.#w("wte") / 4, wpe = this.#w("wpe") / 4;
    for (let r = 0; r < b; r++) {
      const id = ids[r], pos = positions[r];
      if (!(id >= 0 && id < vocab && pos >= 0 && pos < ctxLen)) {
        throw new Error(`HostDecoder.step: row ${r} has id ${id} at position ${pos}`);
      }
      for (let c = 0; c < d; c++) x[r * d + c] = f[wte + id * d + c] + f[wpe + pos * d + c];
    }
    const norm = (g: string, bias: string) =>
      layerNormRows(x, view(this.#w(g), d), view(this.#w(bias), d), h, b, d);
    for (let i = 0; i < nLayer; i++) {
      const p = `h${i}.`;
      norm(p + "ln1.g", p + "ln1.b");
      this.#linear(this.#h, p + "attn.wqkv", p + "attn.bqkv", this.#qkv, b, d, 3 * d);
      cache.writeStep(i, col, qkv);
      cache.attendStep(i, qkv, col, y);
      this.#linear(this.#y, p + "attn.wo", p + "attn.bo", this.#t, b, d, d);
      for (let j = 0; j < b * d; j++) x[j] += t[j];
      norm(p + "ln2.g", p + "ln2.b");
      this.#linear(this.#h, p + "mlp.wfc", p + "mlp.bfc", this.#u, b, d, hid);
      this.#heap.kernels.gelu(this.#u, this.#u, b * hid);
      this.#linear(this.#u, p + "mlp.wproj", p + "mlp.bproj", this.#t, b, hid, d);
      for (let j = 0; j < b * d; j++) x[j] += t[j];
    }
    norm("lnf.g", "lnf.b");
    // Tied head: h·wteᵀ (wte [V, d] read through its strides).
    this.#product(this.#h, this.#w("wte"), 4, d * 4, 0, this.#logits, b, d, vocab);
    cache.length = col + 1;
    return view(this.#logits, b * vocab).slice();
  }

  /** Frees the arena (idempotent). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#heap.free(this.#arena);
  }
}
