/**
 * Matrix products for the model: `gemm(a, b, {transposeA, transposeB, bias})`, differentiable,
 * on every backend. On wasm it runs the relaxed-SIMD kernel of gemm_wat.ts inside tfjs-wasm's
 * own memory (no copies, no transposes: operands are read through strides); elsewhere it is
 * tfjs's matMul (plus the bias).
 */
import { tf } from "./tf.ts";
import { GEMM_WASM_BASE64 } from "./gemm_wasm.ts";
import { gemmScratchBytes } from "./gemm_wat.ts";

/** Name of the wasm kernel (inputs a, b and optionally bias; attrs transposeA, transposeB). */
export const SCORE_GEMM = "ScoreGemm";

/** Options of {@link gemm}. */
export interface GemmOptions {
  /** Use aᵀ (the last two axes swapped). */
  transposeA?: boolean;
  /** Use bᵀ (the last two axes swapped). */
  transposeB?: boolean;
  /** Added to every row of the product (rank-2 products only). */
  bias?: tf.Tensor1D;
}

/** `gemm` of gemm_wat.ts: byte offsets and strides (see there). */
export type GemmFn = (
  a: number,
  rsA: number,
  csA: number,
  b: number,
  rsB: number,
  csB: number,
  c: number,
  m: number,
  n: number,
  k: number,
  bias: number,
  scratch: number,
) => void;

/** `gemm_batched` of gemm_wat.ts: {@link GemmFn}'s arguments, then the number of products and
 * the byte steps of a, b and c between products. */
export type GemmBatchedFn = (
  ...args: [...Parameters<GemmFn>, count: number, stepA: number, stepB: number, stepC: number]
) => void;

/** The exports of the kernels module (gemm_wat.ts with gelu_wat.ts); offsets are in bytes. */
export interface GemmModule {
  /** Batched product: see {@link GemmBatchedFn}. */
  gemmBatched: GemmBatchedFn;
  /** y = GELU(x) over n floats (y may be x). */
  gelu(x: number, y: number, n: number): void;
  /** dx = dy·GELU′(x) over n floats (dx may be dy). */
  geluGrad(x: number, dy: number, dx: number, n: number): void;
  /** Per row of `count`: s[j] = q·K[j] for j < n, keys of hd floats one after another; rows of q,
   * K and s are sQ, sK and sS bytes apart (attention_wat.ts). */
  attnScores(
    q: number,
    k: number,
    s: number,
    n: number,
    hd: number,
    count: number,
    sQ: number,
    sK: number,
    sS: number,
  ): void;
}

/** The parts of tfjs-wasm's backend object that kernels written outside it use. */
interface WasmBackend {
  wasm: {
    asm: { memory: WebAssembly.Memory };
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  };
  dataIdMap: { get(id: unknown): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
}

const bytes = Uint8Array.fromBase64(GEMM_WASM_BASE64);

/** Whether this runtime validates the module (WebAssembly relaxed SIMD; Deno ≥ 1.36 has it).
 * Without it, gemm on wasm falls back to explicit transposes and tfjs's matMul, and GELU to a
 * composition of tfjs kernels. */
export const GEMM_SUPPORTED: boolean = WebAssembly.validate(bytes);

let compiled: WebAssembly.Module | null = null;

/** The module instantiated over `memory` (synchronous; compiled once). Throws when
 * {@link GEMM_SUPPORTED} is false. */
export function instantiateGemm(memory: WebAssembly.Memory): GemmModule {
  compiled ??= new WebAssembly.Module(bytes);
  const { exports } = new WebAssembly.Instance(compiled, { env: { memory } });
  return {
    gemmBatched: exports.gemm_batched as GemmBatchedFn,
    gelu: exports.gelu as GemmModule["gelu"],
    geluGrad: exports.gelu_grad as GemmModule["geluGrad"],
    attnScores: exports.attn_scores as GemmModule["attnScores"],
  };
}

/** tfjs-wasm's heap, as kernels and decoding steps written outside tfjs use it. */
export interface WasmHeap {
  /** The backend's memory (its buffer is replaced when the heap grows: take views afresh after
   * any tfjs allocation). */
  readonly memory: WebAssembly.Memory;
  /** The kernels module instantiated over that memory. */
  readonly kernels: GemmModule;
  /** Allocates bytes on the heap (free them with {@link free}). */
  malloc(bytes: number): number;
  /** Frees what {@link malloc} returned. */
  free(ptr: number): void;
  /** Byte offset of a tensor's data; throws when the tensor was disposed. */
  offsetOf(t: { dataId: unknown }): number;
  /** A tensor's output buffer of the given shape (inside a kernel function). */
  makeOutput(shape: number[]): tf.TensorInfo;
}

const heaps = new WeakMap<object, WasmHeap>();

/** The heap of a wasm backend object (default: the current backend, which must be wasm).
 * Needs {@link GEMM_SUPPORTED}. */
export function wasmHeap(backend?: unknown): WasmHeap {
  if (backend === undefined) {
    if (tf.getBackend() !== "wasm") {
      throw new Error(`wasmHeap: the current tfjs backend is ${tf.getBackend()}, not wasm`);
    }
    backend = tf.backend();
  }
  const be = backend as WasmBackend;
  let heap = heaps.get(be);
  if (!heap) {
    heap = {
      memory: be.wasm.asm.memory,
      kernels: instantiateGemm(be.wasm.asm.memory),
      malloc: (n) => be.wasm._malloc(n),
      free: (p) => be.wasm._free(p),
      offsetOf: (t) => {
        const d = be.dataIdMap.get(t.dataId);
        if (!d) throw new Error("wasmHeap: the tensor was disposed");
        return d.memoryOffset;
      },
      makeOutput: (shape) => be.makeOutput(shape, "float32"),
    };
    heaps.set(be, heap);
  }
  return heap;
}

/** Rows, inner size and columns of op(a)·op(b) for the last two axes. */
function dims(a: number[], b: number[], ta: boolean, tb: boolean): [number, number, number] {
  const r = a.length;
  const m = ta ? a[r - 1] : a[r - 2], k = ta ? a[r - 2] : a[r - 1];
  const kb = tb ? b[r - 1] : b[r - 2], n = tb ? b[r - 2] : b[r - 1];
  if (k !== kb) throw new Error(`gemm: inner sizes differ (${a} × ${b}, ta=${ta}, tb=${tb})`);
  return [m, k, n];
}

function gemmKernel(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const heap = wasmHeap(args.backend);
  const { a, b, bias } = args.inputs as {
    a: tf.TensorInfo;
    b: tf.TensorInfo;
    bias?: tf.TensorInfo;
  };
  const { transposeA: ta, transposeB: tb } = args.attrs as unknown as {
    transposeA: boolean;
    transposeB: boolean;
  };
  const [m, k, n] = dims(a.shape, b.shape, ta, tb);
  const batch = a.shape.length === 3 ? a.shape[0] : 1;
  const out = heap.makeOutput(a.shape.length === 3 ? [batch, m, n] : [m, n]);
  if (m === 0 || n === 0) return out;
  const scratch = heap.malloc(gemmScratchBytes(k));
  try {
    const ao = heap.offsetOf(a), bo = heap.offsetOf(b), co = heap.offsetOf(out);
    const biasO = bias ? heap.offsetOf(bias) : 0;
    // Byte strides of element (i, k) of op(a) and (k, j) of op(b).
    const [rsA, csA] = ta ? [4, m * 4] : [k * 4, 4];
    const [rsB, csB] = tb ? [4, k * 4] : [n * 4, 4];
    heap.kernels.gemmBatched(
      ao,
      rsA,
      csA,
      bo,
      rsB,
      csB,
      co,
      m,
      n,
      k,
      biasO,
      scratch,
      batch,
      m * k * 4,
      k * n * 4,
      m * n * 4,
    );
  } finally {
    heap.free(scratch);
  }
  return out;
}

if (GEMM_SUPPORTED) {
  tf.registerKernel({
    kernelName: SCORE_GEMM,
    backendName: "wasm",
    kernelFunc: gemmKernel as never,
  });
  tf.registerGradient({
    kernelName: SCORE_GEMM,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as tf.Tensor2D[];
      const { transposeA: ta, transposeB: tb } = attrs as unknown as {
        transposeA: boolean;
        transposeB: boolean;
      };
      const g = dy as tf.Tensor2D;
      // C = op(A)·op(B): dA = dC·op(B)ᵀ laid out as A is, dB = op(A)ᵀ·dC laid out as B is.
      const grads: Record<string, () => tf.Tensor> = {
        a: () =>
          ta ? gemm(b, g, { transposeA: tb, transposeB: true }) : gemm(g, b, { transposeB: !tb }),
        b: () =>
          tb ? gemm(g, a, { transposeA: true, transposeB: ta }) : gemm(a, g, { transposeA: !ta }),
      };
      // (Only read when a bias was an input; the engine asks for the inputs' gradients.)
      if (a.rank === 2) grads.bias = () => columnSums(g);
      return grads;
    },
  });
}

/** Swaps the last two axes. */
function swapLast(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  return tf.transpose(x, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
}

/**
 * op(a)·op(b) (+ bias) for a, b of rank 2, or rank 3 with equal batch sizes; op swaps the last
 * two axes when asked. Differentiable. On wasm this is one kernel that reads the operands in
 * place (every backward product included); elsewhere tfjs's matMul.
 */
export function gemm<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T, opts: GemmOptions = {}): T {
  const ta = opts.transposeA ?? false, tb = opts.transposeB ?? false;
  if (a.rank !== b.rank || (a.rank === 3 && a.shape[0] !== b.shape[0])) {
    throw new Error(`gemm: operands ${a.shape} and ${b.shape} are not a (batched) product`);
  }
  if (opts.bias && a.rank !== 2) throw new Error("gemm: a bias needs rank-2 operands");
  if (tf.getBackend() === "wasm") {
    if (GEMM_SUPPORTED) {
      const inputs: tf.NamedTensorMap = opts.bias ? { a, b, bias: opts.bias } : { a, b };
      return tf.engine().runKernel(
        SCORE_GEMM,
        inputs,
        { transposeA: ta, transposeB: tb } as never,
      ) as T;
    }
    // tfjs-wasm runs transposed operands in a scalar loop: transpose explicitly first.
    const y = tf.matMul(ta ? swapLast(a) : a, tb ? swapLast(b) : b);
    return (opts.bias ? tf.add(y, opts.bias) : y) as T;
  }
  const y = tf.matMul(a, b, ta, tb);
  return (opts.bias ? tf.add(y, opts.bias) : y) as T;
}

/** Column sums of x [N,C] → [C], as ones[1,N]·x (a product: fast on wasm, where a Sum over axis
 * 0 is ~10× slower). */
export function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(gemm(tf.ones([1, x.shape[0]]) as tf.Tensor2D, x), [x.shape[1]]);
}
