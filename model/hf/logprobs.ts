/**
 * Log-probabilities of chosen tokens under a model's logits, in float32 and differentiable on
 * every backend: log_softmax over the vocabulary, then the target's column of each row. The
 * column is read with tf.gather and its gradient written as a one-hot product (gather's own
 * gradient has no wasm kernel).
 */
import { tf } from "../tf.ts";
import { oneHotF } from "../ops.ts";

/** x[n, cols[n]] for x [N, V] and int32 cols [N] → [N], with the one-hot gradient. */
const pickColumns = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((x: tf.Tensor2D, cols: tf.Tensor1D, save: any) => {
    const [n, v] = x.shape;
    save([cols]);
    const flat = tf.add(tf.range(0, n * v, v, "int32"), cols); // n·v + cols[n]
    return {
      value: tf.gather(tf.reshape(x, [n * v]), flat),
      gradFunc: (dy: tf.Tensor1D, [c]: tf.Tensor1D[]) => [
        tf.mul(oneHotF(c, v), tf.reshape(dy, [n, 1])),
        tf.zeros(c.shape), // the ids get no gradient (float32, as the tape requires)
      ],
    };
  }) as never,
) as unknown as (x: tf.Tensor2D, cols: tf.Tensor1D) => tf.Tensor1D;

/** Checks that `rows` is a [B][T] array like `ids`, of integers below `vocab` when given. */
export function checkTokenGrid(
  what: string,
  rows: number[][],
  ids: number[][],
  vocab?: number,
): void {
  if (rows.length !== ids.length || rows.some((r, i) => r.length !== ids[i].length)) {
    throw new Error(
      `tokenLogProbs: ${what} must have the shape of ids [${ids.length}][${ids[0]?.length}]`,
    );
  }
  const flat = rows.flat();
  const bad = vocab === undefined
    ? flat.find((m) => !Number.isFinite(m))
    : flat.find((t) => !Number.isInteger(t) || t < 0 || t >= vocab);
  if (bad !== undefined) {
    const range = vocab === undefined ? "finite numbers" : `integers in [0, ${vocab})`;
    throw new Error(`tokenLogProbs: ${what} holds ${bad}; expected ${range}`);
  }
}

/**
 * log p(targets[b][t]) under logits [B, T, V] (float32), times mask[b][t] (1 counts, 0 drops):
 * [B, T]. Differentiable with respect to the logits.
 */
export function maskedTokenLogProbs(
  logits: tf.Tensor3D,
  targets: number[][],
  mask: number[][],
): tf.Tensor2D {
  const [b, t, v] = logits.shape;
  return tf.tidy(() => {
    const logp = tf.logSoftmax(tf.reshape(logits, [b * t, v]) as tf.Tensor2D);
    const picked = pickColumns(logp as tf.Tensor2D, tf.tensor1d(targets.flat(), "int32"));
    return tf.reshape(tf.mul(picked, tf.tensor1d(mask.flat(), "float32")), [b, t]);
  });
}
