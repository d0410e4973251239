/**
 * Remote cache benchmark (`deno task bench:remote [PRESET]`, default smoke). Starts nginx with
 * WebDAV on 127.0.0.1 (as the tests do), computes the preset's whole DAG into an empty store with
 * the remote set (push: auto uploads every stage), then pulls the whole DAG into a second empty
 * store with `reproduce` (no stage runs). Prints both wall times and, last, one JSON line
 * {"preset", "compute_s", "pull_s", "ratio"} (ratio = compute / pull). Needs root (nginx).
 */
import { startNginx } from "../tests/pipeline/servers.ts";

const preset = Deno.args[0] ?? "smoke";
const root = new URL("../", import.meta.url).pathname;

async function reproduce(store: string, url: string): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}main.ts`, "reproduce", "--preset", preset, "--jobs", "2"],
    cwd: root,
    env: { SCORE_STORE: store, SCORE_REMOTE: url, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const s = (performance.now() - t0) / 1000;
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`reproduce failed:\n${text}${new TextDecoder().decode(out.stderr)}`);
  }
  console.error(text.split("\n")[0]);
  return s;
}

const ng = await startNginx();
const tmp = await Deno.makeTempDir({ prefix: "score-bench-remote-" });
try {
  const compute = await reproduce(`${tmp}/compute`, ng.url);
  const pull = await reproduce(`${tmp}/pull`, ng.url);
  console.error(`${preset}: computing ${compute.toFixed(1)} s, pulling ${pull.toFixed(1)} s`);
  console.log(JSON.stringify({
    preset,
    compute_s: Number(compute.toFixed(2)),
    pull_s: Number(pull.toFixed(2)),
    ratio: Number((compute / pull).toFixed(1)),
  }));
} finally {
  await ng.stop();
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  await Deno.remove(ng.root, { recursive: true }).catch(() => {});
}
