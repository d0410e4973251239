import assert from "node:assert/strict";
import { z } from "zod";
import {
  definePipeline,
  defineStage,
  load,
  openSession,
  planStatus,
  readRecord,
  runStages,
} from "../../pipeline/mod.ts";

let runs: string[] = [];

const source = defineStage({
  name: "source",
  module: import.meta.url,
  params: z.object({ n: z.number().int() }),
  async run(ctx) {
    runs.push("source");
    await Deno.writeTextFile(`${ctx.outDir}/n.txt`, String(ctx.params.n));
    ctx.record({ backend: "cpu", seeds: [7] });
  },
});

const double = defineStage({
  name: "double",
  module: import.meta.url,
  inputs: { source },
  async run(ctx) {
    runs.push("double");
    const n = Number(await Deno.readTextFile(`${ctx.input("source")}/n.txt`));
    await Deno.writeTextFile(`${ctx.outDir}/out.txt`, String(2 * n));
    await ctx.metrics({ step: 1, value: 2 * n });
  },
});

const pipeline = definePipeline({
  config: z.object({ n: z.number().int() }),
  presets: { default: "n: 3\n", big: "n: 30\n" },
  stages: () => [source, double],
});

Deno.test("the programmatic API: run, locate for notebooks, records with run info", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "score-api-" });
  try {
    runs = [];
    const opts = { storeDir: `${dir}/store`, cwd: dir, handleSignals: false };
    const s = await openSession(pipeline, opts);
    await assert.rejects(() => load(pipeline, "double", opts), /stage "double" is missing/);
    const res = await runStages(s, { handleSignals: false });
    assert.deepEqual(res.ran, ["source", "double"]);
    assert.deepEqual(runs, ["source", "double"]);

    const loc = await load(pipeline, "double", opts);
    assert.equal(loc.state, "cached");
    assert.equal(Deno.readTextFileSync(`${loc.path}/out.txt`), "6");
    assert.equal(
      Deno.readTextFileSync(`${loc.path}/metrics.jsonl`),
      JSON.stringify({ step: 1, value: 6 }) + "\n",
    );
    const src = await readRecord(`${dir}/store`, (await load(pipeline, "source", opts)).key!);
    assert.equal(src?.backend, "cpu");
    assert.deepEqual(src?.seeds, [7]);
    assert.deepEqual(src?.params, { n: 3 });

    const big = await load(pipeline, "double", { ...opts, preset: "big", allowStale: true });
    assert.equal(big.state, "stale");
    assert.equal(big.path, null);
    const st = await planStatus(await openSession(pipeline, { ...opts, preset: "big" }));
    assert.equal(st[0].reason, "param n: 3 → 30");
    assert.match(st[1].reason, /input source \(source\) is not up to date/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
