/**
 * Engine benchmark (`deno task bench:engine`). Prints figures, never passes or fails on time.
 *
 * 1. No-op `reproduce` on an all-cached DAG (the 5-stage toy pipeline of tests/pipeline) against a
 *    bare `deno run` of an empty script in the same project: medians over interleaved rounds.
 *    Shown for the default path (fast path on) and with SCORE_NO_FAST=1 (full planning).
 * 2. Hash throughput of a 1 GiB output (a directory holding one 1 GiB file, hashed by the store's
 *    tree hasher) against `sha256sum` on the same file, page cache warm for both.
 * Last line: {"noop_ratio": x, "hash_ratio": y} (hash_ratio = our throughput / sha256sum's).
 */
import { hashTree } from "../pipeline/hash_tree.ts";
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

async function noop(): Promise<number> {
  const toy = makeToy();
  try {
    Deno.writeTextFileSync(`${toy.dir}/empty.ts`, "\n");
    const deno = Deno.execPath();
    const env = { TOY_LOG: toy.log, SCORE_STORE: "" };
    const first = await timeCmd(deno, ["run", "-A", "main.ts", "reproduce"], { cwd: toy.dir, env });
    console.log(`first reproduce (runs 5 stages): ${first.ms.toFixed(0)} ms`);
    await new Promise((r) => setTimeout(r, 1100)); // let file digests become cacheable
    for (let i = 0; i < 3; i++) {
      await timeCmd(deno, ["run", "-A", "main.ts", "reproduce"], { cwd: toy.dir, env });
      await timeCmd(deno, ["run", "-A", "empty.ts"], { cwd: toy.dir });
    }
    const empty: { wall: number; cpu: number }[] = [];
    const fast: { wall: number; cpu: number }[] = [];
    const full: { wall: number; cpu: number }[] = [];
    const run = ["run", "-A", "main.ts", "reproduce"];
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate the order so neither side always follows the heavy full-path run.
      const e = () => timeCpu([deno, "run", "-A", "empty.ts"], { cwd: toy.dir });
      const f = () => timeCpu([deno, ...run], { cwd: toy.dir, env });
      let re, rf;
      if (i % 2 === 0) {
        re = await e();
        rf = await f();
      } else {
        rf = await f();
        re = await e();
      }
      if (!rf.stdout.startsWith("reproduce: 0 ran")) throw new Error(`not a no-op: ${rf.stdout}`);
      empty.push(re);
      fast.push(rf);
      full.push(
        await timeCpu([deno, ...run], { cwd: toy.dir, env: { ...env, SCORE_NO_FAST: "1" } }),
      );
    }
    if (toy.takeRuns().length !== 5) throw new Error("a no-op run ran a stage");
    const med = (xs: { wall: number; cpu: number }[], k: "wall" | "cpu") =>
      median(xs.map((x) => x[k]));
    const e = med(empty, "wall");
    const f = med(fast, "wall");
    const u = med(full, "wall");
    console.log(`medians of ${ROUNDS} interleaved rounds (wall / cpu user+sys):`);
    console.log(
      `  deno run empty.ts:                     ${e.toFixed(1)} ms / ${
        med(empty, "cpu").toFixed(1)
      } ms`,
    );
    console.log(
      `  no-op reproduce (fast path, default):  ${f.toFixed(1)} ms / ${
        med(fast, "cpu").toFixed(1)
      } ms` +
        `  ratio ${(f / e).toFixed(2)}x wall, ${
          (med(fast, "cpu") / med(empty, "cpu")).toFixed(2)
        }x cpu`,
    );
    console.log(
      `  no-op reproduce (SCORE_NO_FAST=1):     ${u.toFixed(1)} ms / ${
        med(full, "cpu").toFixed(1)
      } ms` +
        `  ratio ${(u / e).toFixed(2)}x wall, ${
          (med(full, "cpu") / med(empty, "cpu")).toFixed(2)
        }x cpu`,
    );
    const fm = Math.min(...fast.map((x) => x.wall)) / Math.min(...empty.map((x) => x.wall));
    console.log(`  ratio of the fastest runs (least disturbed by other load): ${fm.toFixed(2)}x`);
    return f / e;
  } finally {
    toy.cleanup();
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

const noopRatio = await noop();
const hashRatio = await hashing();
console.log(
  JSON.stringify({
    noop_ratio: Number(noopRatio.toFixed(3)),
    hash_ratio: Number(hashRatio.toFixed(3)),
  }),
);
