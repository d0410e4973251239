import assert from "node:assert/strict";
import {
  buildDag,
  defineStage,
  matchStages,
  type Stage,
  toDot,
  toMermaid,
} from "../../pipeline/mod.ts";

const noop = () => Promise.resolve();
const mk = (name: string, inputs: Record<string, Stage> = {}) =>
  defineStage({ name, module: import.meta.url, inputs, run: noop });

Deno.test("stages come out in dependency order and families match instances", () => {
  const base = mk("base");
  const s1 = mk("stage1", { base });
  const s2a = mk("stage2@seed0", { s1 });
  const s2b = mk("stage2@seed1", { s1 });
  const dag = buildDag([s2b, s2a, s1, base]);
  const order = dag.order.map((s) => s.name);
  assert.ok(order.indexOf("base") < order.indexOf("stage1"));
  assert.ok(order.indexOf("stage1") < order.indexOf("stage2@seed0"));
  assert.deepEqual(matchStages(dag, "stage2").map((s) => s.name).sort(), [
    "stage2@seed0",
    "stage2@seed1",
  ]);
  assert.throws(() => matchStages(dag, "stage3"), /unknown stage "stage3"; known stages: .*base/);
  assert.match(toMermaid(dag), /n_stage1 -->\|s1\| n_stage2_seed0/);
  assert.match(toDot(dag), /"base" -> "stage1"/);
});

Deno.test("duplicate names, inputs outside the pipeline and cycles are clear errors", () => {
  const a = mk("a");
  const a2 = mk("a");
  assert.throws(() => buildDag([a, a2]), /duplicate stage name "a"/);
  const b = mk("b", { a });
  assert.throws(
    () => buildDag([b]),
    /stage "b" input "a" is stage "a", which is not in the pipeline/,
  );
  // A cycle can only be built by hand (defineStage copies inputs), so build the values directly.
  const x = { ...mk("x"), inputs: {} as Record<string, Stage> };
  const y = { ...mk("y"), inputs: { x } as Record<string, Stage> };
  x.inputs.y = y;
  assert.throws(() => buildDag([x, y]), /cycle in the stage graph: x → y → x/);
});

Deno.test("defineStage rejects bad names, a missing module and a params schema it cannot slice", async () => {
  const { z } = await import("zod");
  assert.throws(() => mk("has space"), /invalid stage name/);
  assert.throws(
    () => defineStage({ name: "m", module: "stages/m.ts", run: noop }),
    /import\.meta\.url/,
  );
  assert.throws(
    () => defineStage({ name: "p", module: import.meta.url, params: z.number(), run: noop }),
    /give a "select" function/,
  );
  const s = defineStage({
    name: "q",
    module: import.meta.url,
    params: z.object({ lr: z.number(), steps: z.number() }),
    run: noop,
  });
  assert.deepEqual(s.select({ lr: 1, steps: 2, other: 3 }), { lr: 1, steps: 2 });
});
