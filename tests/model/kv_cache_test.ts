import assert from "node:assert/strict";
import { KVCache, Rng } from "../../model/mod.ts";

/** Float64 attention of query q over keys/values 0..n−1 of one row and head (masked keys get no
 * weight). */
function reference(
  q: Float64Array,
  keys: Float64Array[],
  values: Float64Array[],
  mask: number[],
): Float64Array {
  const hd = q.length, scale = 1 / Math.sqrt(hd);
  const s = keys.map((k, j) =>
    mask[j] ? k.reduce((a, x, c) => a + x * q[c], 0) * scale : -Infinity
  );
  const mx = Math.max(...s), e = s.map((x) => Math.exp(x - mx)), z = e.reduce((a, b) => a + b);
  const y = new Float64Array(hd);
  values.forEach((v, j) => v.forEach((x, c) => y[c] += (e[j] / z) * x));
  return y;
}

Deno.test("host attention equals float64 attention for every head size and key count", () => {
  const rng = new Rng(12);
  for (const hd of [1, 3, 4, 7, 8, 64]) {
    const batch = 3, nHead = 2, d = hd * nHead, cap = 11;
    const cache = new KVCache(2, batch, nHead, hd, cap);
    const cols: Float32Array[] = []; // fused q|k|v rows [B, 3d] of each column
    for (let col = 0; col < cap; col++) {
      const qkv = Float32Array.from({ length: batch * 3 * d }, () => rng.normal());
      cols.push(qkv);
      for (let b = 0; b < batch; b++) {
        cache.keyMask[b * cap + col] = col > 0 && (b + col) % 5 === 1 ? 0 : 1;
      }
      cache.writeStep(1, col, qkv);
      const y = new Float32Array(batch * d);
      cache.attendStep(1, qkv, col, y);
      for (let b = 0; b < batch; b++) {
        for (let h = 0; h < nHead; h++) {
          const pick = (c: Float32Array, part: number) =>
            Float64Array.from(c.subarray(b * 3 * d + part * d + h * hd).subarray(0, hd));
          const want = reference(
            pick(qkv, 0),
            cols.map((c) => pick(c, 1)),
            cols.map((c) => pick(c, 2)),
            cols.map((_, j) => cache.keyMask[b * cap + j]),
          );
          const got = y.subarray(b * d + h * hd, b * d + (h + 1) * hd);
          want.forEach((w, c) =>
            assert.ok(
              Math.abs(got[c] - w) <= 1e-5 * (1 + Math.abs(w)),
              `hd ${hd} col ${col} row ${b} head ${h} [${c}]: ${got[c]} vs ${w}`,
            )
          );
        }
      }
    }
    cache.dispose();
  }
});

Deno.test("a KV cache rejects columns past its capacity", () => {
  const cache = new KVCache(1, 1, 1, 4, 2);
  assert.throws(() => cache.writeStep(0, 2, new Float32Array(12)), /column 2 exceeds capacity 2/);
  assert.throws(
    () => cache.write(0, 1, 2, new Float32Array(8), new Float32Array(8)),
    /3 columns exceed capacity 2/,
  );
});
