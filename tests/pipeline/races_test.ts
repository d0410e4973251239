/**
 * Races and blind spots of the engine, each reproduced on the toy project: what the no-op fast
 * path must see (environment, store directory), gc during a run, truncated writes, a source
 * edited while its stage runs.
 */
import assert from "node:assert/strict";
import { count, drain, makeToy, waitFor } from "./toy_project.ts";

const OTHER_FROM_ENV = `import { z } from "zod";
import { defineStage } from "${new URL("../../pipeline/mod.ts", import.meta.url).href}";
import { toyHooks } from "../hooks.ts";
export const other = defineStage({
  name: "other",
  module: import.meta.url,
  params: z.object({ other: z.object({ x: z.string() }), backend: z.string() }),
  select: (c) => ({
    other: { x: Deno.env.get("TOY_X") ?? (c.other as { x: string }).x },
    backend: c.backend,
  }),
  async run(ctx) {
    await toyHooks(ctx, "other");
    await Deno.writeTextFile(ctx.outDir + "/x.txt", ctx.params.other.x);
  },
});
`;

Deno.test("the no-op fast path sees an environment variable a stage's params come from", async () => {
  const toy = makeToy();
  try {
    toy.write("stages/other.ts", OTHER_FROM_ENV);
    assert.equal((await toy.run(["reproduce"], { TOY_X: "a" })).code, 0);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await toy.run(["reproduce"], { TOY_X: "a" })).code, 0);
    toy.takeRuns();
    const same = await toy.run(["reproduce"], { TOY_X: "a" });
    assert.match(same.stdout, /0 ran, 5 cached/);
    assert.deepEqual(toy.takeRuns(), []);
    const changed = await toy.run(["reproduce"], { TOY_X: "b" });
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /reproduce: 2 ran, 3 cached/, "not a false all-cached");
    assert.deepEqual(toy.takeRuns(), ["other", "report"]);
  } finally {
    toy.cleanup();
  }
});

Deno.test("the no-op fast path sees a SCORE_* variable that changes the DAG", async () => {
  const toy = makeToy();
  try {
    toy.write(
      "pipeline.ts",
      toy.read("pipeline.ts").replace(
        "stages: () => [gen, square, sum, other, report],",
        'stages: () => Deno.env.get("SCORE_TOY_SHORT") ? [gen, square] : [gen, square, sum, other, report],',
      ),
    );
    assert.equal((await toy.run(["reproduce"], { SCORE_TOY_SHORT: "1" })).code, 0);
    await new Promise((r) => setTimeout(r, 1100));
    assert.match(
      (await toy.run(["reproduce"], { SCORE_TOY_SHORT: "1" })).stdout,
      /0 ran, 2 cached/,
    );
    const full = await toy.run(["reproduce"]);
    assert.equal(full.code, 0, full.stderr);
    assert.match(full.stdout, /reproduce: 3 ran, 2 cached/);
  } finally {
    toy.cleanup();
  }
});

Deno.test("a copied store does not answer for the original through the fast path", async () => {
  const toy = makeToy();
  try {
    assert.equal((await toy.run(["reproduce"])).code, 0);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await toy.run(["reproduce"])).code, 0);
    const copy = `${toy.dir}/copy`;
    const cp = await new Deno.Command("cp", { args: ["-r", toy.store, copy] }).output();
    assert.equal(cp.code, 0);
    await new Deno.Command("chmod", { args: ["-R", "u+w", `${copy}/objects`] }).output();
    Deno.removeSync(`${copy}/objects`, { recursive: true });
    Deno.mkdirSync(`${copy}/objects`);
    toy.takeRuns();
    const r = await toy.run(["reproduce"], { SCORE_STORE: copy });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /reproduce: 5 ran, 0 cached \(store copy\)/);
    assert.equal(toy.takeRuns().length, 5);
  } finally {
    toy.cleanup();
  }
});

Deno.test("gc while a stage sits between its commit and its record removes nothing it needs", async () => {
  const toy = makeToy();
  try {
    const marker = `${toy.dir}/paused`;
    const resume = `${toy.dir}/resume`;
    const child = toy.spawn(["reproduce"], {
      SCORE_TEST_PAUSE_AT: "before-record",
      SCORE_TEST_PAUSE_FILE: marker,
      SCORE_TEST_RESUME_FILE: resume,
    });
    await waitFor(marker, child);
    const gc = await toy.run(["gc"]);
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(gc.stdout, /gc: removed 0 unreferenced object/);
    Deno.writeTextFileSync(resume, "");
    const r = await drain(child);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(toy.takeRuns(), ["gen", "square", "sum", "other", "report"], "each ran once");
    const v = await toy.run(["verify"]);
    assert.equal(v.code, 0, v.stdout);
    assert.match(v.stdout, /0 corrupt, 0 missing/);
  } finally {
    toy.cleanup();
  }
});

Deno.test("a module edited while its stage runs: the output is not recorded under the old code's key", async () => {
  const toy = makeToy();
  try {
    const marker = `${toy.dir}/paused`;
    const resume = `${toy.dir}/resume`;
    const child = toy.spawn(["reproduce"], {
      SCORE_TEST_PAUSE_AT: "stage:start",
      SCORE_TEST_PAUSE_FILE: marker,
      SCORE_TEST_RESUME_FILE: resume,
    });
    await waitFor(marker, child); // gen is planned, its lazily imported lazy.ts not loaded yet
    toy.write("lazy.ts", toy.read("lazy.ts").replace('"count "', '"n = "'));
    Deno.writeTextFileSync(resume, "");
    const r = await drain(child);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /stage "gen" failed: its code changed while it ran \(module lazy\.ts changed\)/,
    );
    assert.equal(count(`${toy.store}/records`), 0, "nothing recorded under the planned key");
    const again = await toy.run(["reproduce"]);
    assert.equal(again.code, 0, again.stderr);
    const lazySha = Array.from(
      new Uint8Array(
        await crypto.subtle.digest("SHA-256", Deno.readFileSync(`${toy.dir}/lazy.ts`)),
      ),
    ).map((b) => b.toString(16).padStart(2, "0")).join("");
    for (const e of Deno.readDirSync(`${toy.store}/records`)) {
      const rec = JSON.parse(Deno.readTextFileSync(`${toy.store}/records/${e.name}`));
      if ("lazy.ts" in rec.code.modules) assert.equal(rec.code.modules["lazy.ts"], lazySha);
    }
  } finally {
    toy.cleanup();
  }
});
