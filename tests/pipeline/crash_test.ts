import assert from "node:assert/strict";
import { count, drain, makeToy, type Toy, waitFor } from "./toy_project.ts";

function status(toy: Toy, config: string) {
  return toy.run(["status", "--json", "--config", config]).then((r) => {
    assert.equal(r.code, 0, r.stderr);
    return new Map(
      (JSON.parse(r.stdout).stages as { name: string; state: string }[]).map((
        s,
      ) => [s.name, s.state]),
    );
  });
}

Deno.test("SIGKILL at several points leaves no record and no partial output; the next run redoes exactly that stage", async (t) => {
  const toy = makeToy();
  try {
    const first = await toy.run(["reproduce"]);
    assert.equal(first.code, 0, first.stderr);
    toy.takeRuns();
    const points: { name: string; env: (marker: string) => Record<string, string> }[] = [
      {
        name: "inside run, after partial output",
        env: (m) => ({ TOY_HANG: "square", TOY_MARKER: m }),
      },
      {
        name: "after hashing",
        env: (m) => ({ SCORE_TEST_PAUSE_AT: "commit:hashed", SCORE_TEST_PAUSE_FILE: m }),
      },
      {
        name: "after the object rename",
        env: (m) => ({ SCORE_TEST_PAUSE_AT: "commit:renamed", SCORE_TEST_PAUSE_FILE: m }),
      },
      {
        name: "before the record",
        env: (m) => ({ SCORE_TEST_PAUSE_AT: "before-record", SCORE_TEST_PAUSE_FILE: m }),
      },
    ];
    let i = 0;
    for (const p of points) {
      i++;
      await t.step(p.name, async () => {
        const cfg = `mult${i}.yaml`;
        toy.write(cfg, `square:\n  mult: ${i + 1}\n`);
        const records = count(`${toy.store}/records`);
        const marker = `${toy.dir}/marker-${i}`;
        const child = toy.spawn(["stage", "square", "--config", cfg], p.env(marker));
        await waitFor(marker, child);
        child.kill("SIGKILL");
        const res = await drain(child);
        assert.notEqual(res.code, 0);
        assert.equal(count(`${toy.store}/records`), records, "no record was written");
        const st = await status(toy, cfg);
        assert.equal(st.get("square"), "stale");
        assert.equal(st.get("gen"), "cached", "completed upstream results stay");
        toy.takeRuns();
        const again = await toy.run(["stage", "square", "--config", cfg]);
        assert.equal(again.code, 0, again.stderr);
        assert.deepEqual(toy.takeRuns(), ["square"]);
        const show = JSON.parse(
          (await toy.run(["show", "square", "--json", "--config", cfg])).stdout,
        );
        assert.equal(show.state, "cached");
        const files = [...Deno.readDirSync(show.output)].map((e) => e.name).sort();
        assert.deepEqual(files, ["data", "metrics.jsonl"], "no partial output in the result");
        assert.equal(count(`${toy.store}/tmp`), 0, "dead temp dirs are cleaned");
        assert.equal(count(`${toy.store}/locks`), 0, "stale locks are cleared");
      });
    }
  } finally {
    toy.cleanup();
  }
});

Deno.test("a stage that throws: clear message, non-zero exit, earlier results kept", async () => {
  const toy = makeToy();
  try {
    const r = await toy.run(["reproduce"], { TOY_FAIL: "sum" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /stage "sum" failed: toy failure in sum/);
    assert.deepEqual(toy.takeRuns(), ["gen", "square", "sum"]);
    assert.equal(count(`${toy.store}/tmp`), 0);
    const ok = await toy.run(["reproduce"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(toy.takeRuns().sort(), ["other", "report", "sum"]);
  } finally {
    toy.cleanup();
  }
});

Deno.test("SIGINT cleans up the temp output and lock and exits non-zero", async () => {
  const toy = makeToy();
  try {
    const marker = `${toy.dir}/marker`;
    const child = toy.spawn(["reproduce"], { TOY_HANG: "square", TOY_MARKER: marker });
    await waitFor(marker, child);
    child.kill("SIGINT");
    const res = await drain(child);
    assert.equal(res.code, 130);
    assert.match(res.stderr, /interrupted/);
    assert.equal(count(`${toy.store}/tmp`), 0);
    assert.equal(count(`${toy.store}/locks`), 0);
    const st = await status(toy, "/dev/null");
    assert.equal(st.get("gen"), "cached");
    assert.equal(st.get("square"), "missing");
  } finally {
    toy.cleanup();
  }
});
