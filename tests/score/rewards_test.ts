import assert from "node:assert/strict";
import {
  attemptKlCoefs,
  attemptRewards,
  groupAdvantages,
  type ObjectiveSpec,
  rlooAdvantages,
  selectionReward,
} from "../../score/rewards.ts";

const stage2: ObjectiveSpec = { kind: "stage2", alpha: 10, beta1: 0.01, beta2: 0.1 };
const stage1: ObjectiveSpec = { kind: "stage1", alpha: 10, beta1: 0.01, beta2: 0.1 };

Deno.test("stage2 shaping with alpha 10 gives the paper's attempt-2 reward table", () => {
  assert.equal(attemptRewards(stage2, 0, 1).attempt2, 11); // wrong -> right
  assert.equal(attemptRewards(stage2, 1, 0).attempt2, -10); // right -> wrong
  assert.equal(attemptRewards(stage2, 1, 1).attempt2, 1); // right -> right
  assert.equal(attemptRewards(stage2, 0, 0).attempt2, 0); // wrong -> wrong
  assert.equal(attemptRewards(stage2, 1, 0).attempt1, 1);
  assert.equal(attemptRewards(stage2, 0, 1).attempt1, 0);
});

Deno.test("alpha 0 removes the shaping bonus (naive multi-turn RL)", () => {
  const naive = { ...stage2, alpha: 0 };
  assert.deepEqual(attemptRewards(naive, 0, 1), { attempt1: 0, attempt2: 1 });
  assert.deepEqual(attemptRewards(naive, 1, 0), { attempt1: 1, attempt2: 0 });
});

Deno.test("stage1 gives attempt-1 tokens no reward term and pins attempt 1 with beta2", () => {
  for (const [r1, r2] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
    const r = attemptRewards(stage1, r1, r2);
    assert.equal(r.attempt1, null);
    assert.equal(r.attempt2, r2);
  }
  assert.deepEqual(attemptKlCoefs(stage1), { attempt1: 0.1, attempt2: 0.01 });
  assert.deepEqual(attemptKlCoefs(stage2), { attempt1: 0.01, attempt2: 0.01 });
  const adv = groupAdvantages(stage1, [{ r1: 1, r2: 0 }, { r1: 0, r2: 1 }]);
  assert.deepEqual(adv.attempt1, [null, null]);
});

Deno.test("RLOO baseline subtracts the mean of the other samples", () => {
  assert.deepEqual(rlooAdvantages([1, 0, 0, 1]), [1 - 1 / 3, -2 / 3, -2 / 3, 1 - 1 / 3]);
  assert.deepEqual(rlooAdvantages([1, 1, 1]), [0, 0, 0]);
  assert.deepEqual(rlooAdvantages([11, -10]), [21, -21]);
  assert.deepEqual(rlooAdvantages([3]), [3]);
  // Advantages of a group always sum to zero for k > 1.
  const sum = rlooAdvantages([0.5, 2, -1, 7, 3]).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum) < 1e-12);
});

Deno.test("per-attempt credit: each attempt's advantage uses only that attempt's rewards", () => {
  // Two samples: (wrong, right) and (right, right). Attempt-1 rewards 0, 1; attempt-2 rewards
  // with shaping: 11 and 1.
  const adv = groupAdvantages(stage2, [{ r1: 0, r2: 1 }, { r1: 1, r2: 1 }]);
  assert.deepEqual(adv.attempt1, [-1, 1]);
  assert.deepEqual(adv.attempt2, [10, -10]);
});

Deno.test("single-turn objective rewards attempt 1 only", () => {
  const single: ObjectiveSpec = { ...stage2, kind: "single_turn" };
  const adv = groupAdvantages(single, [{ r1: 1, r2: null }, { r1: 0, r2: null }]);
  assert.deepEqual(adv.attempt1, [1, -1]);
  assert.deepEqual(adv.attempt2, [null, null]);
  assert.throws(() => attemptRewards(stage2, 1, null), /attempt-2 reward/);
});

Deno.test("checkpoints are compared by the rewarded attempts' 0/1 scores, without shaping", () => {
  // Stage II: r1 + r2 whatever α (the bonus shapes the gradient, not the selection).
  assert.equal(selectionReward(stage2, 0, 1), 1);
  assert.equal(selectionReward(stage2, 1, 1), 2);
  assert.equal(selectionReward({ ...stage2, alpha: 0 }, 1, 0), 1);
  // Stage I rewards attempt 2 only; single-turn attempt 1 only.
  assert.equal(selectionReward(stage1, 1, 0), 0);
  assert.equal(selectionReward(stage1, 0, 1), 1);
  const single: ObjectiveSpec = { kind: "single_turn", alpha: 0, beta1: 0.01, beta2: 0.1 };
  assert.equal(selectionReward(single, 1, null), 1);
  assert.throws(() => selectionReward(stage1, 1, null), /attempt-2 reward/);
});
