/**
 * Host-level scoring (no gradients): per-token log-probs of given sequences, and per-token exact
 * KL to a reference model, for evaluation, logging and precomputing reference statistics.
 */
import { tf } from "./tf.ts";
import type { GPT } from "./gpt.ts";
import { exactKL, gatherTokenLogProbs, nextTokenLogSoftmax } from "./objectives.ts";
import { padSequences } from "./batch.ts";

/** Per-token scores of right-padded sequences; arrays are [B,T] row-major (column 0 is 0). */
export interface SequenceScores {
  batch: number;
  seqLen: number;
  /** log π(token_t | tokens_<t). */
  logprobs: Float32Array;
  /** KL(π‖π_ref) of the next-token distributions (when a reference was given). */
  kl?: Float32Array;
}

/**
 * Scores id sequences (padded on the right with `padId`) under `model`, in chunks of `chunk`
 * rows; with `ref`, also the exact per-token KL to it.
 */
export async function scoreSequences(
  model: GPT,
  seqs: readonly (readonly number[])[],
  opts: { ref?: GPT; padId?: number; chunk?: number } = {},
): Promise<SequenceScores> {
  const { tokens, batch, seqLen } = padSequences(seqs, opts.padId ?? 0);
  const logprobs = new Float32Array(batch * seqLen);
  const kl = opts.ref ? new Float32Array(batch * seqLen) : undefined;
  const chunk = opts.chunk ?? 64;
  for (let r0 = 0; r0 < batch; r0 += chunk) {
    const r1 = Math.min(batch, r0 + chunk);
    const ids = tf.tensor2d(tokens.subarray(r0 * seqLen, r1 * seqLen), [r1 - r0, seqLen], "int32");
    const [lpT, klT] = tf.tidy(() => {
      const logp = nextTokenLogSoftmax(model, ids);
      const lp = gatherTokenLogProbs(logp, ids);
      return opts.ref ? [lp, exactKL(logp, nextTokenLogSoftmax(opts.ref, ids))] : [lp];
    });
    logprobs.set((await lpT.data()) as Float32Array, r0 * seqLen);
    if (kl && klT) kl.set((await klT.data()) as Float32Array, r0 * seqLen);
    tf.dispose([ids, lpT, ...(klT ? [klT] : [])]);
  }
  return { batch, seqLen, logprobs, kl };
}
