/**
 * `deno task notebooks` (install the Deno kernel when needed and say how to open the notebooks)
 * and `deno task notebooks:check` (execute every notebook headlessly against a preset's outputs,
 * `smoke` unless told otherwise, running `reproduce` first when they are not all current; fails on
 * any cell error).
 *
 * ```
 * deno run -A explore/notebooks_cli.ts setup
 * deno run -A explore/notebooks_cli.ts check [--preset NAME] [--config FILE] [--out DIR]
 *   [--notebooks DIR]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { openExplorer } from "./load.ts";
import {
  ensureDenoKernel,
  executeNotebook,
  JUPYTER_PACKAGES,
  jupyterProblem,
  listNotebooks,
} from "./jupyter.ts";
import { resolveOptions } from "./options.ts";
import { NOTEBOOK_GUIDE } from "./guide.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const NOTEBOOK_DIR = `${ROOT}/notebooks`;

function setupLines(kernelNote: string): string[] {
  return [
    kernelNote,
    "",
    "Open the notebooks (they read the outputs of the config in $SCORE_PRESET, default " +
    '"default"; run `deno task reproduce` for it first):',
    "  Jupyter:  SCORE_PRESET=smoke jupyter lab notebooks/   (JupyterLab, from pip: renders the",
    "            Vega-Lite charts), or `jupyter notebook notebooks/` (Debian: apt-get install",
    "            jupyter-notebook; the classic Notebook 6 shows charts as their text fallback);",
    "            pick the kernel “Deno” if asked.",
    "  VS Code:  open this folder, open a notebook in notebooks/, “Select Kernel” → " +
    "“Jupyter Kernel…” → “Deno”",
    "            (needs the Jupyter extension; set SCORE_PRESET in the environment VS Code starts" +
    " from,",
    '            or pass { preset: "smoke" } to openExplorer in the first cell).',
    "  Headless: deno task notebooks:check    (executes all of them against the smoke outputs)",
    "",
    "Notebooks:",
    ...NOTEBOOK_GUIDE.map((n) => `  notebooks/${n.file}: ${n.shows}`),
  ];
}

async function setup(): Promise<number> {
  const problem = await jupyterProblem();
  if (problem) {
    for (const l of setupLines(`Jupyter not found: ${problem}`)) console.log(l);
    return 1;
  }
  await ensureDenoKernel();
  for (const l of setupLines("The Deno Jupyter kernel is installed (kernel name: deno).")) {
    console.log(l);
  }
  return 0;
}

async function reproduce(preset: string, config?: string): Promise<number> {
  const args = ["run", "-A", `${ROOT}/main.ts`, "reproduce", "--preset", preset];
  if (config) args.push("--config", config);
  console.log(
    `notebooks:check: outputs are not all current; running deno ${args.slice(2).join(" ")}`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return out.code;
}

async function check(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: "string" },
      config: { type: "string" },
      out: { type: "string" },
      notebooks: { type: "string" },
    },
  });
  const problem = await jupyterProblem();
  if (problem) {
    console.error(`notebooks:check: ${problem}`);
    return 1;
  }
  await ensureDenoKernel();
  const opts = resolveOptions({
    preset: values.preset ?? Deno.env.get("SCORE_PRESET") ?? "smoke",
    config: values.config,
  });
  let ex = await openExplorer(opts);
  const notCurrent = (await ex.stages()).filter((s) => s.state !== "cached");
  if (notCurrent.length) {
    const code = await reproduce(opts.preset, opts.config);
    if (code !== 0) {
      console.error(`notebooks:check: reproduce --preset ${opts.preset} failed (exit ${code})`);
      return 1;
    }
    ex = await openExplorer(opts);
    const still = (await ex.stages()).filter((s) => s.state !== "cached");
    if (still.length) {
      console.error(
        `notebooks:check: still not current after reproduce: ${
          still.map((s) => `${s.name} (${s.state}: ${s.reason})`).join("; ")
        }`,
      );
      return 1;
    }
  }
  const outDir = values.out ?? await Deno.makeTempDir({ prefix: "score-notebooks-" });
  await Deno.mkdir(outDir, { recursive: true });
  const env: Record<string, string> = { SCORE_PRESET: opts.preset, SCORE_STORE: ex.storeDir };
  if (opts.config) env.SCORE_CONFIG = opts.config;
  const dir = values.notebooks ?? NOTEBOOK_DIR;
  const notebooks = await listNotebooks(dir);
  if (notebooks.length === 0) {
    console.error(`notebooks:check: no .ipynb in ${dir}`);
    return 1;
  }
  console.log(
    `notebooks:check: ${notebooks.length} notebooks, preset "${opts.preset}", store ${ex.storeDir}`,
  );
  let failed = 0;
  for (const nb of notebooks) {
    const r = await executeNotebook(nb, { outDir, env });
    const rel = nb.startsWith(`${ROOT}/`) ? nb.slice(ROOT.length + 1) : nb;
    if (r.ok) {
      console.log(`  ok      ${rel}  (${r.seconds.toFixed(1)} s)`);
      continue;
    }
    failed++;
    console.log(`  FAILED  ${rel}  (${r.seconds.toFixed(1)} s)`);
    for (const e of r.errors) {
      console.log(`    cell ${e.cell} (${e.source.slice(0, 60)}): ${e.ename}: ${e.evalue}`);
    }
    if (r.errors.length === 0) console.log(r.log.replace(/^/gm, "    "));
  }
  console.log(`executed notebooks (with outputs): ${outDir}`);
  console.log(`notebooks:check: ${notebooks.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

if (import.meta.main) {
  const [cmd, ...rest] = Deno.args;
  let code: number;
  if (cmd === "setup") code = await setup();
  else if (cmd === "check") code = await check(rest);
  else {
    console.error(
      "usage: notebooks_cli.ts setup | check [--preset NAME] [--config FILE] [--out DIR] " +
        "[--notebooks DIR]\n" +
        `(needs Debian packages ${JUPYTER_PACKAGES.join(", ")})`,
    );
    code = 2;
  }
  Deno.exit(code);
}
