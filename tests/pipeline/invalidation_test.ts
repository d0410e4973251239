import assert from "node:assert/strict";
import { makeToy } from "./toy_project.ts";

const ALL = ["gen", "square", "sum", "other", "report"];

Deno.test("invalidation matrix: params, modules, unrelated files, early cutoff, going back", async (t) => {
  const toy = makeToy();
  try {
    const reproduce = async (config?: string) => {
      const r = await toy.run(config ? ["reproduce", "--config", config] : ["reproduce"]);
      assert.equal(r.code, 0, r.stderr);
      return toy.takeRuns().sort();
    };
    await t.step("first run runs every stage once and links the current outputs", async () => {
      assert.deepEqual(await reproduce(), [...ALL].sort());
      assert.match(toy.read(".score/out/report/report.md"), /^# report\nsum \d+\nx hi\n$/);
    });
    await t.step("a second run is a no-op", async () => {
      assert.deepEqual(await reproduce(), []);
    });
    await t.step("a param a stage reads reruns it and its downstream only", async () => {
      toy.write("mult.yaml", "square:\n  mult: 3\n");
      assert.deepEqual(await reproduce("mult.yaml"), ["report", "square", "sum"]);
    });
    await t.step("a param no stage reads reruns nothing", async () => {
      toy.write("unused.yaml", "square:\n  mult: 3\nunused: 42\n");
      assert.deepEqual(await reproduce("unused.yaml"), []);
    });
    await t.step("changing the param back is a cache hit: nothing runs", async () => {
      assert.deepEqual(await reproduce(), []);
    });
    await t.step("editing a file no stage reaches reruns nothing", async () => {
      toy.write("unrelated.ts", "export const nothing = 2;\n");
      assert.deepEqual(await reproduce(), []);
    });
    await t.step(
      "editing modules reached only through type-only imports reruns nothing",
      async () => {
        toy.write("types.ts", toy.read("types.ts") + "export type Extra = string;\n");
        toy.write(
          "shape.ts",
          toy.read("shape.ts").replace("n: number;", "n: number;\n  m?: number;"),
        );
        assert.deepEqual(await reproduce(), []);
      },
    );
    await t.step(
      "editing a module behind a mixed (type + value) import reruns its importer",
      async () => {
        toy.write("mixed.ts", toy.read("mixed.ts").replace("// v1", "// v2"));
        // other's output is byte-identical, so report stays cached (early cutoff).
        assert.deepEqual(await reproduce(), ["other"]);
      },
    );
    await t.step("an edit of a transitive helper with identical output: early cutoff", async () => {
      toy.write("deep.ts", toy.read("deep.ts").replace("// v1", "// v2 (comment only)"));
      assert.deepEqual(await reproduce(), ["gen"]);
    });
    await t.step(
      "an edit of a transitive helper that changes output reruns downstream",
      async () => {
        toy.write("deep.ts", toy.read("deep.ts").replace("return x;", "return x + 1;"));
        assert.deepEqual(await reproduce(), ["gen", "report", "square", "sum"]);
      },
    );
    await t.step(
      "an edit of a lazily imported (dynamic import) module reruns its stage",
      async () => {
        toy.write("lazy.ts", toy.read("lazy.ts").replace('"count "', '"n = "'));
        // gen's summary.txt changes, so its output digest changes and square reruns; square reads
        // only numbers.json, so its output is identical and sum/report stay cached (early cutoff).
        assert.deepEqual(await reproduce(), ["gen", "square"]);
      },
    );
    await t.step("status explains a stale stage by param and by module", async () => {
      toy.write("n.yaml", "gen:\n  n: 7\n  seed: 1\n");
      const r = await toy.run(["status", "--json", "--config", "n.yaml"]);
      assert.equal(r.code, 0, r.stderr);
      const st = JSON.parse(r.stdout).stages as {
        name: string;
        key: string | null;
        state: string;
        reason: string;
      }[];
      const gen = st.find((s) => s.name === "gen")!;
      assert.equal(gen.state, "stale");
      assert.match(gen.reason, /param gen\.n: 5 → 7/);
      assert.equal(st.find((s) => s.name === "other")!.state, "cached");
      const sq = st.find((s) => s.name === "square")!;
      assert.equal(sq.key, null);
      assert.match(sq.reason, /input gen \(gen\) is not up to date/);
      toy.write("helper.ts", toy.read("helper.ts") + "export const extra = 1;\n");
      const r2 = await toy.run(["status", "--json"]);
      const gen2 = JSON.parse(r2.stdout).stages.find((s: { name: string }) => s.name === "gen");
      assert.equal(gen2.state, "stale");
      assert.match(gen2.reason, /module helper\.ts changed/);
      assert.deepEqual(toy.takeRuns(), []); // status runs nothing
    });
    await t.step(
      "`stage A B` runs both named stages and what they need, nothing else",
      async () => {
        toy.write("n6.yaml", "gen:\n  n: 6\n  seed: 1\n");
        const r = await toy.run(["stage", "square", "other", "--config", "n6.yaml"]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(toy.takeRuns().sort(), ["gen", "square"]); // other is cached: it skips gen
        const bad = await toy.run(["show", "gen", "square"]);
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /show takes one name, got 2/);
      },
    );
  } finally {
    toy.cleanup();
  }
});

Deno.test("the no-op fast path answers only while nothing changed, including the entry module", async () => {
  const toy = makeToy();
  try {
    assert.equal((await toy.run(["reproduce"])).code, 0);
    await new Promise((r) => setTimeout(r, 1100)); // file stats become trustworthy after 1 s
    assert.equal((await toy.run(["reproduce"])).code, 0);
    const fast = `${toy.store}/fast`;
    const entries = [...Deno.readDirSync(fast)].map((e) => e.name);
    assert.equal(entries.length, 1);
    const entry = JSON.parse(toy.read(`.score/fast/${entries[0]}`));
    const files = (entry.files as [string, string, unknown][]).map(([p]) => p);
    for (
      const f of ["main.ts", "pipeline.ts", "stages/gen.ts", "deep.ts", "lazy.ts", "deno.lock"]
    ) {
      assert.ok(files.includes(`${toy.dir}/${f}`), `fingerprint covers ${f}`);
    }
    assert.ok(!files.includes(`${toy.dir}/unrelated.ts`));
    toy.takeRuns();
    // A changed entry module is not answered from the old fingerprint (same output: nothing runs).
    toy.write("main.ts", toy.read("main.ts") + "// edited\n");
    const r = await toy.run(["reproduce"], { SCORE_STORE: toy.store });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(toy.takeRuns(), []);
    const after = JSON.parse(toy.read(`.score/fast/${entries[0]}`));
    assert.notDeepEqual(after.files, entry.files, "a new fingerprint was written by the full path");
  } finally {
    toy.cleanup();
  }
});

Deno.test("the no-op fast path re-checks the data files a stage's select hashed (notePlanInput)", async () => {
  const toy = makeToy();
  try {
    // gen's select hashes a data file (as the problems stage does) and notes it for the fast path;
    // with TOY_DATA_DIR it also notes a directory, which no file hash can re-check.
    const engine = new URL("../../pipeline/mod.ts", import.meta.url).href;
    toy.write("data.txt", "v1\n");
    toy.write(
      "stages/gen.ts",
      toy.read("stages/gen.ts")
        .replace(
          `import { defineStage } from "${engine}";`,
          `import { defineStage, notePlanInput } from "${engine}";
import { createHash } from "node:crypto";
const DATA = new URL("../data.txt", import.meta.url).pathname;`,
        )
        .replace(
          "  params: z.object({ gen: z.object({ n: z.number().int().min(1), seed: z.number().int() }) }),",
          `  params: z.object({
    gen: z.object({ n: z.number().int().min(1), seed: z.number().int() }),
    data: z.string(),
  }),
  select: (c: { gen: { n: number; seed: number } }) => {
    const data = createHash("sha256").update(Deno.readFileSync(DATA)).digest("hex");
    notePlanInput(DATA, data);
    if (Deno.env.get("TOY_DATA_DIR")) notePlanInput(Deno.env.get("TOY_DATA_DIR")!, null);
    return { gen: c.gen, data };
  },`,
        ),
    );
    assert.equal((await toy.run(["reproduce"])).code, 0);
    await new Promise((r) => setTimeout(r, 1100)); // file stats become trustworthy after 1 s
    assert.equal((await toy.run(["reproduce"])).code, 0);
    const fast = `${toy.store}/fast`;
    const [name] = [...Deno.readDirSync(fast)].map((e) => e.name);
    const files = (JSON.parse(toy.read(`.score/fast/${name}`)).files as [string][]).map(([p]) => p);
    assert.ok(files.includes(`${toy.dir}/data.txt`), "the fingerprint covers the data file");
    toy.takeRuns();
    // An edited data file is planned again, not answered from the saved summary.
    toy.write("data.txt", "v2\n");
    const r = await toy.run(["reproduce"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(toy.takeRuns(), ["gen"], "gen re-keyed (its output, hence the rest, same)");
    // A plan that read a directory writes no fingerprint: every reproduce takes the full path.
    Deno.removeSync(fast, { recursive: true });
    const env = { TOY_DATA_DIR: toy.dir };
    assert.equal((await toy.run(["reproduce"], env)).code, 0);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await toy.run(["reproduce"], env)).code, 0);
    assert.deepEqual([...Deno.readDirSync(fast)].map((e) => e.name), []);
  } finally {
    toy.cleanup();
  }
});

Deno.test("--backend and --set key runs exactly like the same value in a config file", async () => {
  const toy = makeToy();
  try {
    const run = async (...args: string[]) => {
      const r = await toy.run(["reproduce", ...args]);
      assert.equal(r.code, 0, r.stderr);
      return toy.takeRuns().sort();
    };
    assert.deepEqual(await run(), [...ALL].sort());
    // Only `other` reads `backend`; its output is identical, so report stays cached.
    assert.deepEqual(await run("--backend", "cpu"), ["other"]);
    assert.deepEqual(await run("--backend", "cpu"), [], "cached under its own key");
    assert.deepEqual(await run(), [], "the default backend's result is kept separately");
    assert.deepEqual(await run("--set", "backend=cpu"), [], "--backend X is --set backend=X");
    toy.write("cpu.yaml", "backend: cpu\n");
    assert.deepEqual(await run("--config", "cpu.yaml"), [], "same key as the config file");
    assert.deepEqual(await run("--config", "cpu.yaml", "--backend=wasm"), ["other"], "--set wins");
    assert.deepEqual(
      await run("--set", "square.mult=2", "--set", "square.mult=1"),
      [],
      "last wins",
    );
    assert.deepEqual(await run("--set", "square.mult=2"), ["report", "square", "sum"]);
    const show = await toy.run(["show", "other", "--json", "--backend", "cpu"]);
    const rec = JSON.parse(show.stdout);
    assert.equal(rec.state, "cached");
    assert.equal(rec.record.backend, "cpu");
    assert.equal(rec.record.params.backend, "cpu");
    const bad = await toy.run(["status", "--backend", "gpu"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /command line \(--set backend=gpu\): backend: .*"auto"/);
    const usage = await toy.run(["status", "--set", "backend"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--set backend: expected PATH=VALUE/);
  } finally {
    toy.cleanup();
  }
});
