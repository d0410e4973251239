/**
 * The Hugging Face part of `deno task bench:model`: a 135M-class model of SmolLM2-135M's shape
 * (LlamaForCausalLM, hidden 576, 30 layers, 9 heads, 3 KV heads, intermediate 1536, vocabulary
 * 49,152, tied embeddings, rope_theta 100000) with seeded random weights written to a temporary
 * Hugging Face directory (BF16 safetensors), run by this project's model/hf and by PyTorch
 * (bench/hf_torch_ref.py, float32, with 1 and 2 threads) from the same directory in the same run:
 *
 * - prefill tokens/s: one prompt of {@link PREFILL} tokens (logits of its last position);
 * - KV-cached sampling tokens/s: batches of 1 and 8 prompts of {@link PROMPT} tokens, {@link NEW}
 *   new tokens each at temperature 1 (prompt prefill included, every token's log-probability
 *   taken), through model/hf/generate.ts;
 * - the same batch-1 sampling with the direct x·Wᵀ products (the KV path before row_chunks.ts
 *   swapped them for few rows), to show that change.
 *
 * Timings are the best of a few repetitions on both sides (the machine is shared). The figures
 * go into bench/model.ts's summary under `hf135m_*` keys.
 */
import { generate, loadHfModel, setSwappedProductMaxRows } from "../model/hf/mod.ts";
import { paramTensors } from "../model/hf/params.ts";
import { Rng, tf } from "../model/mod.ts";
import process from "node:process";
import { encodeHfSafetensors, type HfTensorToWrite } from "../model/hf/safetensors.ts";

/** config.json of the benchmarked shape (SmolLM2-135M's). */
export const SMOLLM2_135M_CONFIG = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  vocab_size: 49152,
  hidden_size: 576,
  intermediate_size: 1536,
  num_hidden_layers: 30,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  hidden_act: "silu",
  max_position_embeddings: 8192,
  rms_norm_eps: 1e-5,
  rope_theta: 100000,
  tie_word_embeddings: true,
  bos_token_id: 0,
  eos_token_id: 0,
};

const PREFILL = 128, PROMPT = 16, NEW = 32;
const BATCHES = [1, 8];

/** Fills `out` with uniform values of standard deviation `std` (a fast xorshift stream: the
 * weights only need to be finite and of a realistic scale). */
function fillUniform(out: Float32Array, std: number, seed: number): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const a = std * Math.sqrt(3) / 2 ** 31;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s | 0) * a;
  }
  return out;
}

/** Writes the random model into a new temporary directory; returns it. */
export async function writeBenchModel(): Promise<string> {
  const c = SMOLLM2_135M_CONFIG;
  const d = c.hidden_size, ff = c.intermediate_size, hd = d / c.num_attention_heads;
  const kv = c.num_key_value_heads * hd;
  const tensors: HfTensorToWrite[] = [];
  let seed = 1;
  const add = (name: string, shape: number[], std: number | "ones") => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = std === "ones" ? new Float32Array(n).fill(1) : fillUniform(
      new Float32Array(n),
      std,
      seed++,
    );
    tensors.push({ name, dtype: "BF16", shape, data });
  };
  add("model.embed_tokens.weight", [c.vocab_size, d], 0.02);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}`;
    add(`${p}.input_layernorm.weight`, [d], "ones");
    add(`${p}.self_attn.q_proj.weight`, [d, d], 1 / Math.sqrt(d));
    add(`${p}.self_attn.k_proj.weight`, [kv, d], 1 / Math.sqrt(d));
    add(`${p}.self_attn.v_proj.weight`, [kv, d], 1 / Math.sqrt(d));
    add(`${p}.self_attn.o_proj.weight`, [d, d], 1 / Math.sqrt(d));
    add(`${p}.post_attention_layernorm.weight`, [d], "ones");
    add(`${p}.mlp.gate_proj.weight`, [ff, d], 1 / Math.sqrt(d));
    add(`${p}.mlp.up_proj.weight`, [ff, d], 1 / Math.sqrt(d));
    add(`${p}.mlp.down_proj.weight`, [d, ff], 1 / Math.sqrt(ff));
  }
  add("model.norm.weight", [d], "ones");
  const dir = await Deno.makeTempDir({ prefix: "bench-hf135m-" });
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(c, null, 2));
  await Deno.writeFile(`${dir}/model.safetensors`, encodeHfSafetensors(tensors, { format: "pt" }));
  return dir;
}

/** Process CPU seconds (user + system, all threads). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Fastest wall-clock and process-CPU seconds of `reps` runs of `f`, after `warm`. */
async function best(
  reps: number,
  f: () => Promise<void>,
  warm: () => Promise<void>,
): Promise<{ wall: number; cpu: number }> {
  await warm();
  let wall = Infinity, cpu = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now(), c0 = cpuSeconds();
    await f();
    wall = Math.min(wall, (performance.now() - t0) / 1000);
    cpu = Math.min(cpu, cpuSeconds() - c0);
  }
  return { wall, cpu };
}

interface TorchHf {
  threads: number;
  prefill_tokens_per_s: number;
  prefill_tokens_per_cpu_s: number;
  sample_tokens_per_s: Record<string, number>;
  sample_tokens_per_cpu_s: Record<string, number>;
}

async function torchHf(dir: string, threads: number, reps: number): Promise<TorchHf | null> {
  const script = new URL("./hf_torch_ref.py", import.meta.url).pathname;
  const n = String(threads);
  const args = [script, dir, n, PREFILL, PROMPT, NEW, reps, ...BATCHES].map(String);
  try {
    const out = await new Deno.Command("/usr/bin/python3", {
      args,
      env: { OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n },
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr).slice(-400));
    return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "");
  } catch (e) {
    console.log(
      `PyTorch reference (hf) unavailable (${(e as Error).message.split("\n")[0]}); install ` +
        "with `apt-get install -y python3-torch libopenblas0-pthread`",
    );
    return null;
  }
}

/** One side's figures: tokens/s (wall) and tokens per process CPU-second. */
interface Figures {
  prefill: number;
  prefillCpu: number;
  sample: Record<number, number>;
  sampleCpu: Record<number, number>;
}

const fmt = (x: number) => x >= 100 ? x.toFixed(0) : x.toFixed(1);

function line(who: string, f: Figures): string {
  return `${who}: prefill 1×${PREFILL} ${fmt(f.prefill)} tok/s (${fmt(f.prefillCpu)} per CPU-s); ` +
    `sampling ` +
    BATCHES.map((b) => `B=${b} ${fmt(f.sample[b])} tok/s (${fmt(f.sampleCpu[b])} per CPU-s)`)
      .join(", ");
}

/** Runs the Hugging Face benchmark on the current tfjs backend; prints figures, returns the
 * summary entries (`hf135m_*`). */
export async function benchHfModel(
  opts: { quick: boolean },
): Promise<Record<string, number | string | null>> {
  const reps = opts.quick ? 1 : 2;
  const summary: Record<string, number | string | null> = {};
  const started = performance.now();
  const dir = await writeBenchModel();
  try {
    const writeS = (performance.now() - started) / 1000;
    const t1 = performance.now();
    const model = await loadHfModel(dir);
    const loadS = (performance.now() - t1) / 1000;
    const nParams = paramTensors(model.params).reduce((a, t) => a + t.size, 0);
    console.log(
      `\n== hf135m: SmolLM2-135M shape (LlamaForCausalLM, hidden 576, 30 layers, 9/3 heads, ` +
        `vocab 49,152, tied), random BF16 weights (written in ${writeS.toFixed(1)} s, loaded ` +
        `as float32 in ${loadS.toFixed(1)} s; ${(nParams / 1e6).toFixed(1)}M parameters); ` +
        `sampling: ${PROMPT}-token prompts, ${NEW} new tokens each at T=1 on the KV cache ` +
        `(prompt prefill and log-probs included); best of ${reps}`,
    );
    const rng = new Rng(9);
    const ids = (n: number) => Array.from({ length: n }, () => rng.int(model.vocabSize));
    const tfjs: Figures = { prefill: 0, prefillCpu: 0, sample: {}, sampleCpu: {} };
    let direct = 0;
    try {
      const prompt = ids(PREFILL);
      const prefill = async () => {
        const { logits, cache } = model.prefill([prompt]);
        await logits.data();
        logits.dispose();
        cache.dispose();
      };
      const p = await best(reps, prefill, prefill);
      [tfjs.prefill, tfjs.prefillCpu] = [PREFILL / p.wall, PREFILL / p.cpu];
      const run = (b: number, n: number) => {
        const prompts = Array.from({ length: b }, () => ids(PROMPT));
        return async () => {
          await generate(model, prompts, {
            maxNewTokens: n,
            temperature: 1,
            seed: 1,
            stopTokens: [],
          });
        };
      };
      for (const b of BATCHES) {
        const r = await best(reps, run(b, NEW), run(b, 4));
        [tfjs.sample[b], tfjs.sampleCpu[b]] = [(b * NEW) / r.wall, (b * NEW) / r.cpu];
      }
      // The KV path as it was: every x·Wᵀ in the direct form (no swap for few rows).
      const old = setSwappedProductMaxRows(0);
      try {
        direct = NEW / (await best(1, run(1, NEW), run(1, 2))).wall;
      } finally {
        setSwappedProductMaxRows(old);
      }
    } finally {
      model.dispose();
    }
    console.log(line(`tfjs ${tf.getBackend()} (one process)`, tfjs));
    console.log(
      `  KV path before → after the swapped small-batch products (B=1 sampling): ` +
        `${fmt(direct)} → ${fmt(tfjs.sample[1])} tok/s (×${(tfjs.sample[1] / direct).toFixed(2)})`,
    );
    summary.hf135m_tfjs_prefill_tok_s = +tfjs.prefill.toFixed(1);
    summary.hf135m_tfjs_prefill_tok_per_cpu_s = +tfjs.prefillCpu.toFixed(1);
    for (const b of BATCHES) {
      summary[`hf135m_tfjs_sample_b${b}_tok_s`] = +tfjs.sample[b].toFixed(1);
      summary[`hf135m_tfjs_sample_b${b}_tok_per_cpu_s`] = +tfjs.sampleCpu[b].toFixed(1);
    }
    summary.hf135m_tfjs_sample_b1_direct_products_tok_s = +direct.toFixed(1);

    const torches: TorchHf[] = [];
    for (const threads of [1, 2]) {
      const t = await torchHf(dir, threads, reps);
      if (!t) break;
      torches.push(t);
      console.log(line(`torch ${threads} thread${threads > 1 ? "s" : ""} (float32)`, {
        prefill: t.prefill_tokens_per_s,
        prefillCpu: t.prefill_tokens_per_cpu_s,
        sample: t.sample_tokens_per_s,
        sampleCpu: t.sample_tokens_per_cpu_s,
      }));
    }
    if (torches.length > 0) {
      /** torch's best thread count for a figure, and the ratio tfjs/torch of wall and CPU. */
      const compare = (
        key: string,
        mine: number,
        mineCpu: number,
        f: (t: TorchHf) => number,
        fc: (t: TorchHf) => number,
      ) => {
        const t = torches.reduce((a, x) => (f(x) > f(a) ? x : a));
        summary[`hf135m_torch_${key}_tok_s`] = +f(t).toFixed(1);
        summary[`hf135m_torch_${key}_threads`] = t.threads;
        summary[`hf135m_${key}_ratio_vs_torch`] = +(mine / f(t)).toFixed(3);
        summary[`hf135m_${key}_ratio_vs_torch_cpu_time`] = +(mineCpu / fc(torches[0])).toFixed(3);
        return `${key} ${(mine / f(t)).toFixed(3)} (torch ${t.threads}t; per CPU-s vs 1 thread ` +
          `${(mineCpu / fc(torches[0])).toFixed(3)})`;
      };
      const parts = [
        compare(
          "prefill",
          tfjs.prefill,
          tfjs.prefillCpu,
          (t) => t.prefill_tokens_per_s,
          (t) => t.prefill_tokens_per_cpu_s,
        ),
        ...BATCHES.map((b) =>
          compare(
            `sample_b${b}`,
            tfjs.sample[b],
            tfjs.sampleCpu[b],
            (t) => t.sample_tokens_per_s[b],
            (t) => t.sample_tokens_per_cpu_s[b],
          )
        ),
      ];
      console.log(
        `ratios tfjs/torch (tfjs one process vs torch's best of 1 and 2 threads, wall clock): ` +
          parts.join(", "),
      );
    }
    // ---- LoRA training step: NOT MEASURED YET ---------------------------------------------
    // HfPolicy.lora (model/hf/policy.ts) trains adapters, but this bench does not time its step
    // (one forward + backward + AdamW update on the adapters) nor a PyTorch LoRA step beside it
    // yet; its figure belongs here, under summary.hf135m_lora_train_*. Until then it is null,
    // never estimated.
    console.log("LoRA training step: not measured (no timed step in this bench yet)");
    summary.hf135m_lora_train_tok_s = null;
    console.log(`(hf135m section: ${((performance.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return summary;
}
