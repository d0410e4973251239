/**
 * The real SCoRe DAG: the modules each stage's code digest covers are pinned (a snapshot: an
 * update is a reviewed change), and edits invalidate exactly the stages that run the edited code.
 * Planning only: no stage of the real pipeline runs (their work is stubbed to seed the store).
 */
import assert from "node:assert/strict";
import { stageCode } from "../../pipeline/runner.ts";
import { copyProject, plannedStates, PROJECT_ROOT, scoreSession, seedStore } from "./score_dag.ts";

const SNAPSHOT = new URL("./stage_modules.snapshot.json", import.meta.url);

/** Stage module (relative) → the sorted modules of its code digest, over default and smoke. */
async function stageModules(root: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const preset of ["default", "smoke"]) {
    const store = Deno.makeTempDirSync({ prefix: "score-modules-" });
    try {
      const session = await scoreSession(root, preset, store);
      for (const stage of session.dag.order) {
        const rel = new URL(stage.module).pathname.slice(root.length + 1);
        const mods = Object.keys((await stageCode(session, stage)).modules).sort();
        if (out[rel]) assert.deepEqual(mods, out[rel], `${rel}: one module, one code digest`);
        out[rel] = mods;
      }
    } finally {
      Deno.removeSync(store, { recursive: true });
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

Deno.test("each stage's code digest covers exactly the pinned modules (UPDATE_SNAPSHOT=1 rewrites)", async () => {
  const got = await stageModules(PROJECT_ROOT);
  if (Deno.env.get("UPDATE_SNAPSHOT") === "1") {
    Deno.writeTextFileSync(SNAPSHOT, JSON.stringify(got, null, 2) + "\n");
  }
  const pinned = JSON.parse(Deno.readTextFileSync(SNAPSHOT));
  assert.deepEqual(got, pinned, "a stage's module set changed: review it, then UPDATE_SNAPSHOT=1");
});

Deno.test("no stage's code digest covers the code sandbox, and only report covers the seed aggregation", async () => {
  const got = await stageModules(PROJECT_ROOT);
  for (const [stage, mods] of Object.entries(got)) {
    assert.deepEqual(mods.filter((m) => m.startsWith("verifiers/code/")), [], stage);
    assert.equal(mods.includes("verifiers/mod.ts"), false, stage);
    const aggregation = mods.includes("metrics/aggregate.ts") || mods.includes("metrics/method.ts");
    assert.equal(aggregation, stage === "stages/report.ts", stage);
  }
});

/** Appends a comment to `rel` in the copy at `root`. */
function touchComment(root: string, rel: string): void {
  Deno.writeTextFileSync(`${root}/${rel}`, "\n// an edit that changes nothing it runs\n", {
    append: true,
  });
}

Deno.test("edits on the real DAG: sandbox comments leave all cached; report-only code makes only report stale", async (t) => {
  const root = copyProject();
  try {
    const stores: Record<string, string> = {};
    for (const preset of ["default", "smoke"]) {
      stores[preset] = `${root}/.store-${preset}`;
      await seedStore(root, preset, stores[preset]);
      const states = await plannedStates(root, preset, stores[preset]);
      assert.ok(states.size > 10, `${preset}: the real DAG`);
      assert.deepEqual([...states].filter(([, s]) => s !== "cached"), [], `${preset} seeded`);
    }
    const expectStale = async (what: string, stale: string[]) => {
      for (const preset of ["default", "smoke"]) {
        const states = await plannedStates(root, preset, stores[preset]);
        const got = [...states].filter(([, s]) => s !== "cached").map(([n]) => n);
        assert.deepEqual(got, stale, `${preset} after ${what}`);
      }
    };
    await t.step(
      "a comment in every file under verifiers/code/ leaves every stage cached",
      async () => {
        const files: string[] = [];
        const walk = (rel: string) => {
          for (const e of Deno.readDirSync(`${root}/${rel}`)) {
            if (e.isDirectory) walk(`${rel}/${e.name}`);
            else if (e.name.endsWith(".ts")) files.push(`${rel}/${e.name}`);
          }
        };
        walk("verifiers/code");
        assert.ok(files.length >= 7, files.join(", "));
        for (const f of files) touchComment(root, f);
        await expectStale("verifiers/code/*", []);
      },
    );
    await t.step("a comment in report/html.ts makes only report stale", async () => {
      touchComment(root, "report/html.ts");
      await expectStale("report/html.ts", ["report"]);
    });
    await t.step(
      "a comment in a metrics module only the report uses makes only report stale",
      async () => {
        touchComment(root, "metrics/aggregate.ts");
        await expectStale("metrics/aggregate.ts", ["report"]);
      },
    );
    await t.step(
      "control: a comment in a metrics module evaluation runs makes eval stages stale",
      async () => {
        touchComment(root, "metrics/histogram.ts");
        for (const preset of ["default", "smoke"]) {
          const states = await plannedStates(root, preset, stores[preset]);
          const stale = [...states].filter(([, s]) => s !== "cached").map(([n]) => n);
          assert.ok(
            stale.length > 1 && stale.every((n) => n.startsWith("eval@") || n === "report"),
          );
        }
      },
    );
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("each eval@<method>.sN stage evaluates with seed N (its params carry it)", async () => {
  for (const preset of ["default", "smoke"]) {
    const store = Deno.makeTempDirSync({ prefix: "score-seeds-" });
    try {
      const session = await scoreSession(PROJECT_ROOT, preset, store);
      const evals = session.dag.order.filter((s) => s.family === "eval");
      const seeds = new Set<number>();
      for (const s of evals) {
        const n = Number(/\.s(\d+)$/.exec(s.name)![1]);
        const params = s.params!.parse(s.select(session.loaded.config)) as { seed: number };
        assert.equal(params.seed, n, s.name);
        seeds.add(n);
      }
      if (preset === "default") assert.ok(seeds.size > 1, "the default preset has several seeds");
    } finally {
      Deno.removeSync(store, { recursive: true });
    }
  }
});
