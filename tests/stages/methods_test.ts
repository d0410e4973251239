import assert from "node:assert/strict";
import { buildStages, ExperimentConfig } from "../../stages/mod.ts";

const config = ExperimentConfig.parse({
  seeds: { methods: [0], ablations: [0] },
  rl: { lr: 2e-5, stage1Lr: 7e-5, alpha: 10, beta1: 0.01, beta2: 1 },
});
const stages = buildStages(config);
const params = (name: string) => {
  const s = stages.find((st) => st.name === name);
  assert.ok(s, `no stage ${name}`);
  return s.select(config as unknown as Record<string, unknown>) as {
    lr: number;
    steps: number;
    objective: { kind: string; alpha: number; beta1: number; beta2: number };
  };
};

Deno.test("Stage I trains at rl.stage1Lr; every Stage II objective and RL baseline at rl.lr", () => {
  assert.equal(params("stage1@s0").lr, 7e-5);
  for (const n of ["stage2@s0", "naive_rl@s0", "abl_no_stage1@s0", "abl_no_shaping@s0"]) {
    assert.equal(params(n).lr, 2e-5, n);
  }
  assert.equal(params("abl_single_turn@s0").lr, 2e-5);
});

Deno.test("each RL method gets the paper's objective: shaping only where SCoRe has it", () => {
  assert.deepEqual(params("stage1@s0").objective, {
    kind: "stage1",
    alpha: 0,
    beta1: 0.01,
    beta2: 1,
  });
  assert.equal(params("stage2@s0").objective.alpha, 10);
  assert.equal(params("abl_no_stage1@s0").objective.alpha, 10);
  assert.equal(params("naive_rl@s0").objective.alpha, 0);
  assert.equal(params("abl_no_shaping@s0").objective.alpha, 0);
  assert.equal(params("abl_single_turn@s0").objective.kind, "single_turn");
});

Deno.test("SCoRe's Stage I checkpoint is evaluated as its own report row", () => {
  const names = stages.map((s) => s.name);
  assert.ok(names.includes("eval@score_stage1.s0"), names.join(", "));
  assert.ok(names.indexOf("stage1@s0") < names.indexOf("eval@score_stage1.s0"));
});

Deno.test("the config accepts exactly the embedded families the datasets module defines", async () => {
  const { FAMILY_NAMES } = await import("../../datasets/mod.ts");
  const { EmbeddedProblemsConfig } = await import("../../stages/config.ts");
  for (const f of FAMILY_NAMES) EmbeddedProblemsConfig.parse({ families: [f] });
  assert.throws(() => EmbeddedProblemsConfig.parse({ families: ["nope"] }));
  const listed = EmbeddedProblemsConfig.shape.families.unwrap().element.options;
  assert.deepEqual([...listed].sort(), [...FAMILY_NAMES].sort());
});

Deno.test("the second_guess preset is the default experiment with a second-guessing base", async () => {
  const { loadConfig } = await import("../../pipeline/mod.ts");
  const { pipeline } = await import("../../stages/mod.ts");
  const load = async (preset: string) => (await loadConfig(pipeline, { preset })).config;
  const def = await load("default"), sg = await load("second_guess");
  const base = (c: Record<string, unknown>) =>
    (c.base as { noise: { secondGuess: number } }).noise.secondGuess;
  assert.equal(base(def), 0);
  assert.equal(base(sg), 0.7);
  // Everything else but the name and the seeds is the default's.
  const strip = (c: Record<string, unknown>) => {
    const { name: _n, seeds: _s, base: b, ...rest } = c;
    const { noise, ...baseRest } = b as { noise: Record<string, unknown> };
    const { secondGuess: _g, ...noiseRest } = noise;
    return { ...rest, base: { ...baseRest, noise: noiseRest } };
  };
  assert.deepEqual(strip(sg), strip(def));
});
