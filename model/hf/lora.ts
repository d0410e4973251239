/**
 * LoRA adapters for Hugging Face models: y = W·x + (alpha/r)·B·(A·x) on the projections a config
 * targets, with A [r, in] and B [out, r] in PEFT's layout for `nn.Linear` and GPT-2's Conv1D
 * alike. A starts as PEFT's default (Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in)) from a
 * seeded stream, B as zeros, so a new adapter leaves the model's outputs exactly unchanged; there
 * is no dropout. The adapter never copies the frozen weights: {@link LoraAdapter.attach} returns a
 * view of the base parameters whose targeted projections carry the update.
 */
import { z } from "zod";
import { tf } from "../tf.ts";
import { deriveSeed, Rng } from "../prng.ts";
import type { HfModelConfig } from "./config.ts";
import type { HfParams, Linear } from "./params.ts";
import { mapProjections, type Projection, projections } from "./modules.ts";

/** A LoRA adapter's hyperparameters (zod schema; unknown fields are refused). */
export const LoraConfig = z.object({
  /** Rank r of the update B·A. */
  r: z.number().int().min(1),
  /** The update is scaled by alpha / r (alpha / √r with rsLoRA). */
  alpha: z.number().positive(),
  /** Projections to adapt, as PEFT's `target_modules`: a module is adapted when its path equals
   * a target or ends with "." + target ("q_proj", "self_attn.q_proj", "c_attn", …). */
  targets: z.array(z.string().min(1)).min(1),
  /** Seed of A's initialisation. */
  seed: z.number().int().default(0),
  /** rsLoRA: scale alpha / √r instead of alpha / r (PEFT's `use_rslora`). */
  rslora: z.boolean().default(false),
}).strict();
/** A LoRA adapter's hyperparameters (parsed). */
export type LoraConfig = z.infer<typeof LoraConfig>;

/** Parses a LoRA config, naming every invalid field in one error. */
export function parseLoraConfig(input: z.input<typeof LoraConfig>): LoraConfig {
  const r = LoraConfig.safeParse(input);
  if (!r.success) throw new Error(`LoRA config is invalid:\n${z.prettifyError(r.error)}`);
  return r.data;
}

/** The update's scale: alpha / r, or alpha / √r with rsLoRA (PEFT's `scaling`). */
export function loraScale(c: Pick<LoraConfig, "r" | "alpha" | "rslora">): number {
  return c.rslora ? c.alpha / Math.sqrt(c.r) : c.alpha / c.r;
}

/** Whether a target selects a module path (PEFT's rule for a list of `target_modules`). */
export function targetMatches(target: string, module: string): boolean {
  return module === target || module.endsWith(`.${target}`);
}

/** The projections a list of targets selects, in module order; a target that selects none is an
 * error naming the projections the architecture has. */
export function selectProjections(
  config: HfModelConfig,
  params: HfParams,
  targets: string[],
): Projection[] {
  const all = projections(params);
  for (const t of targets) {
    if (!all.some((p) => targetMatches(t, p.module))) {
      const names = [...new Set(all.map((p) => p.module.split(".").at(-1)!))];
      throw new Error(
        `LoRA target "${t}" matches no projection of ${config.architecture}; its projections ` +
          `are ${names.join(", ")} (module paths such as "${all[0].module}"; a target matches ` +
          `a path it equals or ends with after a ".")`,
      );
    }
  }
  return all.filter((p) => targets.some((t) => targetMatches(t, p.module)));
}

/** One adapted projection: its trainable A [r, in] and B [out, r]. */
export interface LoraModule {
  projection: Projection;
  a: tf.Variable<tf.Rank.R2>;
  b: tf.Variable<tf.Rank.R2>;
}

/** A LoRA adapter over some projections of one model. */
export class LoraAdapter {
  /** The hyperparameters (targets as saved in adapter_config.json). */
  readonly config: LoraConfig;
  /** alpha / r (or alpha / √r). */
  readonly scale: number;
  /** The adapted projections by module path, in module order. */
  readonly modules: Map<string, LoraModule>;

  private constructor(config: LoraConfig, modules: Map<string, LoraModule>) {
    this.config = config;
    this.scale = loraScale(config);
    this.modules = modules;
  }

  /** A new adapter: A Kaiming-uniform U(−1/√in, 1/√in) from a stream seeded by (seed, module
   * index), B zeros. */
  static create(config: HfModelConfig, params: HfParams, lora: LoraConfig): LoraAdapter {
    const selected = selectProjections(config, params, lora.targets);
    const all = projections(params).map((p) => p.module);
    return LoraAdapter.fromWeights(lora, selected, (p) => {
      const rng = new Rng(deriveSeed(lora.seed, all.indexOf(p.module)));
      const bound = 1 / Math.sqrt(p.inFeatures);
      const a = Float32Array.from(
        { length: lora.r * p.inFeatures },
        () => (2 * rng.uniform() - 1) * bound,
      );
      return { a, b: new Float32Array(p.outFeatures * lora.r) };
    });
  }

  /** An adapter over `selected` with A and B from `weights` (row-major [r, in] and [out, r]). */
  static fromWeights(
    lora: LoraConfig,
    selected: Projection[],
    weights: (p: Projection) => { a: Float32Array; b: Float32Array },
  ): LoraAdapter {
    const modules = new Map<string, LoraModule>();
    try {
      for (const p of selected) {
        const { a, b } = weights(p);
        modules.set(p.module, {
          projection: p,
          a: tf.tidy(() => tf.variable(tf.tensor2d(a, [lora.r, p.inFeatures]), true)),
          b: tf.tidy(() => tf.variable(tf.tensor2d(b, [p.outFeatures, lora.r]), true)),
        });
      }
    } catch (e) {
      for (const m of modules.values()) tf.dispose([m.a, m.b]);
      throw e;
    }
    return new LoraAdapter(lora, modules);
  }

  /** A view of `params` (the base parameters, shared) whose adapted projections carry this
   * adapter's update. */
  attach(params: HfParams): HfParams {
    return mapProjections(params, (module, param) => {
      const m = this.modules.get(module);
      return m ? { ...param, lora: { a: m.a, b: m.b, scale: this.scale } } as Linear : param;
    });
  }

  /** The trainable variables under their PEFT tensor names
   * (`base_model.model.{module}.lora_A.weight`, `….lora_B.weight`), in module order. */
  variables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [module, m] of this.modules) {
      out.set(peftTensorName(module, "A"), m.a);
      out.set(peftTensorName(module, "B"), m.b);
    }
    return out;
  }

  /** Frees A and B. */
  dispose(): void {
    for (const m of this.modules.values()) tf.dispose([m.a, m.b]);
    this.modules.clear();
  }
}

/** PEFT's name of a module's A or B in adapter_model.safetensors. */
export function peftTensorName(module: string, which: "A" | "B"): string {
  return `base_model.model.${module}.lora_${which}.weight`;
}
