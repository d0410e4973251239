import assert from "node:assert/strict";
import { evaluateMethod, parseEvalRecords, parseEvalRecordsJsonl } from "../../metrics/mod.ts";
import { rec } from "./fixtures.ts";

Deno.test("record validation names the source, the record and the field", () => {
  const bad = [rec("a", true, true), { ...rec("b", true, true), level: -1 }];
  assert.throws(() => parseEvalRecords(bad, "runs/eval.jsonl"), (e: Error) => {
    assert.match(e.message, /runs\/eval\.jsonl/);
    assert.match(e.message, /\[1\]\.level/);
    return true;
  });
  assert.throws(
    () => parseEvalRecords([rec("a", true, true), rec("a", false, true)], "x.jsonl"),
    /repeats problemId "a"/,
  );
});

Deno.test("JSONL parsing reports the line of a broken record", () => {
  const text = JSON.stringify(rec("a", true, true)) + "\n\n{oops\n";
  assert.throws(() => parseEvalRecordsJsonl(text, "e.jsonl"), /e\.jsonl:3: not valid JSON/);
  const ok = parseEvalRecordsJsonl(JSON.stringify(rec("a", true, false)) + "\n", "e.jsonl");
  assert.equal(ok.length, 1);
});

Deno.test("evaluateMethod bundles seeds, spread, joint bootstrap and per-level groups", () => {
  const seedA = [rec("a", false, true, { level: 1 }), rec("b", true, true, { level: 2 })];
  const seedB = [rec("a", true, true, { level: 1 }), rec("b", true, false, { level: 2 })];
  const m = evaluateMethod([{ seed: 1, records: seedA }, { seed: 2, records: seedB }], {
    bootstrap: { resamples: 50, seed: 0 },
  });
  assert.deepEqual(m.seeds.map((s) => s.seed), [1, 2]);
  assert.equal(m.bootstrap.pairing, "joint");
  assert.equal(m.aggregate.delta.mean, 0); // +0.5 and −0.5
  assert.deepEqual(m.perLevel.map((g) => [g.key, g.n]), [["1", 2], ["2", 2]]);
  assert.equal(m.perLevel[0].aggregate.delta.mean, 0.5);
  assert.equal(m.seeds[0].editHistogram.n, 2);
});
