/**
 * Running the project's notebooks with Jupyter and the Deno kernel: checks that Jupyter is there,
 * installs the kernel (`deno jupyter --install`), and executes a notebook headlessly with
 * `jupyter nbconvert --to notebook --execute`, collecting every cell error.
 */

/** Debian packages that give `jupyter nbconvert` and the kernel client. */
export const JUPYTER_PACKAGES = ["jupyter-nbconvert", "jupyter-client"] as const;

/** Output of a finished command. */
interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], env?: Record<string, string>): Promise<Ran> {
  try {
    const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" })
      .output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { code: 127, stdout: "", stderr: `${cmd}: not found` };
    }
    throw e;
  }
}

/** Quiets debugpy's frozen-modules warnings that Debian's Python prints on every Jupyter call. */
const QUIET = { PYDEVD_DISABLE_FILE_VALIDATION: "1" };

/**
 * Null when `jupyter nbconvert` can run; otherwise what is missing and the command that installs it.
 */
export async function jupyterProblem(): Promise<string | null> {
  const r = await run("jupyter", ["nbconvert", "--version"], QUIET);
  if (r.code === 0) return null;
  return `jupyter nbconvert is not available (${
    (r.stderr.trim().split("\n").pop() ?? "").slice(0, 200)
  }); install it with: apt-get install ${JUPYTER_PACKAGES.join(" ")}`;
}

/** Whether Jupyter knows a kernel named "deno". */
export async function denoKernelInstalled(): Promise<boolean> {
  const r = await run("jupyter", ["kernelspec", "list", "--json"], QUIET);
  if (r.code !== 0) return false;
  try {
    const specs = JSON.parse(r.stdout).kernelspecs ?? {};
    return "deno" in specs;
  } catch {
    return false;
  }
}

/** Installs the Deno kernelspec for the current user (`deno jupyter --install`) when missing. */
export async function ensureDenoKernel(log: (line: string) => void = console.log): Promise<void> {
  if (await denoKernelInstalled()) return;
  log(`installing the Deno Jupyter kernel: ${Deno.execPath()} jupyter --install`);
  const r = await run(Deno.execPath(), ["jupyter", "--install"]);
  if (r.code !== 0 || !(await denoKernelInstalled())) {
    throw new Error(
      `deno jupyter --install failed (exit ${r.code}): ${(r.stdout + r.stderr).trim()}`,
    );
  }
}

/** The .ipynb files of a directory, sorted by name. */
export async function listNotebooks(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".ipynb")) out.push(`${dir}/${e.name}`);
  }
  return out.sort();
}

/** One error output of an executed notebook. */
export interface CellError {
  /** 0-based index of the cell in the notebook. */
  cell: number;
  /** The first line of the cell's source, to find it. */
  source: string;
  ename: string;
  evalue: string;
}

interface NbCell {
  cell_type: string;
  source?: string | string[];
  outputs?: { output_type: string; ename?: string; evalue?: string }[];
}

const text = (s: string | string[] | undefined) => Array.isArray(s) ? s.join("") : (s ?? "");

/** Strips ANSI colour codes (the Deno kernel colours error values unless NO_COLOR is set). */
export function stripAnsi(s: string): string {
  // deno-lint-ignore no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}

/** Every error output of a notebook (nbformat 4 JSON), in cell order. */
export function notebookErrors(nb: unknown): CellError[] {
  const cells = (nb as { cells?: NbCell[] } | null)?.cells;
  if (!Array.isArray(cells)) throw new Error("not a notebook: no cells array");
  const errors: CellError[] = [];
  cells.forEach((c, i) => {
    for (const o of c.outputs ?? []) {
      if (o.output_type === "error") {
        errors.push({
          cell: i,
          source: text(c.source).split("\n").find((l) => l.trim() !== "") ?? "",
          ename: stripAnsi(o.ename ?? ""),
          evalue: stripAnsi(o.evalue ?? ""),
        });
      }
    }
  });
  return errors;
}

/** The result of executing one notebook. */
export interface NotebookRun {
  notebook: string;
  /** The executed copy (with outputs), when nbconvert wrote one. */
  executed: string | null;
  ok: boolean;
  errors: CellError[];
  /** nbconvert's exit code and the tail of its output, for failures outside cells. */
  exitCode: number;
  log: string;
  seconds: number;
}

/**
 * Executes a notebook with the Deno kernel into `outDir` (the source stays untouched). Errors in
 * cells are collected (nbconvert runs with --allow-errors, so every failing cell is reported);
 * `ok` is false on any cell error or when nbconvert itself fails.
 */
export async function executeNotebook(
  notebook: string,
  opts: { outDir: string; env?: Record<string, string>; timeoutS?: number },
): Promise<NotebookRun> {
  const name = notebook.split("/").pop()!;
  const executed = `${opts.outDir}/${name}`;
  const t0 = performance.now();
  const r = await run("jupyter", [
    "nbconvert",
    "--to",
    "notebook",
    "--execute",
    "--allow-errors",
    "--ExecutePreprocessor.kernel_name=deno",
    `--ExecutePreprocessor.timeout=${opts.timeoutS ?? 300}`,
    "--output-dir",
    opts.outDir,
    "--output",
    name,
    notebook,
  ], { NO_COLOR: "1", ...QUIET, ...opts.env });
  const seconds = (performance.now() - t0) / 1000;
  let errors: CellError[] = [];
  let wrote = false;
  if (r.code === 0) {
    try {
      errors = notebookErrors(JSON.parse(await Deno.readTextFile(executed)));
      wrote = true;
    } catch (e) {
      errors = [{ cell: -1, source: "", ename: "ReadError", evalue: String(e) }];
    }
  }
  const log = (r.stdout + r.stderr).trim().split("\n").slice(-30).join("\n");
  return {
    notebook,
    executed: wrote ? executed : null,
    ok: r.code === 0 && wrote && errors.length === 0,
    errors,
    exitCode: r.code,
    log,
    seconds,
  };
}
