/**
 * Shared setup of the LoRA and training tests: the tiny HF fixture models on disk (each with a
 * stand-in tokenizer.json, to check that exports copy it), every projection name of each family,
 * seeded token batches, and adapters set to random values (a new adapter's B is zero).
 */
import { Rng, selectBackend, tf } from "../../model/mod.ts";
import type { HfModelConfig, HfPolicy } from "../../model/hf/mod.ts";
import { writeTinyModels } from "./hf_fixtures.ts";

/** Every projection of each family, as LoRA targets. */
export const ALL_TARGETS: Record<HfModelConfig["family"], string[]> = {
  gpt2: ["c_attn", "c_proj", "c_fc"],
  llama: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
  qwen2: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
  qwen3: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
};

/** The stand-in tokenizer.json written into every fixture directory. */
export const TOKENIZER_JSON = '{"version": "1.0", "model": {"type": "stand-in"}}\n';

let dirs: Promise<Map<string, string>> | null = null;

/** The fixture models written once per test file (removed at exit), on the wasm backend. */
export function fixtureDirs(): Promise<Map<string, string>> {
  dirs ??= (async () => {
    await selectBackend("wasm");
    const { root, dirs } = await writeTinyModels();
    globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
    for (const dir of dirs.values()) {
      await Deno.writeTextFile(`${dir}/tokenizer.json`, TOKENIZER_JSON);
    }
    return dirs;
  })();
  return dirs;
}

/** A seeded batch: ids [B][T], next-token targets, and a mask with a few zeros. */
export function tokenBatch(
  vocab: number,
  seed: number,
  b = 2,
  t = 7,
): { ids: number[][]; targets: number[][]; mask: number[][] } {
  const rng = new Rng(seed);
  const seqs = Array.from({ length: b }, () => Array.from({ length: t + 1 }, () => rng.int(vocab)));
  return {
    ids: seqs.map((s) => s.slice(0, t)),
    targets: seqs.map((s) => s.slice(1)),
    mask: seqs.map((_, r) => Array.from({ length: t }, (_, j) => (j < r + 1 ? 0 : 1))),
  };
}

/** Sets every trained variable of a LoRA policy to seeded N(0, std²) values. */
export function randomizeAdapter(policy: HfPolicy, seed: number, std = 0.3): void {
  const rng = new Rng(seed);
  for (const v of policy.variables.values()) {
    const t = tf.tensor(Float32Array.from({ length: v.size }, () => std * rng.normal()), v.shape);
    v.assign(t);
    t.dispose();
  }
}

/** The values of a logits tensor, which is disposed. */
export async function take(t: tf.Tensor): Promise<Float32Array> {
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return data;
}
