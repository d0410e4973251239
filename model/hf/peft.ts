/**
 * LoRA adapters on disk in PEFT's format, which `peft.PeftModel.from_pretrained` and vLLM read: a
 * directory with `adapter_config.json` (peft_type "LORA", r, lora_alpha, target_modules,
 * fan_in_fan_out, …) and `adapter_model.safetensors` holding, for each adapted module,
 * `base_model.model.{module}.lora_A.weight` [r, in] and `….lora_B.weight` [out, r]. GPT-2's
 * Conv1D projections keep that layout; PEFT records them with fan_in_fan_out true, which only
 * tells a merge to transpose B·A into the Conv1D's [in, out] weight.
 */
import { z } from "zod";
import { configError, type HfModelConfig, readJsonFile } from "./config.ts";
import type { HfParams } from "./params.ts";
import { encodeHfSafetensors, SafetensorsFile } from "./safetensors.ts";
import { projections } from "./modules.ts";
import { LoraAdapter, LoraConfig, peftTensorName } from "./lora.ts";

/** The adapter config file's name. */
export const ADAPTER_CONFIG = "adapter_config.json";
/** The adapter weights file's name. */
export const ADAPTER_WEIGHTS = "adapter_model.safetensors";

/** Writes an adapter as PEFT does (float32 weights); `baseModel` goes into
 * base_model_name_or_path. */
export async function savePeftAdapter(
  dir: string,
  adapter: LoraAdapter,
  family: HfModelConfig["family"],
  baseModel: string | null,
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const c = adapter.config;
  const config = {
    peft_type: "LORA",
    task_type: "CAUSAL_LM",
    base_model_name_or_path: baseModel,
    revision: null,
    r: c.r,
    lora_alpha: c.alpha,
    lora_dropout: 0.0,
    target_modules: c.targets,
    fan_in_fan_out: family === "gpt2",
    bias: "none",
    use_rslora: c.rslora,
    use_dora: false,
    init_lora_weights: true,
    inference_mode: true,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
  };
  const tensors = [];
  for (const [name, v] of adapter.variables()) {
    tensors.push({
      name,
      dtype: "F32" as const,
      shape: v.shape,
      data: (await v.data()) as Float32Array,
    });
  }
  await Deno.writeFile(`${dir}/${ADAPTER_WEIGHTS}`, encodeHfSafetensors(tensors, { format: "pt" }));
  await Deno.writeTextFile(`${dir}/${ADAPTER_CONFIG}`, JSON.stringify(config, null, 2) + "\n");
}

const emptyRecord = (what: string) =>
  z.record(z.string(), z.unknown()).nullable().default({}).refine(
    (r) => r === null || Object.keys(r).length === 0,
    { message: `per-module ${what} are not supported (must be empty)` },
  );

/** The fields of adapter_config.json that decide what the adapter computes (others ignored:
 * lora_dropout and init_lora_weights do not change a trained adapter's outputs; fan_in_fan_out is
 * implied by the layer type, as PEFT itself enforces). */
const PeftAdapterConfig = z.object({
  peft_type: z.literal("LORA", { error: 'supported: "LORA"' }),
  r: z.number().int().min(1),
  lora_alpha: z.number().positive(),
  target_modules: z.union([z.array(z.string()), z.string()]).nullable().default(null),
  bias: z.literal("none", { error: 'supported: "none" (no trained biases)' }).default("none"),
  use_rslora: z.boolean().default(false),
  use_dora: z.literal(false, { error: "DoRA is not supported (supported: false)" }).default(false),
  lora_bias: z.literal(false, { error: "supported: false" }).default(false),
  modules_to_save: z.union([z.null(), z.array(z.string()).length(0)], {
    error: "modules_to_save is not supported (supported: null)",
  }).default(null),
  layer_replication: z.null({ error: "supported: null" }).default(null),
  rank_pattern: emptyRecord("ranks"),
  alpha_pattern: emptyRecord("alphas"),
});

const TENSOR_NAME = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/;

/**
 * Reads a PEFT LoRA adapter for a model. The adapted modules are those with tensors in
 * adapter_model.safetensors (as PEFT saves only those); each must be a projection of the model,
 * with A [r, in] and B [out, r]. Any mismatch is an error naming the file and tensor.
 */
export async function loadPeftAdapter(
  dir: string,
  config: HfModelConfig,
  params: HfParams,
): Promise<LoraAdapter> {
  const cfgPath = `${dir}/${ADAPTER_CONFIG}`;
  const raw = await readJsonFile(cfgPath);
  if (raw === undefined) throw new Error(`${cfgPath}: missing (not a PEFT adapter directory?)`);
  const parsed = PeftAdapterConfig.safeParse(raw);
  if (!parsed.success) throw configError(cfgPath, "LoRA adapter config", raw, parsed.error);
  const pc = parsed.data;
  const file = SafetensorsFile.open(`${dir}/${ADAPTER_WEIGHTS}`);
  try {
    const byModule = new Map(projections(params).map((p) => [p.module, p]));
    const modules = new Set<string>();
    for (const name of file.entries.keys()) {
      const m = TENSOR_NAME.exec(name);
      if (!m) {
        throw new Error(
          `${file.path}: tensor "${name}" is not a LoRA A or B weight ` +
            `("base_model.model.{module}.lora_A.weight"); only LoRA on projections is supported`,
        );
      }
      if (!byModule.has(m[1])) {
        const names = [...new Set([...byModule.keys()].map((k) => k.split(".").at(-1)))];
        throw new Error(
          `${file.path}: tensor "${name}" adapts module "${m[1]}", which ${config.architecture} ` +
            `does not have (its projections: ${names.join(", ")}, e.g. ` +
            `"${byModule.keys().next().value}")`,
        );
      }
      modules.add(m[1]);
    }
    if (modules.size === 0) throw new Error(`${file.path}: no LoRA tensors`);
    const selected = [...byModule.values()].filter((p) => modules.has(p.module));
    const targets = Array.isArray(pc.target_modules)
      ? pc.target_modules
      : [...new Set(selected.map((p) => p.module.split(".").at(-1)!))];
    const lora = LoraConfig.parse({
      r: pc.r,
      alpha: pc.lora_alpha,
      targets: targets.length > 0 ? targets : selected.map((p) => p.module),
      rslora: pc.use_rslora,
    });
    return LoraAdapter.fromWeights(lora, selected, (p) => {
      const read = (which: "A" | "B", shape: number[]) => {
        const name = peftTensorName(p.module, which);
        const e = file.entries.get(name);
        if (!e) throw new Error(`${file.path}: "${name}" is missing (every module needs A and B)`);
        if (e.shape.length !== 2 || e.shape[0] !== shape[0] || e.shape[1] !== shape[1]) {
          throw new Error(
            `${file.path}: "${name}" has shape [${e.shape}], but r ${pc.r} (${ADAPTER_CONFIG}) and ` +
              `${p.module} (in ${p.inFeatures}, out ${p.outFeatures}) imply [${shape}]`,
          );
        }
        return file.read(name).data;
      };
      return { a: read("A", [pc.r, p.inFeatures]), b: read("B", [p.outFeatures, pc.r]) };
    });
  } finally {
    file.close();
  }
}
