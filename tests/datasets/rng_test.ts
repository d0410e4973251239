import assert from "node:assert/strict";
import { createRng } from "../../datasets/mod.ts";

Deno.test("createRng gives the same sequence for the same seed and different ones otherwise", () => {
  const seq = (seed: number | string) => {
    const r = createRng(seed);
    return Array.from({ length: 20 }, () => r.uint32());
  };
  assert.deepEqual(seq(42), seq(42));
  assert.deepEqual(seq(42), seq("42"));
  assert.notDeepEqual(seq(42), seq(43));
});

Deno.test("rng.int stays in range and covers it roughly uniformly", () => {
  const r = createRng("uniform");
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 6000; i++) {
    const v = r.int(-2, 3);
    assert.ok(v >= -2 && v <= 3 && Number.isInteger(v));
    counts[v + 2]++;
  }
  for (const c of counts) assert.ok(c > 850 && c < 1150, `count ${c} far from 1000`);
  assert.throws(() => r.int(3, 2), RangeError);
});

Deno.test("rng.next is in [0,1), shuffle permutes, pick chooses members", () => {
  const r = createRng(7);
  for (let i = 0; i < 1000; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
  }
  const items = Array.from({ length: 30 }, (_, i) => i);
  const shuffled = r.shuffle(items);
  assert.deepEqual([...shuffled].sort((a, b) => a - b), items);
  assert.notDeepEqual(shuffled, items);
  assert.ok(items.includes(r.pick(items)));
  assert.throws(() => r.pick([]), RangeError);
});

Deno.test("fork gives independent streams that do not depend on the parent's consumption", () => {
  const a = createRng(1), b = createRng(1);
  b.next();
  b.next();
  assert.equal(a.fork("x").uint32(), b.fork("x").uint32());
  assert.notEqual(a.fork("x").uint32(), a.fork("y").uint32());
});
