/**
 * Products with `nn.Linear`-layout weights (x·Wᵀ, W [out, in]) and weight matrices stored as row
 * chunks, for the Hugging Face models.
 *
 * **Small-batch products on wasm.** The wasm gemm kernel reads a transposed right operand through
 * strides, which for a few rows (a decoding step) is 3–5× slower than the same product the other
 * way round: x·Wᵀ = (W·xᵀ)ᵀ, where W is the contiguous left operand. Both orientations sum every
 * element over the inner axis in the same order, so the swapped product is bitwise identical (a
 * fused bias is added at another point of the sum, so biased products keep the direct form).
 * On a 135M-class model (hidden 576, vocab 49,152) this took a decoding step from ~220 ms to
 * ~65 ms (4.5 → 15 tokens/s at batch 1; bench/model.ts measures both).
 *
 * **Row chunks.** A WebGPU adapter binds at most `maxStorageBufferBindingSize` bytes of one
 * buffer in a shader (128 MiB on some adapters); a larger tensor reads back as zeros with no
 * exception. The embedding tables of real vocabularies exceed it (Qwen3: 151,936 × 1,024 f32 is
 * 622 MB). {@link RowChunks} stores such a matrix as consecutive row blocks that each fit; the
 * embedding lookup gathers per block ({@link gatherRows}) and the output head multiplies per block
 * and concatenates the logits ({@link matmulRowsT}). Every output element is computed by the same
 * kernel from the same inputs as without chunks, so the results are identical.
 */
import { tf } from "../tf.ts";
import { gemm, GEMM_SUPPORTED } from "../gemm.ts";
import { assertFitsBinding } from "../backend.ts";

/** Row counts up to which a bias-free x·Wᵀ runs swapped on wasm (faster there, measured up to
 * 64 rows on hidden sizes 576–1536). */
export const SWAPPED_PRODUCT_MAX_ROWS = 64;

let swapMaxRows = SWAPPED_PRODUCT_MAX_ROWS;

/** Sets the row count up to which {@link matmulT} swaps (0: never; the benchmark measures the
 * direct form with it). Returns the previous value. */
export function setSwappedProductMaxRows(rows: number): number {
  const old = swapMaxRows;
  swapMaxRows = rows;
  return old;
}

/** x [N, in] · Wᵀ for W [out, in] (`nn.Linear` without bias) → [N, out]. On wasm with the
 * model's gemm kernel and N ≤ {@link SWAPPED_PRODUCT_MAX_ROWS} it runs as (W·xᵀ)ᵀ (bitwise the
 * same values, faster). Differentiable. */
export function matmulT(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  if (swapPays(x.shape[0])) return tf.transpose(gemm(w, x, { transposeB: true }));
  return gemm(x, w, { transposeB: true });
}

function swapPays(rows: number): boolean {
  return rows <= swapMaxRows && GEMM_SUPPORTED && tf.getBackend() === "wasm";
}

/**
 * A [rows, cols] matrix held as consecutive row blocks (the last may be shorter). Built by
 * {@link RowChunks.fromData}; owns its tensors.
 */
export class RowChunks {
  /** Total rows. */
  readonly rows: number;
  /** Columns (every part's). */
  readonly cols: number;
  /** The blocks, top to bottom: part i holds rows starts[i] .. starts[i] + parts[i].shape[0]. */
  readonly parts: readonly tf.Tensor2D[];
  /** First row of each part. */
  readonly starts: readonly number[];

  /** Wraps blocks of equal width (kept by the caller until disposed here). */
  constructor(parts: tf.Tensor2D[]) {
    if (parts.length === 0) throw new Error("RowChunks: no parts");
    const cols = parts[0].shape[1];
    if (parts.some((p) => p.shape[1] !== cols)) {
      throw new Error(`RowChunks: parts of different widths (${parts.map((p) => p.shape)})`);
    }
    const starts: number[] = [];
    let rows = 0;
    for (const p of parts) {
      starts.push(rows);
      rows += p.shape[0];
    }
    this.rows = rows;
    this.cols = cols;
    this.parts = parts;
    this.starts = starts;
  }

  /** Row blocks of at most `rowsPerPart` rows of a row-major [rows, cols] array. */
  static fromData(data: Float32Array, rows: number, cols: number, rowsPerPart: number): RowChunks {
    if (data.length !== rows * cols) {
      throw new Error(`RowChunks: ${data.length} values for [${rows}, ${cols}]`);
    }
    const parts: tf.Tensor2D[] = [];
    try {
      for (let r = 0; r < rows; r += rowsPerPart) {
        const n = Math.min(rowsPerPart, rows - r);
        parts.push(tf.tensor2d(data.subarray(r * cols, (r + n) * cols), [n, cols], "float32"));
      }
    } catch (e) {
      tf.dispose(parts);
      throw e;
    }
    return new RowChunks(parts);
  }

  /** The shape of the whole matrix. */
  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  /** The whole matrix as one tensor (tests; never on a device where it does not fit). */
  toTensor(): tf.Tensor2D {
    return this.parts.length === 1 ? this.parts[0].clone() : tf.concat(this.parts as tf.Tensor2D[]);
  }

  /** Frees the blocks. */
  dispose(): void {
    tf.dispose(this.parts as tf.Tensor2D[]);
  }
}

/** A weight matrix: one tensor, or row chunks where one tensor would not fit the device. */
export type HfMatrix = tf.Tensor2D | RowChunks;

/** The tensors holding a matrix. */
export function matrixTensors(m: HfMatrix): tf.Tensor2D[] {
  return m instanceof RowChunks ? [...m.parts] : [m];
}

/** Rows of a [rows, cols] float32 matrix that fit in `maxBytes` (at least 1; throws when one row
 * does not fit). */
export function rowsPerChunk(cols: number, maxBytes: number, what: string): number {
  const rowBytes = cols * 4;
  if (rowBytes > maxBytes) {
    throw new Error(
      `${what}: one row of ${cols} float32 values is ${rowBytes} bytes, above the limit of ` +
        `${maxBytes} bytes per tensor; it cannot be split into fitting row chunks`,
    );
  }
  return Math.floor(maxBytes / rowBytes);
}

/** A matrix of float32 data: one tensor when it fits `maxBytes`, else row chunks that do. */
export function matrixFromData(
  data: Float32Array,
  rows: number,
  cols: number,
  maxBytes: number,
  what: string,
): HfMatrix {
  if (rows * cols * 4 <= maxBytes) return tf.tensor2d(data, [rows, cols], "float32");
  return RowChunks.fromData(data, rows, cols, rowsPerChunk(cols, maxBytes, what));
}

/**
 * Rows of `m` at `ids` [N] (int32) → [N, cols]: tf.gather on one tensor; on row chunks, each
 * part gathers the ids that fall in it (others read row 0 and are masked out with a select, so
 * values are copied exactly) and the parts' selections are summed by selects, not additions.
 */
export function gatherRows(m: HfMatrix, ids: tf.Tensor1D): tf.Tensor2D {
  if (!(m instanceof RowChunks)) return tf.gather(m, ids);
  return tf.tidy(() => {
    let out: tf.Tensor2D | null = null;
    m.parts.forEach((part, i) => {
      const local = tf.sub(ids, tf.scalar(m.starts[i], "int32"));
      const inside = tf.logicalAnd(
        tf.greaterEqual(local, tf.scalar(0, "int32")),
        tf.less(local, tf.scalar(part.shape[0], "int32")),
      );
      const rows = tf.gather(part, tf.where(inside, local, tf.zerosLike(local)));
      const mask = tf.reshape(inside, [-1, 1]);
      out = out === null
        ? tf.where(mask, rows, tf.zerosLike(rows))
        : tf.where(mask, rows, out as tf.Tensor2D);
    });
    return out!;
  });
}

/**
 * x [N, cols] · mᵀ → [N, rows] (the output head over an embedding-layout matrix): one product,
 * or one per row chunk with the columns of logits concatenated. The result must itself fit the
 * device's binding limit (checked on webgpu, with an error naming the logits' shape).
 */
export function matmulRowsT(x: tf.Tensor2D, m: HfMatrix, what = "logits"): tf.Tensor2D {
  assertFitsBinding([x.shape[0], m.shape[0]], what);
  if (!(m instanceof RowChunks)) return matmulT(x, m);
  return tf.tidy(() => tf.concat(m.parts.map((p) => matmulT(x, p)), 1));
}
