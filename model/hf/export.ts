/**
 * A trained model written as a Hugging Face model directory that loadHfModel, `transformers` and
 * vLLM load: `model.safetensors` with every tensor under its checkpoint name and in its layout
 * (LoRA updates merged: W + scale·B·A for `nn.Linear` [out, in], W + scale·(B·A)ᵀ for GPT-2's
 * Conv1D [in, out]), the source's config.json with the stored dtype recorded, and its
 * generation_config.json and tokenizer files when present.
 */
import { tf } from "../tf.ts";
import { gemm } from "../gemm.ts";
import type { HfParams } from "./params.ts";
import { type HfDtype, writeHfSafetensors } from "./safetensors.ts";
import { namedTensors, projections } from "./modules.ts";
import { HfCheckpoint, SINGLE_FILE } from "./weights.ts";
import { readJsonFile } from "./config.ts";

/** Files copied from the source directory when present (tokenizers, chat templates). */
export const COPIED_FILES = [
  "generation_config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "added_tokens.json",
  "vocab.json",
  "merges.txt",
  "tokenizer.model",
  "chat_template.jinja",
  "chat_template.json",
];

/** The torch dtype name config.json records for a storage dtype. */
const TORCH_DTYPE: Record<HfDtype, string> = {
  F32: "float32",
  F16: "float16",
  BF16: "bfloat16",
};

/** Options of {@link exportMergedModel}. */
export interface ExportOptions {
  /** Storage dtype of every tensor (default F32). */
  dtype?: HfDtype;
}

/**
 * Writes `params` (a model's parameters, LoRA updates attached or not) into `outDir`, which must
 * not exist or be empty, taking config.json and the other files from `sourceDir`. GPT-2 names
 * keep the source checkpoint's prefix ("transformer." or none).
 */
export async function exportMergedModel(
  outDir: string,
  params: HfParams,
  sourceDir: string,
  opts: ExportOptions = {},
): Promise<void> {
  const dtype = opts.dtype ?? "F32";
  const config = await readJsonFile(`${sourceDir}/config.json`);
  if (typeof config !== "object" || config === null) {
    throw new Error(`${sourceDir}/config.json: missing or not a JSON object`);
  }
  await emptyDir(outDir);
  const ckpt = await HfCheckpoint.open(sourceDir);
  const prefix = ckpt.gpt2Prefix();
  ckpt.close();
  const updates = new Map(
    projections(params).filter((p) => p.param.lora).map((p) => [p.param.weight, p]),
  );
  const named = namedTensors(params, prefix);
  await writeHfSafetensors(
    `${outDir}/${SINGLE_FILE}`,
    named.map((n) => ({ name: n.name, dtype, shape: n.tensor.shape })),
    async (i) => {
      const w = named[i].tensor, p = updates.get(w as tf.Tensor2D);
      if (!p) return (await w.data()) as Float32Array;
      const merged = tf.tidy(() => {
        const { a, b, scale } = p.param.lora!;
        // B·A is [out, in]; a Conv1D stores [in, out], i.e. Aᵀ·Bᵀ.
        const delta = p.kind === "linear"
          ? gemm(b, a)
          : gemm(a, b, { transposeA: true, transposeB: true });
        return tf.add(w, tf.mul(delta, scale));
      });
      const data = (await merged.data()) as Float32Array;
      merged.dispose();
      return data;
    },
    { format: "pt" },
  );
  const out = { ...config, torch_dtype: TORCH_DTYPE[dtype] } as Record<string, unknown>;
  if ("dtype" in out) out.dtype = TORCH_DTYPE[dtype]; // transformers ≥ 4.56 writes "dtype"
  await Deno.writeTextFile(`${outDir}/config.json`, JSON.stringify(out, null, 2) + "\n");
  for (const f of COPIED_FILES) {
    try {
      await Deno.copyFile(`${sourceDir}/${f}`, `${outDir}/${f}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}

/** Creates `dir`, or accepts it when empty (a stale index or shard would be loaded instead). */
async function emptyDir(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for await (const e of Deno.readDir(dir)) {
    throw new Error(`${dir}: export directory is not empty (found ${e.name}); choose a new one`);
  }
}
