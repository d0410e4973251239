/**
 * Checkpoints: a directory with `model.safetensors` (weights by parameter name), `config.json`
 * (model config, tokenizer spec, free-form metadata) and optionally `optimizer.safetensors`
 * (AdamW moments `m/<name>`, `v/<name>`, step in metadata). Round trips are bit-exact.
 */
import { z } from "zod";
import { parseJson } from "../metrics/parse.ts";
import { GPTConfig } from "./config.ts";
import { GPT, paramSpecs } from "./gpt.ts";
import type { AdamW } from "./optim.ts";
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from "./safetensors.ts";
import { TokenizerSpec } from "./tokenizer.ts";

/** Schema of `config.json` in a checkpoint directory. */
export const CheckpointConfig = z.object({
  format: z.literal("score-gpt-v1"),
  model: GPTConfig,
  tokenizer: TokenizerSpec.optional(),
  meta: z.record(z.string(), z.unknown()).default({}),
});
/** Parsed `config.json` of a checkpoint. */
export type CheckpointConfig = z.infer<typeof CheckpointConfig>;

/** Optimizer state as stored (moments by parameter name). */
export interface OptimizerState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

/** Writes a checkpoint directory (created if missing). */
export async function saveCheckpoint(
  dir: string,
  model: GPT,
  opts: { optimizer?: AdamW; tokenizer?: TokenizerSpec; meta?: Record<string, unknown> } = {},
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const weights = await model.getWeights();
  const tensors = new Map<string, StoredTensor>();
  for (const s of paramSpecs(model.config)) {
    tensors.set(s.name, { dtype: "F32", shape: s.shape, data: weights.get(s.name)! });
  }
  await Deno.writeFile(`${dir}/model.safetensors`, encodeSafetensors(tensors, { format: "pt" }));
  const cfg: CheckpointConfig = {
    format: "score-gpt-v1",
    model: model.config,
    tokenizer: opts.tokenizer,
    meta: opts.meta ?? {},
  };
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(cfg, null, 2) + "\n");
  if (opts.optimizer) {
    const st = await opts.optimizer.getState();
    const shapes = new Map(paramSpecs(model.config).map((s) => [s.name, s.shape]));
    const ot = new Map<string, StoredTensor>();
    for (const [k, d] of st.m) ot.set(`m/${k}`, { dtype: "F32", shape: shapes.get(k)!, data: d });
    for (const [k, d] of st.v) ot.set(`v/${k}`, { dtype: "F32", shape: shapes.get(k)!, data: d });
    await Deno.writeFile(
      `${dir}/optimizer.safetensors`,
      encodeSafetensors(ot, {
        step: String(st.step),
        config: JSON.stringify(opts.optimizer.config),
      }),
    );
  }
}

/** Reads and validates `config.json` of a checkpoint directory. */
export async function readCheckpointConfig(dir: string): Promise<CheckpointConfig> {
  const path = `${dir}/config.json`;
  return parseJson(await Deno.readTextFile(path), CheckpointConfig, `checkpoint ${path}`);
}

/**
 * Loads a checkpoint: the model (new variables; `trainable: false` for a frozen reference),
 * its config, and the optimizer state when present. Missing or mis-shaped tensors are errors.
 */
export async function loadCheckpoint(
  dir: string,
  opts: { trainable?: boolean; name?: string } = {},
): Promise<{ model: GPT; config: CheckpointConfig; optimizerState?: OptimizerState }> {
  const config = await readCheckpointConfig(dir);
  const path = `${dir}/model.safetensors`;
  const { tensors } = decodeSafetensors(await Deno.readFile(path), path);
  const weights = new Map<string, Float32Array>();
  for (const s of paramSpecs(config.model)) {
    const t = tensors.get(s.name);
    if (!t) throw new Error(`${path}: missing tensor "${s.name}" required by config.json`);
    if (t.dtype !== "F32" || t.shape.join(",") !== s.shape.join(",")) {
      throw new Error(
        `${path}: tensor "${s.name}" is ${t.dtype} [${t.shape}], config.json needs F32 [${s.shape}]`,
      );
    }
    weights.set(s.name, t.data as Float32Array);
  }
  const model = new GPT(config.model, { weights, trainable: opts.trainable, name: opts.name });
  let optimizerState: OptimizerState | undefined;
  const opath = `${dir}/optimizer.safetensors`;
  let obytes: Uint8Array | undefined;
  try {
    obytes = await Deno.readFile(opath);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (obytes) {
    const { tensors: ot, metadata } = decodeSafetensors(obytes, opath);
    const step = Number(metadata.step);
    if (!Number.isInteger(step) || step < 0) {
      throw new Error(`${opath}: metadata.step must be a non-negative integer`);
    }
    optimizerState = { step, m: new Map(), v: new Map() };
    for (const [k, t] of ot) {
      const [slot, ...rest] = k.split("/");
      const name = rest.join("/");
      if ((slot !== "m" && slot !== "v") || !weights.has(name)) {
        throw new Error(`${opath}: unexpected tensor "${k}" (expected m/<param> or v/<param>)`);
      }
      optimizerState[slot].set(name, t.data as Float32Array);
    }
  }
  return { model, config, optimizerState };
}
