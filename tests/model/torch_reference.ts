/**
 * The float64 PyTorch reference (`hf_reference.py`, under Debian's `/usr/bin/python3` with
 * python3-torch) run on one request: the tiny models' directories and what to compute for each.
 * A failure says whether torch itself is missing (and how to install it) or the script failed.
 */

/** The interpreter that has Debian's torch and numpy (the first `python3` on PATH may not). */
export const PYTHON = "/usr/bin/python3";
const REFERENCE = new URL("./hf_reference.py", import.meta.url).pathname;
const TORCH_HINT = `the PyTorch reference needs ${PYTHON} with torch and numpy: install ` +
  "python3-torch (`apt-get install -y python3-torch libopenblas0-pthread`, as tools/setup.sh does)";

/** Runs hf_reference.py on `{models}` and returns its results, one per model, in order. */
export async function torchReference<R>(models: unknown[]): Promise<R[]> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(PYTHON, {
      args: [REFERENCE],
      env: { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    throw new Error(`${TORCH_HINT} (${(e as Error).message})`);
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify({ models })));
  await writer.close();
  const out = await child.output();
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr);
    const missing = /No module named '(torch|numpy)'/.test(stderr);
    throw new Error(
      missing
        ? `${TORCH_HINT}:\n${stderr.slice(-400)}`
        : `hf_reference.py failed:\n${stderr.slice(-2000)}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)).results as R[];
}
