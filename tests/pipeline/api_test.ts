import assert from "node:assert/strict";
import { z } from "zod";
import {
  definePipeline,
  defineStage,
  locate,
  openSession,
  planStatus,
  readRecord,
  runStages,
} from "../../pipeline/mod.ts";

let runs: string[] = [];

/** Where stage `name`'s current output is for the session these options open. */
async function at(name: string, opts: Parameters<typeof openSession>[1]) {
  return locate(await openSession(pipeline, opts), name);
}

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
    assert.equal((await at("double", opts)).state, "missing");
    const res = await runStages(s, { handleSignals: false });
    assert.deepEqual(res.ran, ["source", "double"]);
    assert.deepEqual(runs, ["source", "double"]);

    const loc = await at("double", opts);
    assert.equal(loc.state, "cached");
    assert.equal(Deno.readTextFileSync(`${loc.path}/out.txt`), "6");
    assert.equal(
      Deno.readTextFileSync(`${loc.path}/metrics.jsonl`),
      JSON.stringify({ step: 1, value: 6 }) + "\n",
    );
    const src = await readRecord(`${dir}/store`, (await at("source", opts)).key!);
    assert.equal(src?.backend, "cpu");
    assert.deepEqual(src?.seeds, [7]);
    assert.deepEqual(src?.params, { n: 3 });

    const big = await at("double", { ...opts, preset: "big" });
    assert.equal(big.state, "stale");
    assert.equal(big.path, null);
    const st = await planStatus(await openSession(pipeline, { ...opts, preset: "big" }));
    assert.equal(st[0].reason, "param n: 3 → 30");
    assert.match(st[1].reason, /input source \(source\) is not up to date/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a stage that writes a symlink fails with a clear message and leaves no record", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "score-api-" });
  try {
    const linker = defineStage({
      name: "linker",
      module: import.meta.url,
      async run(ctx) {
        await Deno.writeTextFile(`${ctx.outDir}/a.txt`, "a");
        await Deno.symlink("a.txt", `${ctx.outDir}/b.txt`);
      },
    });
    const p = definePipeline({
      config: z.object({}),
      presets: { default: "" },
      stages: () => [linker],
    });
    const s = await openSession(p, { storeDir: `${dir}/store`, cwd: dir });
    await assert.rejects(
      () => runStages(s, { handleSignals: false }),
      /stage "linker" failed: output b\.txt is a symbolic link; stages must write regular files/,
    );
    assert.equal([...Deno.readDirSync(`${dir}/store/records`)].length, 0);
    assert.equal([...Deno.readDirSync(`${dir}/store/tmp`)].length, 0);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("bit rot the stat check cannot see is caught by hashing inputs before use, then rebuilt", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "score-api-" });
  try {
    runs = [];
    const opts = { storeDir: `${dir}/store`, cwd: dir };
    await runStages(await openSession(pipeline, opts), { handleSignals: false });
    const src = await at("source", opts);
    // Corrupt the file and forge the stat snapshot, as silent disk corruption would look.
    const file = `${src.path}/n.txt`;
    Deno.chmodSync(file, 0o644);
    Deno.writeTextFileSync(file, "9");
    const manifestPath = `${dir}/store/objects/${src.record!.output}.json`;
    const m = JSON.parse(Deno.readTextFileSync(manifestPath));
    const st = Deno.statSync(file);
    m.stat["n.txt"] = [st.size, st.mtime!.getTime(), st.ctime!.getTime(), st.ino];
    Deno.writeTextFileSync(manifestPath, JSON.stringify(m));
    assert.equal(
      (await at("source", opts)).state,
      "cached",
      "the cheap check is fooled",
    );
    runs = [];
    const res = await runStages(await openSession(pipeline, opts), {
      targets: ["double"],
      force: "targets",
      handleSignals: false,
    });
    assert.deepEqual(runs, ["source", "double"], "the corrupt input was rebuilt before use");
    assert.deepEqual(res.ran, ["source", "double"]);
    const out = await at("double", opts);
    assert.equal(Deno.readTextFileSync(`${out.path}/out.txt`), "6");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
