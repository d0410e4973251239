import assert from "node:assert/strict";
import { envFingerprint, recordEnvReads } from "../../pipeline/fast_path.ts";

Deno.test("env reads are recorded per recorder, overlapping ones included, and Deno.env is restored", () => {
  const get = Deno.env.get;
  Deno.env.set("SCORE_TEST_ENV_READS", "1");
  try {
    const a = recordEnvReads();
    Deno.env.get("WT14_A_ONLY");
    const b = recordEnvReads();
    Deno.env.get("WT14_BOTH");
    a.stop();
    Deno.env.has("WT14_B_ONLY");
    b.stop();
    Deno.env.get("WT14_NONE");
    assert.deepEqual([...a.reads.keys()], ["WT14_A_ONLY", "WT14_BOTH"]);
    assert.deepEqual([...b.reads.keys()], ["WT14_BOTH", "WT14_B_ONLY"]);
    assert.equal(Deno.env.get, get, "the original method is back");
    const fp = envFingerprint(b.reads);
    assert.deepEqual(fp.find(([k]) => k === "SCORE_TEST_ENV_READS"), ["SCORE_TEST_ENV_READS", "1"]);
    assert.deepEqual(fp.find(([k]) => k === "WT14_BOTH"), ["WT14_BOTH", null]);
  } finally {
    Deno.env.delete("SCORE_TEST_ENV_READS");
  }
});
