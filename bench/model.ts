/**
 * Model benchmark (`deno task bench:model`): training and KV-cached sampling throughput of the
 * tfjs GPT on wasm (one process, and data-parallel over 1 and 2 Workers), against the PyTorch CPU
 * reference in bench/torch_ref.py (same architecture, sizes, batch, AdamW, KV cache) with 1 and 2
 * threads, plus achieved GFLOP/s against each side's measured 1024² matmul peak. Prints figures
 * and ratios, never pass/fail; the last line is JSON. Its headline ratios compare each side's
 * best configuration on this machine (tfjs: one process or 2 Workers; torch: 1 or 2 threads).
 *
 * Timings are the best of N repetitions on both sides (the machine is shared; the best run is the
 * least disturbed), and are also given per process CPU-second.
 * Flags: --backend wasm|webgpu|cpu (default wasm), --steps N (default 3), --quick (first size
 * only, one repetition of the Hugging Face figures), --part all|gpt|hf (default all: the character
 * GPT sizes, then a 135M-class Hugging Face model against PyTorch, bench/hf_model.ts).
 */
import { parseArgs } from "node:util";
import process from "node:process";
import {
  AdamW,
  gemm,
  GPT,
  type GPTConfigInput,
  Rng,
  sample,
  selectBackend,
  type SupervisedBatch,
  tf,
  trainStep,
  WorkerPool,
} from "../model/mod.ts";
import { benchHfModel } from "./hf_model.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "wasm" },
    steps: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    part: { type: "string", default: "all" },
  },
});
const STEPS = Number(args.steps);
if (!["all", "gpt", "hf"].includes(args.part)) {
  throw new Error(`--part ${JSON.stringify(args.part)}: expected all, gpt or hf`);
}
const B = 32, T = 128, V = 48, NEW = 64, PROMPT = 8, EVAL_ROWS = 256;

const SIZES: { label: string; cfg: GPTConfigInput }[] = [
  { label: "d128_L2", cfg: { vocabSize: V, ctxLen: T + 1, nLayer: 2, nHead: 4, dModel: 128 } },
  { label: "d256_L4", cfg: { vocabSize: V, ctxLen: T + 1, nLayer: 4, nHead: 4, dModel: 256 } },
];

/** FLOPs of one training step (forward ×3): dense layers, attention (full T×T), tied head. */
function trainFlops(d: number, l: number): number {
  const perTokenFwd = 2 * 12 * l * d * d + 2 * 2 * l * T * d + 2 * d * V;
  return 3 * perTokenFwd * B * T;
}

/** Best of 5 timed 1024² products (GFLOP/s) with `mul`. */
async function matmulPeak(mul: (a: tf.Tensor2D) => tf.Tensor): Promise<number> {
  const a = tf.randomNormal([1024, 1024]) as tf.Tensor2D;
  let best = Infinity;
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const c = mul(a);
    await c.data();
    c.dispose();
    if (i > 0) best = Math.min(best, performance.now() - t0);
  }
  a.dispose();
  return (2 * 1024 ** 3) / (best / 1000) / 1e9;
}

function batchOf(seed: number): SupervisedBatch {
  const rng = new Rng(seed);
  const tokens = new Int32Array(B * T).map(() => rng.int(V));
  const mask = new Float32Array(B * T).fill(1);
  for (let r = 0; r < B; r++) mask[r * T] = 0;
  return { kind: "supervised", batch: B, seqLen: T, tokens, mask };
}

/** Process CPU seconds (user + system, all threads including Workers). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Seconds per training step, best of STEPS timed steps (the least disturbed by other
 * processes on a shared machine): wall clock and process CPU time (all threads). */
async function timeTrain(model: GPT, pool?: WorkerPool): Promise<{ wall: number; cpu: number }> {
  const opt = new AdamW({ lr: 1e-3 });
  await trainStep(model, opt, batchOf(0), { parallel: pool }); // warm-up
  let wall = Infinity, cpu = Infinity;
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now(), c0 = cpuSeconds();
    await trainStep(model, opt, batchOf(i + 1), { parallel: pool });
    wall = Math.min(wall, (performance.now() - t0) / 1000);
    cpu = Math.min(cpu, cpuSeconds() - c0);
  }
  opt.dispose();
  return { wall, cpu };
}

/** Sampled tokens per second (best of 4 runs, as many as the torch reference gets: 2 in each of
 * its 2 runs), in this process or over a Worker pool: wall clock and per process CPU second (all
 * threads). */
async function timeSample(
  model: GPT,
  pool?: WorkerPool,
  rows = B,
  hostDecode = true,
): Promise<{ wall: number; cpu: number }> {
  const rng = new Rng(5);
  const prompts = Array.from(
    { length: rows },
    () => Array.from({ length: PROMPT }, () => rng.int(V)),
  );
  const run = (maxNewTokens: number) =>
    pool
      ? pool.sample(model, prompts, { maxNewTokens, seed: 1 })
      : sample(model, prompts, { maxNewTokens, seed: 1, hostDecode });
  await run(8);
  let wall = 0, cpu = 0;
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now(), c0 = cpuSeconds();
    const r = await run(NEW);
    const c = cpuSeconds() - c0;
    const n = r.tokens.reduce((a, x) => a + x.length, 0);
    wall = Math.max(wall, n / ((performance.now() - t0) / 1000));
    cpu = Math.max(cpu, n / c);
  }
  return { wall, cpu };
}

interface TorchResult {
  train_step_ms: number;
  train_tokens_per_s: number;
  sample_tokens_per_s: number;
  train_tokens_per_cpu_s: number;
  sample_tokens_per_cpu_s: number;
  matmul_gflops: number;
}

/** The faster figure of two runs of the reference, metric by metric. */
function bestOf(a: TorchResult, b: TorchResult): TorchResult {
  return {
    train_step_ms: Math.min(a.train_step_ms, b.train_step_ms),
    train_tokens_per_s: Math.max(a.train_tokens_per_s, b.train_tokens_per_s),
    sample_tokens_per_s: Math.max(a.sample_tokens_per_s, b.sample_tokens_per_s),
    train_tokens_per_cpu_s: Math.max(a.train_tokens_per_cpu_s, b.train_tokens_per_cpu_s),
    sample_tokens_per_cpu_s: Math.max(a.sample_tokens_per_cpu_s, b.sample_tokens_per_cpu_s),
    matmul_gflops: Math.max(a.matmul_gflops, b.matmul_gflops),
  };
}

async function torchRef(cfg: GPTConfigInput, threads: number): Promise<TorchResult | null> {
  const script = new URL("./torch_ref.py", import.meta.url).pathname;
  const argv = [cfg.dModel, cfg.nLayer, cfg.nHead, V, T + 1, B, T, STEPS, NEW, threads].map(
    String,
  );
  try {
    const n = String(threads);
    const env = { OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n };
    const out = await new Deno.Command("/usr/bin/python3", { args: [script, ...argv], env })
      .output();
    const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr).slice(-400));
    return JSON.parse(text);
  } catch (e) {
    console.log(
      `PyTorch reference unavailable (${(e as Error).message.split("\n")[0]}); install with ` +
        "`apt-get install -y python3-torch libopenblas0-pthread`",
    );
    return null;
  }
}

const choice = await selectBackend(args.backend as "wasm");
console.log(
  `backend ${choice.backend} (${choice.reason}); B=${B} T=${T} V=${V}, ${STEPS} timed steps`,
);
// The model's products run through gemm (on wasm: the relaxed-SIMD kernel of model/gemm_wat.ts);
// tfjs's own matMul (XNNPACK on wasm) is shown for reference.
const peak = await matmulPeak((a) => gemm(a, a));
const stockPeak = await matmulPeak((a) => tf.matMul(a, a));
console.log(
  `tfjs ${choice.backend} matmul 1024² peak: ${peak.toFixed(1)} GFLOP/s with the model's gemm ` +
    `(tfjs matMul: ${stockPeak.toFixed(1)})`,
);

const summary: Record<string, number | string | null> = { backend: choice.backend };
const gptSizes = args.part === "hf" ? [] : args.quick ? SIZES.slice(0, 1) : SIZES;
for (const { label, cfg } of gptSizes) {
  // The 1-thread reference runs before and after the tfjs figures (best of both), so that a
  // machine whose speed drifts over minutes does not favour either side.
  const torchBefore = await torchRef(cfg, 1);
  const model = new GPT(cfg);
  const flops = trainFlops(cfg.dModel, cfg.nLayer);
  const tr1 = await timeTrain(model);
  const stepS = tr1.wall;
  const trainTps = (B * T) / stepS, trainTpc = (B * T) / tr1.cpu;
  const smp = await timeSample(model);
  const sampleTps = smp.wall;
  let w1 = NaN, w2 = NaN, c1 = NaN, c2 = NaN, s2 = NaN, big1 = NaN, big2 = NaN, ops = NaN;
  if (choice.backend === "wasm") {
    // The same sampling with every cached step as tfjs ops instead of the host decoder.
    ops = (await timeSample(model, undefined, B, false)).wall;
    // 1- and 2-worker pools measured in alternating rounds (best of 2 each), so that both see
    // the same background load on a shared machine.
    const p1 = await WorkerPool.create(model, { workers: 1 });
    const p2 = await WorkerPool.create(model, { workers: 2 });
    w1 = Infinity;
    w2 = Infinity;
    for (let round = 0; round < 2; round++) {
      const a = await timeTrain(model, p1), b = await timeTrain(model, p2);
      if (a.wall < w1) [w1, c1] = [a.wall, a.cpu];
      if (b.wall < w2) [w2, c2] = [b.wall, b.cpu];
    }
    s2 = (await timeSample(model, p2)).wall;
    // The pipeline samples evaluation and rollout prompts in chunks of 256 rows.
    big1 = (await timeSample(model, undefined, EVAL_ROWS)).wall;
    big2 = (await timeSample(model, p2, EVAL_ROWS)).wall;
    p1.close();
    p2.close();
  }
  const nParams = model.numParams();
  model.dispose();
  const torchAfter = torchBefore ? await torchRef(cfg, 1) : null;
  const torch1 = torchBefore && torchAfter ? bestOf(torchBefore, torchAfter) : null;
  const torch2 = torch1 ? await torchRef(cfg, 2) : null;
  const train2w = Number.isNaN(w2) ? 0 : (B * T) / w2;
  const bestTrainTps = Math.max(trainTps, train2w);
  const bestSampleTps = Math.max(sampleTps, Number.isNaN(s2) ? 0 : s2);
  const gflops = flops / stepS / 1e9;
  console.log(
    `\n== ${label}: ${nParams} params, ${(flops / 1e9).toFixed(1)} GFLOP per training step`,
  );
  console.log(
    `tfjs train: ${(stepS * 1e3).toFixed(0)} ms/step (${(tr1.cpu * 1e3).toFixed(0)} ms CPU), ` +
      `${trainTps.toFixed(0)} tok/s, ${gflops.toFixed(2)} GFLOP/s = ` +
      `${((gflops / peak) * 100).toFixed(0)}% of the tfjs matmul peak`,
  );
  if (!Number.isNaN(w2)) {
    console.log(
      `tfjs train via Workers: 1 worker ${(w1 * 1e3).toFixed(0)} ms/step, 2 workers ` +
        `${(w2 * 1e3).toFixed(0)} ms/step → speedup ×${(w1 / w2).toFixed(2)} (2 workers vs 1, ` +
        "best of 2 alternating rounds)",
    );
    // On a shared machine the second worker may get no second core; CPU seconds (all threads)
    // per wall second show how many cores each run actually had, and CPU per step shows the
    // parallel overhead (equal CPU per step = no overhead, so speedup is bounded by free cores).
    console.log(
      `  cores obtained: 1 worker ${(c1 / w1).toFixed(2)}, 2 workers ${(c2 / w2).toFixed(2)}; ` +
        `CPU per step: 1 worker ${(c1 * 1e3).toFixed(0)} ms, 2 workers ${(c2 * 1e3).toFixed(0)} ms`,
    );
  }
  console.log(
    `tfjs sample (KV cache, B=${B}, ${NEW} new): ${sampleTps.toFixed(0)} tok/s in one process ` +
      `(${smp.cpu.toFixed(0)} tok per CPU-s)` +
      (Number.isNaN(s2) ? "" : `, ${s2.toFixed(0)} tok/s over 2 Workers`),
  );
  if (!Number.isNaN(ops)) {
    console.log(
      `  host decoding steps vs tfjs-op steps, one process: ${sampleTps.toFixed(0)} vs ` +
        `${ops.toFixed(0)} tok/s (×${(sampleTps / ops).toFixed(2)})`,
    );
    summary[`${label}_host_decode_speedup`] = +(sampleTps / ops).toFixed(3);
  }
  summary[`${label}_tfjs_train_tok_s`] = Math.round(trainTps);
  summary[`${label}_tfjs_train_2workers_tok_s`] = Number.isNaN(w2) ? null : Math.round(train2w);
  summary[`${label}_worker_speedup_2v1`] = Number.isNaN(w2) ? null : +(w1 / w2).toFixed(3);
  summary[`${label}_worker_cores_obtained_2w`] = Number.isNaN(w2) ? null : +(c2 / w2).toFixed(2);
  summary[`${label}_tfjs_sample_tok_s`] = Math.round(sampleTps);
  summary[`${label}_tfjs_sample_2workers_tok_s`] = Number.isNaN(s2) ? null : Math.round(s2);
  if (!Number.isNaN(big2)) {
    console.log(
      `tfjs sample, ${EVAL_ROWS} rows (an evaluation chunk): ${big1.toFixed(0)} tok/s in one ` +
        `process, ${big2.toFixed(0)} tok/s over 2 Workers (×${(big2 / big1).toFixed(2)})`,
    );
    summary[`${label}_tfjs_sample_${EVAL_ROWS}rows_2workers_speedup`] = +(big2 / big1).toFixed(3);
  }
  summary[`${label}_tfjs_train_gflops`] = +gflops.toFixed(2);
  if (torch1) {
    const torches = [torch1, ...(torch2 ? [torch2] : [])];
    const bestTorchTrain = Math.max(...torches.map((t) => t.train_tokens_per_s));
    const bestTorchSample = Math.max(...torches.map((t) => t.sample_tokens_per_s));
    for (const [n, t] of torches.entries()) {
      const torchGflops = flops / (t.train_step_ms / 1e3) / 1e9;
      console.log(
        `torch (${n + 1} thread${n ? "s" : ""}${n ? "" : ", best of 2 runs"}) train: ${
          t.train_step_ms.toFixed(0)
        } ms/step, ` +
          `${t.train_tokens_per_s.toFixed(0)} tok/s, ${torchGflops.toFixed(2)} GFLOP/s = ` +
          `${((torchGflops / t.matmul_gflops) * 100).toFixed(0)}% of its ` +
          `${t.matmul_gflops.toFixed(0)} GFLOP/s matmul peak; sample ` +
          `${t.sample_tokens_per_s.toFixed(0)} tok/s (${t.sample_tokens_per_cpu_s.toFixed(0)} ` +
          "tok per CPU-s)",
      );
    }
    const tr = trainTps / torch1.train_tokens_per_s, sr = sampleTps / torch1.sample_tokens_per_s;
    const trc = trainTpc / torch1.train_tokens_per_cpu_s;
    const src = smp.cpu / torch1.sample_tokens_per_cpu_s;
    const bestTr = bestTrainTps / bestTorchTrain, bestSr = bestSampleTps / bestTorchSample;
    console.log(
      `ratios tfjs/torch, one process vs 1 thread (wall): train ${tr.toFixed(3)}, sample ` +
        `${sr.toFixed(3)}; per CPU-second: train ${trc.toFixed(3)}, sample ${src.toFixed(3)}`,
    );
    console.log(
      `ratios tfjs/torch, best of each on this machine (tfjs 1 process or 2 Workers, torch 1 or ` +
        `2 threads): train ${bestTr.toFixed(3)}, sample ${bestSr.toFixed(3)}`,
    );
    summary[`${label}_train_ratio_vs_torch`] = +bestTr.toFixed(3);
    summary[`${label}_sample_ratio_vs_torch`] = +bestSr.toFixed(3);
    summary[`${label}_train_ratio_1proc_vs_torch_1thread`] = +tr.toFixed(3);
    summary[`${label}_sample_ratio_1proc_vs_torch_1thread`] = +sr.toFixed(3);
    summary[`${label}_train_ratio_vs_torch_cpu_time`] = +trc.toFixed(3);
    summary[`${label}_sample_ratio_vs_torch_cpu_time`] = +src.toFixed(3);
    summary[`${label}_torch_train_tok_s`] = Math.round(bestTorchTrain);
    summary[`${label}_torch_sample_tok_s`] = Math.round(bestTorchSample);
    summary[`${label}_torch_train_tok_s_by_threads`] = torches
      .map((t) => Math.round(t.train_tokens_per_s)).join("/");
    summary[`${label}_torch_sample_tok_s_by_threads`] = torches
      .map((t) => Math.round(t.sample_tokens_per_s)).join("/");
    summary.torch_matmul_peak_gflops = +torch1.matmul_gflops.toFixed(1);
  }
}
if (args.part !== "gpt") Object.assign(summary, await benchHfModel({ quick: args.quick }));
summary.tfjs_matmul_peak_gflops = +peak.toFixed(1);
summary.tfjs_stock_matmul_peak_gflops = +stockPeak.toFixed(1);
const first = SIZES[0].label;
console.log(JSON.stringify({
  train_ratio_vs_torch: summary[`${first}_train_ratio_vs_torch`] ?? null,
  sample_ratio_vs_torch: summary[`${first}_sample_ratio_vs_torch`] ?? null,
  ...summary,
}));
