/**
 * The experiment's DAG over base seeds and rounds, and checkpoint selection on held-out training
 * problems: each method seed starts from (and is pinned to) its own base model, every base is
 * evaluated, SCoRe's rounds chain Stage I and Stage II, and an RL stage never opens the test split.
 */
import assert from "node:assert/strict";
import { cli } from "../cli.ts";
import { buildStages, ExperimentConfig } from "../../stages/mod.ts";
import { rlSplit } from "../../stages/training.ts";
import type { Stage } from "../../pipeline/mod.ts";

function dag(overrides: Record<string, unknown>) {
  const config = ExperimentConfig.parse(overrides);
  const stages = buildStages(config);
  const get = (name: string): Stage<unknown> => {
    const s = stages.find((st) => st.name === name);
    assert.ok(s, `no stage ${name} in ${stages.map((x) => x.name).join(", ")}`);
    return s;
  };
  const select = (name: string) =>
    get(name).select(config as unknown as Record<string, unknown>) as Record<string, unknown>;
  return { config, stages, get, select };
}

Deno.test("each method seed starts from its own base model and is pinned to it", () => {
  const { get, stages } = dag({ seeds: { methods: [0, 1, 2], ablations: [0] } });
  for (const n of [0, 1, 2]) {
    const base = get(`base@s${n}`);
    assert.equal(get(`stage1@s${n}`).inputs.init, base);
    for (const m of ["stage1", "stage2", "naive_rl", "star", "pair_sft"]) {
      assert.equal(get(`${m}@s${n}`).inputs.base, base, `${m}@s${n} reference`);
    }
    assert.equal(get(`naive_rl@s${n}`).inputs.init, base);
    assert.equal(get(`star@s${n}`).inputs.rollouts, get(`rollouts@s${n}`));
    assert.equal(get(`rollouts@s${n}`).inputs.base, base);
    assert.equal(get(`eval@base.s${n}`).inputs.model, base);
  }
  assert.equal(get("abl_no_stage1@s0").inputs.base, get("base@s0"));
  // The report reads every base seed's evaluation.
  const report = get("report");
  for (const n of [0, 1, 2]) assert.ok(report.inputs[`eval@base.s${n}`], `eval@base.s${n}`);
  assert.equal(stages.filter((s) => s.family === "base").length, 3);
});

Deno.test("base models of different seeds draw from different seeds; base.seed offsets them", () => {
  const { select } = dag({ seeds: { methods: [0, 1], ablations: [0] }, base: { seed: 5 } });
  assert.equal(select("base@s0").seed, 5);
  assert.equal(select("base@s1").seed, 6);
  const { seed: _a, ...a } = select("base@s0");
  const { seed: _b, ...b } = select("base@s1");
  assert.deepEqual(a, b, "everything but the seed is shared");
});

Deno.test("an ablation seed without a method seed still gets its own evaluated base", () => {
  const { get } = dag({ seeds: { methods: [0], ablations: [3] } });
  assert.equal(get("abl_single_turn@s3").inputs.init, get("base@s3"));
  assert.equal(get("eval@base.s3").inputs.model, get("base@s3"));
});

Deno.test("rl.rounds interleaves Stage I and Stage II; the last Stage II is the SCoRe row", () => {
  const one = dag({ seeds: { methods: [0], ablations: [0] } });
  assert.ok(!one.stages.some((s) => s.name.endsWith(".r2")));
  assert.equal(one.get("eval@score.s0").inputs.model, one.get("stage2@s0"));

  const { get } = dag({ seeds: { methods: [0], ablations: [0] }, rl: { rounds: 3 } });
  assert.equal(get("stage1@s0.r2").inputs.init, get("stage2@s0"));
  assert.equal(get("stage2@s0.r2").inputs.init, get("stage1@s0.r2"));
  assert.equal(get("stage1@s0.r3").inputs.init, get("stage2@s0.r2"));
  assert.equal(get("eval@score.s0").inputs.model, get("stage2@s0.r3"));
  // Every round keeps the base as the reference; Stage I's row is the first Stage I.
  assert.equal(get("stage1@s0.r3").inputs.base, get("base@s0"));
  assert.equal(get("eval@score_stage1.s0").inputs.model, get("stage1@s0"));
});

Deno.test("rlSplit holds out the end of the train split and refuses to hold out all of it", () => {
  const train = Array.from({ length: 10 }, (_, i) => i);
  assert.deepEqual(rlSplit(train, 3), { rl: [0, 1, 2, 3, 4, 5, 6], selection: [7, 8, 9] });
  assert.deepEqual(rlSplit(train, 0), { rl: train, selection: [] });
  assert.throws(() => rlSplit(train, 10), /rl\.selectProblems=10 leaves no training problems/);
});

/** Runs an RL stage's code on copies of real upstream outputs, with a fake context. */
async function runStageOn(stage: Stage<unknown>, params: unknown, dirs: Record<string, string>) {
  const outDir = await Deno.makeTempDir({ prefix: "score-rl-out-" });
  const logs: string[] = [];
  const ctrl = new AbortController();
  await stage.run({
    name: stage.name,
    key: "test",
    params,
    outDir,
    input: (name: string) => {
      const d = dirs[name];
      if (!d) throw new Error(`no input ${name}`);
      return d;
    },
    log: (m: string) => logs.push(m),
    progress: () => {},
    metrics: async (r: Record<string, unknown>) => {
      await Deno.writeTextFile(`${outDir}/metrics.jsonl`, JSON.stringify(r) + "\n", {
        append: true,
      });
    },
    record: () => {},
    signal: ctrl.signal,
  });
  return { outDir, logs };
}

Deno.test("checkpoint selection reads held-out training problems, never the test split", async () => {
  const store = await Deno.makeTempDir({ prefix: "score-select-" });
  const work = await Deno.makeTempDir({ prefix: "score-select-work-" });
  try {
    const r = await cli(store, "stage", "base@s0", "--preset", "smoke");
    assert.equal(r.code, 0, r.text);
    // A problems directory without its test split: an RL stage that opened it would fail.
    await Deno.mkdir(`${work}/problems`);
    for (const f of ["task.json", "train.jsonl"]) {
      await Deno.copyFile(`${store}/out/problems/${f}`, `${work}/problems/${f}`);
    }
    const { loadConfig } = await import("../../pipeline/mod.ts");
    const { pipeline } = await import("../../stages/mod.ts");
    const config = (await loadConfig(pipeline, { preset: "smoke" })).config;
    const stage = buildStages(config as ExperimentConfig).find((s) => s.name === "stage1@s0")!;
    const params = stage.params!.parse(stage.select(config));
    const dirs = {
      problems: `${work}/problems`,
      base: `${store}/out/base@s0`,
      init: `${store}/out/base@s0`,
    };
    const { outDir, logs } = await runStageOn(stage, params, dirs);
    const selection = JSON.parse(await Deno.readTextFile(`${outDir}/selection.json`));
    assert.equal(selection.problems, 8);
    assert.equal(selection.candidates.length, 2, "smoke: scored after each of its 2 steps");
    assert.ok(logs.some((l) => /kept the checkpoint after \d of 2 steps/.test(l)), logs.join("\n"));
    const lines = (await Deno.readTextFile(`${outDir}/metrics.jsonl`)).trim().split("\n");
    assert.ok(lines.every((l) => typeof JSON.parse(l).heldOutReward === "number"));
    // The same stage without the train split fails: the check above is not vacuous.
    await Deno.remove(`${work}/problems/train.jsonl`);
    await assert.rejects(runStageOn(stage, params, dirs), /train\.jsonl/);
  } finally {
    await Deno.remove(store, { recursive: true });
    await Deno.remove(work, { recursive: true });
  }
});
