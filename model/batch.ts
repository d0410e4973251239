/**
 * Host-side training batches: plain typed arrays, so they can be built by the stages, sharded by
 * rows and posted to Workers. Per-token arrays are [B,T] row-major, aligned with `tokens`.
 */

/** Token ids with a loss mask (1 = token counts in the loss). */
export interface TokenBatch {
  batch: number;
  seqLen: number;
  tokens: Int32Array;
  mask: Float32Array;
}

/** Supervised next-token cross-entropy on masked tokens. */
export interface SupervisedBatch extends TokenBatch {
  kind: "supervised";
}

/** Policy-gradient batch: per-token advantages and KL coefficients, optional segment ids. */
export interface PolicyGradientBatch extends TokenBatch {
  kind: "pg";
  advantages: Float32Array;
  /** Per-token KL coefficient (β per attempt); omitted = no KL term. */
  klCoef?: Float32Array;
  /** Per-token segment id ≥ 0 (e.g. 0 = attempt 1, 1 = attempt 2) for per-segment KL means. */
  segmentIds?: Int32Array;
  /** "exact" KL over the vocabulary (default) or the "sampled" estimator. */
  klEstimator?: "exact" | "sampled";
}

/** Any batch a training step accepts. */
export type Batch = SupervisedBatch | PolicyGradientBatch;

/**
 * Right-pads id sequences to a common length: returns tokens [B,T] and a 0/1 array marking real
 * tokens. Throws if a sequence is longer than `seqLen`.
 */
export function padSequences(
  seqs: readonly (readonly number[])[],
  padId: number,
  seqLen = Math.max(1, ...seqs.map((s) => s.length)),
): { tokens: Int32Array; present: Float32Array; batch: number; seqLen: number } {
  const b = seqs.length;
  const tokens = new Int32Array(b * seqLen).fill(padId);
  const present = new Float32Array(b * seqLen);
  seqs.forEach((s, r) => {
    if (s.length > seqLen) {
      throw new Error(`padSequences: row ${r} has ${s.length} tokens, more than seqLen ${seqLen}`);
    }
    for (let j = 0; j < s.length; j++) {
      tokens[r * seqLen + j] = s[j];
      present[r * seqLen + j] = 1;
    }
  });
  return { tokens, present, batch: b, seqLen };
}

/** Checks array lengths against batch × seqLen; throws naming the field. */
export function validateBatch(b: Batch): void {
  const n = b.batch * b.seqLen;
  const fields: [string, { length: number } | undefined][] = [["tokens", b.tokens], [
    "mask",
    b.mask,
  ]];
  if (b.kind === "pg") {
    fields.push(["advantages", b.advantages], ["klCoef", b.klCoef], ["segmentIds", b.segmentIds]);
  }
  for (const [name, arr] of fields) {
    if (arr && arr.length !== n) {
      throw new Error(
        `batch.${name} has ${arr.length} values, expected batch×seqLen = ${b.batch}×${b.seqLen}`,
      );
    }
  }
}

/** Rows [start, end) of a batch (for data-parallel shards). */
export function sliceRows<B extends Batch>(b: B, start: number, end: number): B {
  const t = b.seqLen;
  const cut = <A extends Int32Array | Float32Array>(a: A | undefined): A | undefined =>
    a ? (a.slice(start * t, end * t) as A) : undefined;
  const out = {
    ...b,
    batch: end - start,
    tokens: cut(b.tokens)!,
    mask: cut(b.mask)!,
  } as B;
  if (out.kind === "pg" && b.kind === "pg") {
    out.advantages = cut(b.advantages)!;
    out.klCoef = cut(b.klCoef);
    out.segmentIds = cut(b.segmentIds);
  }
  return out;
}

/** Σ mask (the default loss denominator). */
export function maskCount(b: TokenBatch): number {
  let s = 0;
  for (let i = 0; i < b.mask.length; i++) s += b.mask[i];
  return s;
}
