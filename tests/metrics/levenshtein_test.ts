import assert from "node:assert/strict";
import fc from "fast-check";
import { editDistanceRatio, levenshtein } from "../../metrics/mod.ts";

/** Plain full-matrix dynamic programme, the textbook definition, as the reference. */
function referenceDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    d.push([]);
    for (let j = 0; j <= b.length; j++) {
      if (i === 0) d[i].push(j);
      else if (j === 0) d[i].push(i);
      else {
        d[i].push(Math.min(
          d[i - 1][j] + 1,
          d[i][j - 1] + 1,
          d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
        ));
      }
    }
  }
  return d[a.length][b.length];
}

Deno.test("levenshtein gives the known distances of classic pairs", () => {
  assert.equal(levenshtein("kitten", "sitting"), 3);
  assert.equal(levenshtein("", "abc"), 3);
  assert.equal(levenshtein("abc", ""), 3);
  assert.equal(levenshtein("flaw", "lawn"), 2);
  assert.equal(levenshtein("same", "same"), 0);
});

Deno.test("levenshtein agrees with the full DP reference on short and long strings", () => {
  // Small alphabets make matches common; lengths past 32 and 64 exercise the multi-word path.
  const str = fc.string({
    unit: fc.constantFrom("a", "b", "c", "7", "\n", "é"),
    maxLength: 90,
    size: "max",
  });
  fc.assert(
    fc.property(str, str, (a, b) => levenshtein(a, b) === referenceDistance(a, b)),
    { numRuns: 300, seed: 42 },
  );
});

Deno.test("levenshtein counts UTF-16 code units (an astral character is two)", () => {
  assert.equal(levenshtein("😀", ""), 2);
  assert.equal(levenshtein("a😀", "a😁"), referenceDistance("a😀", "a😁"));
});

Deno.test("edit-distance ratio is distance over total length, within [0, 1]", () => {
  assert.equal(editDistanceRatio("", ""), 0);
  assert.equal(editDistanceRatio("abc", ""), 1);
  assert.equal(editDistanceRatio("kitten", "sitting"), 3 / 13);
  fc.assert(
    fc.property(fc.string({ maxLength: 50 }), fc.string({ maxLength: 50 }), (a, b) => {
      const r = editDistanceRatio(a, b);
      return r >= 0 && r <= 1 && (r === 0) === (a === b);
    }),
    { numRuns: 200, seed: 7 },
  );
});
