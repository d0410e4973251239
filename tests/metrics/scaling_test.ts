import assert from "node:assert/strict";
import { majorityVoteCorrect, scalingCurve, type ScalingRecord } from "../../metrics/mod.ts";

const v = (answer: string | null, correct: boolean) => ({ answer, correct });
const s = (a1: string | null, a2: string | null, gold = "7") => ({
  attempt1: { answer: a1, correct: a1 === gold },
  attempt2: { answer: a2, correct: a2 === gold },
});

Deno.test("majority vote: most votes win, nulls abstain, ties go to the earliest first vote", () => {
  assert.equal(majorityVoteCorrect([v("1", false), v("7", true), v("7", true)]), true);
  assert.equal(majorityVoteCorrect([v(null, false), v(null, false), v("7", true)]), true);
  assert.equal(majorityVoteCorrect([v("1", false), v("7", true)]), false);
  assert.equal(majorityVoteCorrect([v("7", true), v("1", false)]), true);
  assert.equal(
    majorityVoteCorrect([v("1", false), v("7", true), v("7", true), v("1", false)]),
    false,
  );
  assert.equal(majorityVoteCorrect([v(null, false)]), false);
  assert.equal(majorityVoteCorrect([]), false);
});

Deno.test("scaling curve on a hand-worked problem set", () => {
  // Problem A: first attempts mostly wrong, second attempts right.
  // Problem B: everything right.
  const recs: ScalingRecord[] = [
    { problemId: "A", samples: [s("1", "7"), s("7", "7"), s("2", "7"), s("1", "1")] },
    { problemId: "B", samples: [s("7", "7"), s("7", "7"), s("7", "7"), s("7", "7")] },
  ];
  const c = scalingCurve(recs);
  assert.deepEqual(c.map((p) => p.k), [1, 2]);
  // K=1, parallel over pairs [1,7] → tie → "1" wrong; [2,1] → tie → "2" wrong: A 0, B 1 → 0.5.
  // K=1, sequential over single second attempts 7,7,7,1 → A 3/4, B 1 → 0.875.
  assert.equal(c[0].parallel, 0.5);
  assert.equal(c[0].sequential, 0.875);
  assert.equal(c[0].parallelGroups, 2);
  assert.equal(c[0].sequentialGroups, 4);
  // K=2, parallel over [1,7,2,1] → "1" wrong → 0.5; sequential [7,7] and [7,1] → A (1 + 1)/2.
  assert.equal(c[1].parallel, 0.5);
  assert.equal(c[1].sequential, 1);
});

Deno.test("scaling curve rejects a K that needs more samples than a problem has", () => {
  const recs: ScalingRecord[] = [{ problemId: "A", samples: [s("7", "7"), s("7", "7")] }];
  assert.throws(() => scalingCurve(recs, { ks: [2] }), /2K = 4 samples/);
  assert.throws(() => scalingCurve([{ problemId: "A", samples: [s("7", "7")] }]), /at least 2/);
  assert.throws(() => scalingCurve([{ problemId: "", samples: [] }]), /scaling records/);
});

Deno.test("scaling intervals are paired over problems and optional", () => {
  // Every problem: attempt 2 repeats attempt 1, so sequential and parallel differ only through
  // how many samples vote; with one sample per vote (K=1 sequential) vs two (K=1 parallel) and all
  // answers identical per problem, both strategies agree on every problem.
  const recs: ScalingRecord[] = Array.from({ length: 30 }, (_, i) => {
    const a = i % 3 === 0 ? "7" : "1";
    return { problemId: `p${i}`, samples: [s(a, a), s(a, a)] };
  });
  const [p] = scalingCurve(recs, { bootstrap: { resamples: 300, seed: 4 } });
  assert.ok(p.ci);
  assert.equal(p.parallel, 10 / 30);
  assert.ok(p.ci.parallel.lo < p.parallel && p.parallel < p.ci.parallel.hi);
  assert.deepEqual([p.ci.difference.lo, p.ci.difference.hi], [0, 0]);
  assert.equal(scalingCurve(recs, { bootstrap: false })[0].ci, undefined);
  assert.deepEqual(
    scalingCurve(recs, { bootstrap: { resamples: 300, seed: 4 } }),
    scalingCurve(recs, { bootstrap: { resamples: 300, seed: 4 } }),
  );
});
