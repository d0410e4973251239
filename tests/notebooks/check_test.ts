/**
 * `deno task notebooks:check` end to end, as from a fresh clone: an empty store, so the task runs
 * `reproduce --preset smoke` itself, then executes every notebook with Jupyter and the Deno kernel
 * and must report no cell error. Then a notebook whose cell throws must fail the task, naming the
 * cell and the error.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

async function task(store: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "notebooks:check", ...args],
    cwd: ROOT,
    env: { SCORE_STORE: store, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("notebooks:check reproduces the smoke outputs when missing, runs every notebook, and fails on a cell error", async (t) => {
  const store = await Deno.makeTempDir({ prefix: "score-nb-store-" });
  const outDir = await Deno.makeTempDir({ prefix: "score-nb-out-" });
  try {
    await t.step("every notebook runs against the smoke outputs", async () => {
      const r = await task(store, "--out", outDir);
      assert.equal(r.code, 0, r.text);
      assert.match(r.text, /running deno .*reproduce --preset smoke/);
      assert.match(r.text, /notebooks:check: 4 passed, 0 failed/);
      // The executed copies hold each notebook's tables and Vega-Lite charts.
      for await (const e of Deno.readDir(outDir)) {
        const nb = JSON.parse(await Deno.readTextFile(`${outDir}/${e.name}`));
        const mimes = nb.cells.flatMap((c: { outputs?: { data?: object }[] }) =>
          (c.outputs ?? []).flatMap((o) => Object.keys(o.data ?? {}))
        );
        assert.ok(mimes.includes("text/html"), `${e.name}: no table in the executed notebook`);
        if (e.name !== "03_rollout_browser.ipynb") {
          assert.ok(
            mimes.includes("application/vnd.vegalite.v5+json"),
            `${e.name}: no Vega-Lite chart in the executed notebook`,
          );
        }
      }
    });

    await t.step(
      "a notebook whose cell throws fails the check, naming the cell and error",
      async () => {
        const bad = await Deno.makeTempDir({ prefix: "score-nb-bad-" });
        try {
          const cell = (source: string, id: string) => ({
            cell_type: "code",
            id,
            metadata: {},
            execution_count: null,
            outputs: [],
            source,
          });
          await Deno.writeTextFile(
            `${bad}/broken.ipynb`,
            JSON.stringify({
              cells: [
                cell("await new Promise((r) => setTimeout(r, 300));", "a"),
                cell(
                  "const answer = 41;\nthrow new RangeError(`deliberate failure ${answer}`);",
                  "b",
                ),
                cell("console.log('after the failure');", "c"),
              ],
              metadata: {
                kernelspec: { name: "deno", display_name: "Deno", language: "typescript" },
              },
              nbformat: 4,
              nbformat_minor: 5,
            }),
          );
          const r = await task(store, "--notebooks", bad, "--out", `${bad}/out`);
          assert.equal(r.code, 1, r.text);
          assert.match(r.text, /FAILED {2}.*broken\.ipynb/);
          assert.match(r.text, /cell 1 \(const answer = 41;\): RangeError: deliberate failure 41/);
          assert.match(r.text, /notebooks:check: 0 passed, 1 failed/);
        } finally {
          await Deno.remove(bad, { recursive: true });
        }
      },
    );
  } finally {
    await Deno.remove(store, { recursive: true });
    await Deno.remove(outDir, { recursive: true });
  }
});
