/**
 * The loading API against the real SCoRe pipeline and engine: a temporary store where only part of
 * the smoke DAG has run (problems, base, rollouts, Stage I, Stage II and SCoRe's evaluation), so
 * the same store has current, stale (under a config overlay) and missing outputs.
 */
import assert from "node:assert/strict";
import {
  evalTraces,
  hasRlMetrics,
  load,
  openExplorer,
  rolloutTraces,
  StageOutputError,
  transitionCounts,
} from "../../explore/mod.ts";

const root = new URL("../../", import.meta.url).pathname;

async function stage(store: string, name: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}main.ts`, "stage", name, "--preset", "smoke"],
    cwd: root,
    env: { SCORE_STORE: store, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert.equal(out.code, 0, dec.decode(out.stdout) + dec.decode(out.stderr));
}

Deno.test("a stage with no output says it is missing and names the exact command that makes it", async () => {
  const store = await Deno.makeTempDir({ prefix: "score-explore-empty-" });
  try {
    const err = await load("report", { preset: "smoke", storeDir: store }).then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof StageOutputError, String(err));
    assert.equal(err.state, "missing");
    assert.equal(err.command, `SCORE_STORE=${store} deno task stage report --preset smoke`);
    assert.match(err.message, /stage "report" has no current output for preset "smoke"/);
    assert.ok(err.message.endsWith(`Make it with: ${err.command}`), err.message);
    await assert.rejects(
      load("stage9@s0", { preset: "smoke", storeDir: store }),
      /unknown stage "stage9@s0"; known stages: problems, base@s0, .*stage2@s0/,
    );
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("current outputs load with typed readers; stale and missing ones say why and how to make them", async (t) => {
  const store = await Deno.makeTempDir({ prefix: "score-explore-" });
  const overlay = `${store}/alpha.yaml`;
  try {
    await stage(store, "eval@score.s0");
    await stage(store, "rollouts@s0");
    const ex = await openExplorer({ preset: "smoke", storeDir: store });

    await t.step("evaluation records, the stage's own metrics and the traces agree", async () => {
      const problems = await (await ex.load("problems")).problems();
      const ev = await ex.load("eval@score.s0");
      assert.equal(ev.record.output.length, 64);
      const records = await ev.evalRecords();
      assert.equal(records.length, problems.test.length);
      const evaluation = await ev.evaluation();
      const counts = transitionCounts(evalTraces(records, problems));
      const c = evaluation.metrics.counts;
      assert.deepEqual(
        [
          counts["wrong→right"],
          counts["right→wrong"],
          counts["right→right"],
          counts["wrong→wrong"],
        ],
        [c.incorrectToCorrect, c.correctToIncorrect, c.correctToCorrect, c.incorrectToIncorrect],
      );
      const scaling = await ev.scaling();
      assert.ok(scaling.length >= 1);
      assert.deepEqual(scaling.map((p) => p.k), [...scaling.map((p) => p.k)].sort((a, b) => a - b));
      const samples = await ev.scalingSamples();
      assert.ok(samples.every((s) => problems.test.some((p) => p.id === s.problemId)));
    });

    await t.step("rollouts join their problems", async () => {
      const problems = await (await ex.load("problems")).problems();
      const rollouts = await (await ex.load("rollouts@s0")).rollouts();
      const traces = rolloutTraces(rollouts, problems);
      assert.equal(traces.length, rollouts.length);
      const answers = new Map(problems.train.concat(problems.test).map((p) => [p.id, p.answer]));
      assert.ok(traces.every((tr) => tr.gold === answers.get(tr.problemId)));
    });

    await t.step(
      "training curves come from each RL stage's metrics; the rest are listed",
      async () => {
        const lines = await (await ex.load("stage2@s0")).metrics();
        assert.ok(hasRlMetrics(lines));
        assert.deepEqual(lines.map((l) => l.step), lines.map((_, i) => i));
        assert.equal(hasRlMetrics(await (await ex.load("base@s0")).metrics()), false);
        const { curves, unavailable } = await ex.trainingCurves();
        assert.deepEqual(curves.map((c) => `${c.stage}@s${c.seed}`), ["stage1@s0", "stage2@s0"]);
        assert.equal(curves[1].points.length, lines.length);
        const naive = unavailable.find((u) => u.stage === "naive_rl@s0");
        assert.ok(naive, JSON.stringify(unavailable));
        assert.match(naive.error, /Make it with: .*deno task stage naive_rl@s0 --preset smoke$/);
      },
    );

    await t.step("a file the stage does not write is a plain error naming the stage", async () => {
      await assert.rejects(
        (await ex.load("base@s0")).evalRecords(),
        /stage "base@s0" has no eval\.jsonl \(its output holds: checkpoint\/, metrics\.jsonl\); eval\.jsonl is written by eval@/,
      );
    });

    await t.step("the report, never run here, is not current", async () => {
      const err = await ex.report().then(() => null, (e) => e);
      assert.ok(err instanceof StageOutputError, String(err));
      assert.match(err.message, /Make it with: .*deno task stage report --preset smoke$/);
      const summaries = await ex.stages();
      const state = new Map(summaries.map((s) => [s.name, s.state]));
      assert.equal(state.get("stage2@s0"), "cached");
      assert.notEqual(state.get("report"), "cached");
      assert.ok(summaries.find((s) => s.name === "stage2@s0")!.path?.startsWith(store));
    });

    await t.step(
      "a param change makes exactly the stages that read it stale, with the reason",
      async () => {
        await Deno.writeTextFile(overlay, "rl: { alpha: 3 }\n");
        const changed = await openExplorer({ preset: "smoke", storeDir: store, config: overlay });
        const err = await changed.load("stage2@s0").then(() => null, (e) => e);
        assert.ok(err instanceof StageOutputError, String(err));
        assert.equal(err.state, "stale");
        assert.match(err.reason, /alpha/);
        assert.equal(
          err.command,
          `SCORE_STORE=${store} deno task stage stage2@s0 --preset smoke --config ${overlay}`,
        );
        const viaSet = await openExplorer({
          preset: "smoke",
          storeDir: store,
          set: ["rl.alpha=3"],
        });
        const err2 = await viaSet.load("stage2@s0").then(() => null, (e) => e);
        assert.ok(err2 instanceof StageOutputError, String(err2));
        assert.match(err2.command, /deno task stage stage2@s0 --preset smoke --set rl\.alpha=3$/);
        // Stage I's objective does not use α: its output is still current under the overlay.
        const s1 = await changed.load("stage1@s0");
        assert.equal(s1.key, (await ex.load("stage1@s0")).key);
      },
    );
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});
