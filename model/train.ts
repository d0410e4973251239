/**
 * Gradient computation and optimizer steps for supervised and policy-gradient batches, in one
 * process or split across Workers (see parallel.ts). Losses are token sums over a global
 * normalizer, so shard gradients add up exactly to the full-batch gradient.
 */
import { tf } from "./tf.ts";
import type { GPT } from "./gpt.ts";
import type { AdamW } from "./optim.ts";
import { type Batch, maskCount, validateBatch } from "./batch.ts";
import { crossEntropyLoss, policyGradientLoss } from "./objectives.ts";
import { checkWebGpuErrors } from "./backend.ts";

/** Additive statistics of a (shard's) gradient computation. */
export interface GradStats {
  /** The loss of this shard under the global normalizer (shards sum to the batch loss). */
  loss: number;
  /** Σ mask (tokens trained on). */
  tokens: number;
  /** Σ mask·KL and Σ mask per segment id (pg batches with a reference). */
  klSum: number[];
  klCount: number[];
}

/** Statistics of one training step. */
export interface StepStats {
  step: number;
  lr: number;
  loss: number;
  gradNorm: number;
  tokens: number;
  /** Masked mean KL over all tokens (pg with a reference). */
  meanKl?: number;
  /** Masked mean KL per segment id (pg with segmentIds). */
  klBySegment?: number[];
}

/**
 * Gradients (by parameter name, caller disposes) and statistics of a batch's loss.
 * `normalizer` defaults to the batch's own Σ mask.
 */
export async function computeGradients(
  model: GPT,
  batch: Batch,
  opts: { ref?: GPT; normalizer?: number } = {},
): Promise<{ grads: Map<string, tf.Tensor>; stats: GradStats }> {
  validateBatch(batch);
  const tokensN = maskCount(batch);
  const normalizer = opts.normalizer ?? Math.max(1, tokensN);
  const shape: [number, number] = [batch.batch, batch.seqLen];
  const ids = tf.tensor2d(batch.tokens, shape, "int32");
  const mask = tf.tensor2d(batch.mask, shape, "float32");
  const extra: tf.Tensor[] = [];
  let kl: tf.Tensor2D | undefined;
  const varList = model.variables();
  const { value, grads } = tf.variableGrads(() => {
    if (batch.kind === "supervised") return crossEntropyLoss(model, ids, mask, normalizer);
    const adv = tf.tensor2d(batch.advantages, shape, "float32");
    const coef = batch.klCoef ? tf.tensor2d(batch.klCoef, shape, "float32") : undefined;
    const out = policyGradientLoss({
      policy: model,
      ref: opts.ref,
      tokens: ids,
      mask,
      advantages: adv,
      klCoef: coef,
      klEstimator: batch.klEstimator,
      normalizer,
    });
    kl = out.kl;
    extra.push(out.logprobs);
    return out.loss;
  }, varList);
  const stats: GradStats = { loss: 0, tokens: tokensN, klSum: [], klCount: [] };
  stats.loss = (await value.data())[0];
  checkWebGpuErrors("gradient computation");
  if (kl && opts.ref && batch.kind === "pg") {
    const k = (await kl.data()) as Float32Array;
    const seg = batch.segmentIds;
    for (let i = 0; i < k.length; i++) {
      if (batch.mask[i] === 0) continue;
      const s = seg ? seg[i] : 0;
      while (stats.klSum.length <= s) {
        stats.klSum.push(0);
        stats.klCount.push(0);
      }
      stats.klSum[s] += k[i] * batch.mask[i];
      stats.klCount[s] += batch.mask[i];
    }
  }
  tf.dispose([ids, mask, value, ...extra]);
  if (kl) tf.dispose(kl);
  const named = new Map<string, tf.Tensor>();
  for (const [pname, v] of model.params) {
    const g = grads[v.name];
    if (g) named.set(pname, g);
  }
  return { grads: named, stats };
}

/** Adds shard statistics together. */
export function mergeStats(parts: GradStats[]): GradStats {
  const out: GradStats = { loss: 0, tokens: 0, klSum: [], klCount: [] };
  for (const p of parts) {
    out.loss += p.loss;
    out.tokens += p.tokens;
    p.klSum.forEach((v, i) => {
      out.klSum[i] = (out.klSum[i] ?? 0) + v;
      out.klCount[i] = (out.klCount[i] ?? 0) + p.klCount[i];
    });
  }
  for (let i = 0; i < out.klSum.length; i++) {
    out.klSum[i] ??= 0;
    out.klCount[i] ??= 0;
  }
  return out;
}

/** Turns gradient statistics and the optimizer's update into step statistics. */
export async function finishStats(
  stats: GradStats,
  upd: { step: number; lr: number; gradNorm: tf.Scalar },
): Promise<StepStats> {
  const gradNorm = (await upd.gradNorm.data())[0];
  upd.gradNorm.dispose();
  const out: StepStats = {
    step: upd.step,
    lr: upd.lr,
    loss: stats.loss,
    gradNorm,
    tokens: stats.tokens,
  };
  if (stats.klCount.length > 0) {
    const s = stats.klSum.reduce((a, b) => a + b, 0), c = stats.klCount.reduce((a, b) => a + b, 0);
    out.meanKl = c > 0 ? s / c : 0;
    out.klBySegment = stats.klSum.map((v, i) => (stats.klCount[i] > 0 ? v / stats.klCount[i] : 0));
  }
  return out;
}

/** Something that computes full-batch gradients elsewhere (e.g. a Worker pool). */
export interface GradientComputer {
  computeGradients(
    model: GPT,
    batch: Batch,
  ): Promise<{ grads: Map<string, Float32Array>; stats: GradStats }>;
}

/**
 * One optimizer step on a batch: gradients in this process (or through `parallel`, e.g. a
 * {@link GradientComputer} backed by Workers), then AdamW. Pass `ref` for KL terms in pg batches.
 */
export async function trainStep(
  model: GPT,
  optimizer: AdamW,
  batch: Batch,
  opts: { ref?: GPT; parallel?: GradientComputer } = {},
): Promise<StepStats> {
  if (opts.parallel) {
    if (opts.ref) {
      throw new Error(
        "trainStep: with `parallel`, give the reference model to WorkerPool.create({ ref }) " +
          "(or pool.setRef) instead of trainStep's `ref`",
      );
    }
    const { grads, stats } = await opts.parallel.computeGradients(model, batch);
    const tensors = new Map<string, tf.Tensor>();
    for (const [k, g] of grads) tensors.set(k, tf.tensor(g, model.params.get(k)!.shape, "float32"));
    const upd = optimizer.apply(model.params, tensors);
    tf.dispose([...tensors.values()]);
    return finishStats(stats, upd);
  }
  const { grads, stats } = await computeGradients(model, batch, { ref: opts.ref });
  const upd = optimizer.apply(model.params, grads);
  tf.dispose([...grads.values()]);
  return finishStats(stats, upd);
}
