/** Runs the project's CLI (`main.ts`) as a user would, on a given store; shared by the tests. */
const root = new URL("../", import.meta.url).pathname;

/** `deno run -A main.ts ARGS` with `SCORE_STORE=store`: exit code and stdout + stderr. */
export async function cli(
  store: string,
  ...args: string[]
): Promise<{ code: number; text: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}main.ts`, ...args],
    cwd: root,
    env: { SCORE_STORE: store, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}
