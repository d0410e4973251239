/**
 * Per-token log-probabilities, KL to a reference model, and the training losses built on them.
 * Convention: every per-token tensor is [B,T] aligned with the token sequence; column t holds the
 * quantity for predicting token t from tokens < t, and column 0 is 0 (nothing predicts it).
 */
import { tf } from "./tf.ts";
import type { GPT } from "./gpt.ts";

/** Log-softmax of next-token logits for ids [B,T] → [B, T−1, V] (position t predicts t+1). */
export function nextTokenLogSoftmax(model: GPT, ids: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, t] = ids.shape;
    const logits = model.forward(ids);
    return tf.logSoftmax(tf.slice(logits, [0, 0, 0], [b, t - 1, -1])) as tf.Tensor3D;
  });
}

function padFront(x: tf.Tensor2D): tf.Tensor2D {
  return tf.pad(x, [[0, 0], [1, 0]]) as tf.Tensor2D;
}

/** log p(ids[:,t] | ids[:,<t]) as [B,T] (column 0 = 0) from a [B,T−1,V] log-softmax. */
export function gatherTokenLogProbs(logp: tf.Tensor3D, ids: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, t] = ids.shape;
    const v = logp.shape[2];
    const targets = tf.slice(ids, [0, 1], [b, t - 1]);
    const oh = tf.cast(tf.oneHot(targets, v), "float32");
    return padFront(tf.sum(tf.mul(logp, oh), -1) as tf.Tensor2D);
  });
}

/** Differentiable per-token log-probs [B,T] of given sequences ids [B,T] under the model. */
export function tokenLogProbs(model: GPT, ids: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => gatherTokenLogProbs(nextTokenLogSoftmax(model, ids), ids));
}

/** Exact per-token KL(π‖π_ref) [B,T] summed over the vocabulary, from two [B,T−1,V] log-softmaxes. */
export function exactKL(logp: tf.Tensor3D, logpRef: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() =>
    padFront(tf.sum(tf.mul(tf.exp(logp), tf.sub(logp, logpRef)), -1) as tf.Tensor2D)
  );
}

/**
 * Sampled KL estimator at the sequence's own tokens (for large vocabularies): the non-negative
 * "k3" form r − 1 − log r with r = π_ref/π; differentiable through π.
 */
export function sampledKL(tokLogp: tf.Tensor2D, tokLogpRef: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const d = tf.sub(tokLogpRef, tokLogp);
    return tf.sub(tf.sub(tf.exp(d), 1), d) as tf.Tensor2D;
  });
}

/** The token-sum denominator: the given number, or max(1, Σ mask) computed on the device. */
function denominator(mask: tf.Tensor2D, normalizer?: number): tf.Scalar {
  return normalizer !== undefined
    ? tf.scalar(normalizer)
    : tf.maximum(tf.sum(mask), 1) as tf.Scalar;
}

/** Masked supervised cross-entropy: −Σ mask·log p / normalizer (default Σ mask). */
export function crossEntropyLoss(
  model: GPT,
  ids: tf.Tensor2D,
  mask: tf.Tensor2D,
  normalizer?: number,
): tf.Scalar {
  return tf.tidy(() => {
    const lp = tokenLogProbs(model, ids);
    return tf.div(tf.neg(tf.sum(tf.mul(lp, mask))), denominator(mask, normalizer)) as tf.Scalar;
  });
}

/** Inputs of {@link policyGradientLoss}; all per-token tensors are [B,T] float32 unless noted. */
export interface PolicyGradientInputs {
  policy: GPT;
  /** Frozen reference model (π_ref); omit for no KL term. */
  ref?: GPT;
  /** Token ids [B,T] int32 (prompt + attempts, right-padded). */
  tokens: tf.Tensor2D;
  /** 1 on tokens the policy generated and is trained on, else 0. */
  mask: tf.Tensor2D;
  /** Per-token advantage (e.g. the attempt's RLOO advantage on that attempt's tokens). */
  advantages: tf.Tensor2D;
  /** Per-token KL coefficient (e.g. β2 on attempt 1, β1 on attempt 2 in Stage I). */
  klCoef?: tf.Tensor2D;
  /** Exact KL over the vocabulary (default) or the sampled k3 estimator. */
  klEstimator?: "exact" | "sampled";
  /** Denominator of the token sums (default Σ mask; pass the global count when sharding). */
  normalizer?: number;
}

/** The loss and per-token tensors that statistics are computed from. */
export interface PolicyGradientOutput {
  /** −Σ mask·A·log π / N + Σ mask·β·KL / N. */
  loss: tf.Scalar;
  /** Per-token KL [B,T] (no gradient needed; zeros without a reference). */
  kl: tf.Tensor2D;
  /** Per-token log π [B,T]. */
  logprobs: tf.Tensor2D;
}

/**
 * REINFORCE-style policy-gradient loss with a per-token KL penalty to a reference model.
 * Call it inside a gradient closure; `kl` and `logprobs` are returned for statistics.
 */
export function policyGradientLoss(inp: PolicyGradientInputs): PolicyGradientOutput {
  const { policy, ref, tokens, mask, advantages } = inp;
  let kl!: tf.Tensor2D, logprobs!: tf.Tensor2D;
  const loss = tf.tidy(() => {
    const logp = nextTokenLogSoftmax(policy, tokens);
    const tokLp = gatherTokenLogProbs(logp, tokens);
    let klTok: tf.Tensor2D = tf.zerosLike(tokLp);
    if (ref) {
      const logpRef = nextTokenLogSoftmax(ref, tokens);
      klTok = inp.klEstimator === "sampled"
        ? sampledKL(tokLp, gatherTokenLogProbs(logpRef, tokens))
        : exactKL(logp, logpRef);
    }
    const pg = tf.neg(tf.sum(tf.mul(tf.mul(tokLp, advantages), mask)));
    const coef = inp.klCoef ?? tf.zerosLike(mask);
    const klTerm = tf.sum(tf.mul(tf.mul(klTok, coef), mask));
    kl = tf.keep(klTok);
    logprobs = tf.keep(tokLp);
    return tf.div(tf.add(pg, klTerm), denominator(mask, inp.normalizer)) as tf.Scalar;
  });
  return { loss, kl, logprobs };
}
