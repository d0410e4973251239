/** Runs the project's CLI (`main.ts`) as a user would, on a given store; shared by the tests. */
const root = new URL("../", import.meta.url).pathname;

/** Where and how {@link runMain} runs the CLI. */
export interface RunMainOptions {
  /** SCORE_STORE. */
  store: string;
  /** Working directory (default: the project root). */
  cwd?: string;
  /** Extra environment variables (e.g. SCORE_NO_FAST). */
  env?: Record<string, string>;
  /** Kills the run after this long, so a hang fails the test instead of blocking the suite. */
  timeoutMs?: number;
}

/** `deno run -A --frozen main.ts ARGS`: exit code, stdout, stderr and both together. */
export async function runMain(
  args: string[],
  opts: RunMainOptions,
): Promise<{ code: number; out: string; err: string; text: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", `${root}main.ts`, ...args],
    cwd: opts.cwd ?? root,
    env: { SCORE_STORE: opts.store, NO_COLOR: "1", ...opts.env },
    stdout: "piped",
    stderr: "piped",
    signal: opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs),
  }).output();
  const dec = new TextDecoder();
  const out = dec.decode(r.stdout), err = dec.decode(r.stderr);
  return { code: r.code, out, err, text: out + err };
}

/** `deno run -A main.ts ARGS` with `SCORE_STORE=store`: exit code and stdout + stderr. */
export async function cli(
  store: string,
  ...args: string[]
): Promise<{ code: number; text: string }> {
  const { code, text } = await runMain(args, { store });
  return { code, text };
}
