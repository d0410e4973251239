/**
 * Engine benchmark (`deno task bench:engine`). Prints figures, never passes or fails on time.
 *
 * 1. No-op `reproduce` on an all-cached DAG against a bare `deno run` of an empty script started in
 *    the same directory: medians over interleaved rounds, wall clock and CPU (user+sys), for the
 *    default path (fast path on) and with SCORE_NO_FAST=1 (full planning). Two DAGs: the 5-stage
 *    toy pipeline of tests/pipeline, and the project's own DAG on the smoke preset (run once into
 *    a temporary store first; BENCH_SKIP_PROJECT=1 skips it). noop_ratio is the project's figure
 *    when measured, else the toy's.
 * 2. `status` on the project's default DAG (every stage planned and cached: a temporary store seeded
 *    with the real keys by stub stages, see tests/pipeline/score_dag.ts; no real stage runs), the
 *    median wall clock of BENCH_STATUS_ROUNDS (7) runs.
 * 3. Hash throughput of a 1 GiB output (a directory holding one 1 GiB file, hashed by the store's
 *    tree hasher) against `sha256sum` on the same file, page cache warm for both.
 * Last line: {"noop_ratio": x, "hash_ratio": y, "status_default_ms": z} (hash_ratio = our
 * throughput / sha256sum's; status_default_ms is null when BENCH_SKIP_PROJECT is set).
 */
import { hashTree } from "../pipeline/hash_tree.ts";
import { seedStore } from "../tests/pipeline/score_dag.ts";
import { makeToy } from "../tests/pipeline/toy_project.ts";

const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? "21");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timeCmd(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
) {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, { args, ...opts, stdout: "piped", stderr: "piped" })
    .output();
  const ms = performance.now() - t0;
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return { ms, stdout: new TextDecoder().decode(out.stdout) };
}

/** Wall and CPU (user+sys) milliseconds of one command, measured by bash's `time`. */
async function timeCpu(
  argv: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<{ wall: number; cpu: number; stdout: string }> {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const script = `TIMEFORMAT='%R %U %S'; { time ${quoted} >"$OUTF" 2>/dev/null ; } 2>&1`;
  const outFile = Deno.makeTempFileSync();
  try {
    const out = await new Deno.Command("bash", {
      args: ["-c", script],
      cwd: opts.cwd,
      env: { ...opts.env, OUTF: outFile },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const [r, u, sy] = new TextDecoder().decode(out.stdout).trim().split(/\s+/).map(Number);
    return { wall: r * 1000, cpu: (u + sy) * 1000, stdout: Deno.readTextFileSync(outFile) };
  } finally {
    Deno.removeSync(outFile);
  }
}

type Timing = { wall: number; cpu: number };

/**
 * Interleaved rounds of `deno run empty.ts` and a no-op `reproduce` (fast path on, and off), both
 * started in `cwd` so the same deno.json is found. Returns the ratio of medians (wall clock).
 */
async function measureNoop(
  label: string,
  cwd: string,
  reproduce: string[],
  env: Record<string, string>,
): Promise<number> {
  const deno = Deno.execPath();
  const tmp = Deno.makeTempDirSync({ prefix: "score-bench-" });
  try {
    const emptyScript = `${tmp}/empty.ts`;
    Deno.writeTextFileSync(emptyScript, "\n");
    const run = [deno, "run", "-A", ...reproduce];
    const check = await timeCpu(run, { cwd, env });
    if (!check.stdout.startsWith("reproduce: 0 ran")) {
      throw new Error(`${label}: not an all-cached DAG: ${check.stdout.split("\n")[0]}`);
    }
    for (let i = 0; i < 3; i++) {
      await timeCpu(run, { cwd, env });
      await timeCpu([deno, "run", "-A", emptyScript], { cwd });
    }
    const empty: Timing[] = [];
    const fast: Timing[] = [];
    const full: Timing[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate the order so neither side always follows the heavy full-path run.
      const e = () => timeCpu([deno, "run", "-A", emptyScript], { cwd });
      const f = () => timeCpu(run, { cwd, env });
      if (i % 2 === 0) {
        empty.push(await e());
        fast.push(await f());
      } else {
        fast.push(await f());
        empty.push(await e());
      }
      full.push(await timeCpu(run, { cwd, env: { ...env, SCORE_NO_FAST: "1" } }));
    }
    const med = (xs: Timing[], k: keyof Timing) => median(xs.map((x) => x[k]));
    const line = (name: string, xs: Timing[]) =>
      `  ${name.padEnd(38)} ${med(xs, "wall").toFixed(1).padStart(6)} ms wall ${
        med(xs, "cpu").toFixed(1).padStart(6)
      } ms cpu   ratio ${(med(xs, "wall") / med(empty, "wall")).toFixed(2)}x wall, ${
        (med(xs, "cpu") / med(empty, "cpu")).toFixed(2)
      }x cpu`;
    console.log(`${label}: medians of ${ROUNDS} interleaved rounds`);
    console.log(line("deno run empty.ts", empty));
    console.log(line("no-op reproduce (default, fast path)", fast));
    console.log(line("no-op reproduce (SCORE_NO_FAST=1)", full));
    const fm = Math.min(...fast.map((x) => x.wall)) / Math.min(...empty.map((x) => x.wall));
    console.log(
      `  fastest no-op / fastest empty (least disturbed by other load): ${fm.toFixed(2)}x`,
    );
    return med(fast, "wall") / med(empty, "wall");
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
}

/** The 5-stage toy pipeline of tests/pipeline. */
async function noopToy(): Promise<number> {
  const toy = makeToy();
  try {
    const env = { TOY_LOG: toy.log, SCORE_STORE: "" };
    const first = await timeCmd(Deno.execPath(), ["run", "-A", "main.ts", "reproduce"], {
      cwd: toy.dir,
      env,
    });
    console.log(`toy DAG: first reproduce (runs 5 stages) ${first.ms.toFixed(0)} ms`);
    await new Promise((r) => setTimeout(r, 1100)); // let file stats become trustworthy
    await timeCmd(Deno.execPath(), ["run", "-A", "main.ts", "reproduce"], { cwd: toy.dir, env });
    const r = await measureNoop("toy DAG (5 stages)", toy.dir, ["main.ts", "reproduce"], env);
    if (toy.takeRuns().length !== 5) throw new Error("a no-op run ran a stage");
    return r;
  } finally {
    toy.cleanup();
  }
}

/** The project's own DAG on the smoke preset, in a temporary store. */
async function noopProject(): Promise<number | null> {
  const root = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
  try {
    Deno.statSync(`${root}/main.ts`);
    Deno.statSync(`${root}/stages/mod.ts`);
  } catch {
    console.log("project DAG: main.ts or stages/mod.ts missing, skipped");
    return null;
  }
  const store = Deno.makeTempDirSync({ prefix: "score-bench-store-" });
  try {
    const env = { SCORE_STORE: store };
    const argv = ["main.ts", "reproduce", "--preset", "smoke"];
    const first = await timeCmd(Deno.execPath(), ["run", "-A", ...argv], { cwd: root, env });
    console.log(`project DAG: first reproduce --preset smoke ${(first.ms / 1000).toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, 1100));
    await timeCmd(Deno.execPath(), ["run", "-A", ...argv], { cwd: root, env });
    return await measureNoop("project DAG (smoke preset)", root, argv, env);
  } finally {
    Deno.removeSync(store, { recursive: true });
  }
}

/** Median wall ms of `status` on the default DAG, all of it cached (stub-seeded store). */
async function statusDefault(): Promise<number> {
  const root = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
  const store = Deno.makeTempDirSync({ prefix: "score-bench-status-" });
  try {
    await seedStore(root, "default", store);
    const env = { SCORE_STORE: store };
    const argv = [Deno.execPath(), "run", "-A", "main.ts", "status", "--preset", "default"];
    const check = await timeCpu(argv, { cwd: root, env });
    const lines = check.stdout.trim().split("\n");
    if (lines.some((l) => !l.startsWith("cached"))) {
      throw new Error(`status on the seeded default DAG: not all cached:\n${check.stdout}`);
    }
    const rounds = Number(Deno.env.get("BENCH_STATUS_ROUNDS") ?? "7");
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t = await timeCpu(argv, { cwd: root, env });
      wall.push(t.wall);
      cpu.push(t.cpu);
    }
    console.log(
      `status on the default DAG (${lines.length} stages, all cached): median of ${rounds} ` +
        `${median(wall).toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms cpu`,
    );
    return median(wall);
  } finally {
    Deno.removeSync(store, { recursive: true });
  }
}

async function hashing(): Promise<number> {
  const dir = Deno.makeTempDirSync({ prefix: "score-hash-" });
  const file = `${dir}/big.bin`;
  try {
    const chunk = new Uint8Array(8 << 20);
    for (let o = 0; o < chunk.length; o += 65536) {
      crypto.getRandomValues(chunk.subarray(o, o + 65536));
    }
    const f = Deno.openSync(file, { write: true, create: true });
    for (let i = 0; i < 128; i++) {
      chunk[0] = i; // no two chunks identical
      let off = 0;
      while (off < chunk.length) off += f.writeSync(chunk.subarray(off));
    }
    f.close();
    const gib = 1;
    await timeCmd("sha256sum", [file]); // warm the page cache
    const ref: number[] = [];
    const ours: number[] = [];
    let refHex = "";
    let ourHex = "";
    for (let i = 0; i < 3; i++) {
      const r = await timeCmd("sha256sum", [file]);
      ref.push(r.ms);
      refHex = r.stdout.split(" ")[0];
      const t0 = performance.now();
      const t = await hashTree(dir);
      ours.push(performance.now() - t0);
      ourHex = t.files[0].sha256;
    }
    if (refHex !== ourHex) throw new Error(`digest mismatch: ${refHex} vs ${ourHex}`);
    const r = Math.min(...ref);
    const o = Math.min(...ours);
    console.log(
      `sha256sum 1 GiB (best of 3):   ${r.toFixed(0)} ms  ${
        (gib * 1024 / (r / 1000)).toFixed(0)
      } MiB/s`,
    );
    console.log(
      `engine hashTree 1 GiB (best of 3): ${o.toFixed(0)} ms  ${
        (gib * 1024 / (o / 1000)).toFixed(0)
      } MiB/s  ratio ${(r / o).toFixed(2)}x`,
    );
    return r / o;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const toyRatio = await noopToy();
const projectRatio = Deno.env.get("BENCH_SKIP_PROJECT") ? null : await noopProject();
const noopRatio = projectRatio ?? toyRatio;
console.log(
  `noop_ratio below: ${projectRatio === null ? "toy DAG" : "project DAG (smoke)"}, median wall`,
);
const statusMs = Deno.env.get("BENCH_SKIP_PROJECT") ? null : await statusDefault();
const hashRatio = await hashing();
console.log(
  JSON.stringify({
    noop_ratio: Number(noopRatio.toFixed(3)),
    hash_ratio: Number(hashRatio.toFixed(3)),
    status_default_ms: statusMs === null ? null : Math.round(statusMs),
  }),
);
