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

const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? "15");

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
    const empty: number[] = [];
    const fast: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      empty.push((await timeCmd(deno, ["run", "-A", "empty.ts"], { cwd: toy.dir })).ms);
      const r = await timeCmd(deno, ["run", "-A", "main.ts", "reproduce"], { cwd: toy.dir, env });
      if (!r.stdout.startsWith("reproduce: 0 ran")) throw new Error(`not a no-op: ${r.stdout}`);
      fast.push(r.ms);
      full.push(
        (await timeCmd(deno, ["run", "-A", "main.ts", "reproduce"], {
          cwd: toy.dir,
          env: { ...env, SCORE_NO_FAST: "1" },
        })).ms,
      );
    }
    if (toy.takeRuns().length !== 5) throw new Error("a no-op run ran a stage");
    const e = median(empty);
    const f = median(fast);
    const u = median(full);
    console.log(`deno run empty.ts (median of ${ROUNDS}):        ${e.toFixed(1)} ms`);
    console.log(
      `no-op reproduce, default (fast path):   ${f.toFixed(1)} ms  ratio ${(f / e).toFixed(2)}x`,
    );
    console.log(
      `no-op reproduce, SCORE_NO_FAST=1 (full): ${u.toFixed(1)} ms  ratio ${(u / e).toFixed(2)}x`,
    );
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
