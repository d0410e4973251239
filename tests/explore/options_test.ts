import assert from "node:assert/strict";
import { describeOptions, resolveOptions, stageCommand } from "../../explore/mod.ts";

function withEnv(vars: Record<string, string | undefined>, fn: () => void) {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  try {
    for (const [k, v] of Object.entries(vars)) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
    fn();
  } finally {
    for (const [k, v] of Object.entries(old)) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
  }
}

Deno.test("options come from arguments first, then SCORE_PRESET / SCORE_CONFIG / SCORE_STORE, then defaults", () => {
  withEnv({ SCORE_PRESET: undefined, SCORE_CONFIG: undefined, SCORE_STORE: undefined }, () => {
    assert.deepEqual(resolveOptions(), { preset: "default" });
  });
  withEnv({ SCORE_PRESET: "smoke", SCORE_CONFIG: "my.yaml", SCORE_STORE: "/s" }, () => {
    assert.deepEqual(resolveOptions(), { preset: "smoke", config: "my.yaml", storeDir: "/s" });
    assert.deepEqual(resolveOptions({ preset: "default", storeDir: "/t" }), {
      preset: "default",
      config: "my.yaml",
      storeDir: "/t",
    });
  });
  withEnv({ SCORE_PRESET: "  ", SCORE_CONFIG: undefined, SCORE_STORE: undefined }, () => {
    assert.equal(resolveOptions().preset, "default", "a blank variable counts as unset");
  });
});

Deno.test("the command that makes a stage names its preset, config and store exactly as the CLI takes them", () => {
  assert.equal(stageCommand("stage2@s0", { preset: "default" }), "deno task stage stage2@s0");
  assert.equal(
    stageCommand("eval@score.s0", { preset: "smoke", config: "runs/a b.yaml" }),
    "deno task stage eval@score.s0 --preset smoke --config 'runs/a b.yaml'",
  );
  assert.equal(
    stageCommand("report", { preset: "smoke", storeDir: "/tmp/it's" }),
    `SCORE_STORE='/tmp/it'\\''s' deno task stage report --preset smoke`,
  );
  assert.equal(
    stageCommand("stage2@s0", { preset: "smoke", set: ["rl.alpha=5", "seeds.methods=[1, 2]"] }),
    "deno task stage stage2@s0 --preset smoke --set rl.alpha=5 --set 'seeds.methods=[1, 2]'",
  );
  assert.equal(describeOptions({ preset: "smoke", config: "x.yaml" }), 'preset "smoke" + x.yaml');
  assert.equal(describeOptions({ preset: "smoke", set: ["a=1"] }), 'preset "smoke" --set a=1');
});
