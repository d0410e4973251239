import assert from "node:assert/strict";
import { z } from "zod";
import {
  evaluateMethod,
  evaluateSeed,
  parseEvalRecords,
  parseEvalRecordsJsonl,
} from "../../metrics/mod.ts";
import { parseJson, parseJsonl } from "../../metrics/parse.ts";
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

Deno.test("evaluateMethod uses a seed's own evaluation as given and rejects one of other records", () => {
  const records = [rec("a", false, true), rec("b", true, true)];
  const own = evaluateSeed(3, records, { bootstrap: { resamples: 20, seed: 0 } });
  const m = evaluateMethod([{ seed: 3, records, evaluation: own }]);
  assert.equal(m.seeds[0], own); // the same object: not evaluated a second time
  assert.deepEqual(m.seeds[0], evaluateSeed(3, records, { bootstrap: { resamples: 20, seed: 0 } }));
  assert.throws(
    () => evaluateMethod([{ seed: 4, records, evaluation: own }]),
    /seed 4's evaluation \(seed 3/,
  );
  assert.throws(
    () => evaluateMethod([{ seed: 3, records: records.slice(1), evaluation: own }]),
    /n = 2\) is not of its 1 records/,
  );
});

Deno.test("every JSON reader fails with one message shape: source (and line), then the bad path", () => {
  const schema = z.object({ n: z.number() });
  assert.throws(() => parseJson("{", schema, "x.json"), /^Error: x\.json: not valid JSON/);
  assert.throws(() => parseJson('{"n":"1"}', schema, "x.json"), /x\.json: invalid data\n {2}at n:/);
  assert.throws(
    () => parseJsonl('{"n":1}\n\n{"n":true}\n', schema, "x.jsonl"),
    /x\.jsonl:3: invalid data/,
  );
  assert.deepEqual(parseJsonl('{"n":1}\n{"n":2}\n', schema, "x.jsonl"), [{ n: 1 }, { n: 2 }]);
});
