/**
 * The notebooks as files: four Deno-kernel notebooks, each starting with a warm-up cell, saved
 * without outputs, importing only the project's public modules (`../<folder>/mod.ts`), showing
 * plots as raw Vega-Lite bundles, and type-correct against the current project API (the kernel
 * does not type-check, so this is where an API change that breaks a notebook shows up).
 */
import assert from "node:assert/strict";
import { NOTEBOOK_GUIDE } from "../../explore/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const DIR = `${ROOT}/notebooks`;

interface Cell {
  cell_type: string;
  id?: string;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
}
interface Notebook {
  cells: Cell[];
  metadata: { kernelspec?: { name?: string; language?: string } };
  nbformat: number;
  nbformat_minor: number;
}

const text = (s: string | string[]) => (Array.isArray(s) ? s.join("") : s);

async function notebooks(): Promise<[string, Notebook][]> {
  const out: [string, Notebook][] = [];
  for await (const e of Deno.readDir(DIR)) {
    if (e.name.endsWith(".ipynb")) {
      out.push([e.name, JSON.parse(await Deno.readTextFile(`${DIR}/${e.name}`))]);
    }
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

Deno.test("the four notebooks listed in the guide are there, for the Deno kernel, saved without outputs", async () => {
  const nbs = await notebooks();
  assert.deepEqual(nbs.map(([n]) => n), NOTEBOOK_GUIDE.map((g) => g.file));
  for (const [name, nb] of nbs) {
    assert.equal(nb.nbformat, 4, name);
    assert.ok(nb.nbformat_minor >= 5, `${name}: nbformat 4.5+ (cell ids)`);
    assert.equal(nb.metadata.kernelspec?.name, "deno", `${name}: kernel`);
    const ids = nb.cells.map((c) => c.id);
    assert.ok(ids.every((id) => typeof id === "string" && id.length > 0), `${name}: cell ids`);
    assert.equal(new Set(ids).size, ids.length, `${name}: unique cell ids`);
    for (const c of nb.cells.filter((c) => c.cell_type === "code")) {
      assert.deepEqual(c.outputs, [], `${name}: a cell was saved with outputs`);
      assert.equal(c.execution_count, null, `${name}: a cell was saved with an execution count`);
    }
  }
});

Deno.test("each notebook first waits ~300 ms, imports only public project modules, and shows plots as raw Vega-Lite bundles", async () => {
  for (const [name, nb] of await notebooks()) {
    const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => text(c.source));
    assert.match(code[0], /setTimeout\(\w+, 300\)/, `${name}: the first code cell is the warm-up`);
    const all = code.join("\n");
    const specifiers = [...all.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);
    assert.ok(specifiers.length > 0, name);
    for (const s of specifiers) {
      assert.match(s, /^\.\.\/[a-z_]+\/mod\.ts$/, `${name}: imports ${s}, not a folder's mod.ts`);
    }
    const displays = [...all.matchAll(/Deno\.jupyter\.display\(/g)].length;
    const raw = [...all.matchAll(/\{ raw: true \}/g)].length;
    assert.ok(displays > 0 && raw === displays, `${name}: every display is raw`);
    if (name !== "03_rollout_browser.ipynb") {
      assert.match(all, /chartBundle\(/, `${name}: shows at least one Vega-Lite chart`);
    }
  }
});

Deno.test("the notebooks' code type-checks against the current project API", async () => {
  const dir = await Deno.makeTempDir({ prefix: "score-nbcheck-" });
  try {
    const files: string[] = [];
    for (const [name, nb] of await notebooks()) {
      const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => text(c.source))
        .join("\n\n").replaceAll('from "../', `from "file://${ROOT}/`);
      const file = `${dir}/${name.replace(".ipynb", ".ts")}`;
      await Deno.writeTextFile(file, `${code}\n\nexport {};\n`);
      files.push(file);
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--config", `${ROOT}/deno.json`, ...files],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    assert.equal(out.code, 0, dec.decode(out.stdout) + dec.decode(out.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
