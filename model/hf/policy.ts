/**
 * A trainable Hugging Face model: LoRA (an adapter over chosen projections, base weights frozen
 * and shared) or full fine-tuning (a trainable variable for every parameter, for small models).
 * The reference policy a KL term needs is the same model with the adapter off — the base
 * parameters, never a second copy. Updates are AdamW (decoupled weight decay, moments by name:
 * model/optim.ts) over the trained variables only, from `tf.variableGrads` with an explicit list.
 *
 * ```ts
 * const base = await loadHfModel("path/to/Qwen3-0.6B");
 * const policy = HfPolicy.lora(base, { r: 8, alpha: 16, targets: ["q_proj", "v_proj"] });
 * await policy.step(() => tf.neg(tf.mean(policy.tokenLogProbs(ids, targets, mask))));
 * await policy.saveAdapter("out/adapter"); // PEFT format
 * await policy.exportMerged("out/merged"); // a Hugging Face model directory
 * ```
 */
import type { z } from "zod";
import { tf } from "../tf.ts";
import { AdamW, type AdamWConfig } from "../optim.ts";
import { HfModel } from "./transformer.ts";
import { LoraAdapter, type LoraConfig, parseLoraConfig } from "./lora.ts";
import { loadPeftAdapter, savePeftAdapter } from "./peft.ts";
import { mapTensors, namedTensors } from "./modules.ts";
import { exportMergedModel, type ExportOptions } from "./export.ts";
import { checkTokenGrid, maskedTokenLogProbs } from "./logprobs.ts";
import type { HfParams } from "./params.ts";

/** A model over parameters another object owns: its dispose frees nothing. */
class SharedModel extends HfModel {
  /** Frees nothing (the policy owns the trained tensors, the caller the base model). */
  override dispose(): void {}
}

/** Options of every policy constructor. */
export interface PolicyOptions {
  /** AdamW hyperparameters (model/optim.ts; default lr 1e-3, no weight decay, clip norm 1). */
  optimizer?: z.input<typeof AdamWConfig>;
}

/** Whether a pass runs the trained model (default) or the reference (adapter off). */
export interface PassOptions {
  /** false: the base model — LoRA off, or the initial weights under full fine-tuning. */
  adapter?: boolean;
}

/** What one optimizer step reports. */
export interface StepResult {
  /** 1-based step count. */
  step: number;
  lr: number;
  /** The loss before the update. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/** A model being trained, with its frozen reference. */
export class HfPolicy {
  /** The reference model (adapter off / initial weights); the caller owns and disposes it. */
  readonly base: HfModel;
  /** The trained model (base weights shared): hand it to decoding and scoring code. */
  readonly model: HfModel;
  /** The LoRA adapter (null under full fine-tuning). */
  readonly adapter: LoraAdapter | null;
  /** The trained variables by name: PEFT tensor names (LoRA) or checkpoint names (full). */
  readonly variables: Map<string, tf.Variable>;
  /** The optimizer over {@link variables}. */
  readonly optimizer: AdamW;

  private constructor(
    base: HfModel,
    params: HfParams,
    adapter: LoraAdapter | null,
    variables: Map<string, tf.Variable>,
    opts: PolicyOptions,
  ) {
    this.base = base;
    this.model = new SharedModel(base.config, params, base.sourceDir);
    this.adapter = adapter;
    this.variables = variables;
    this.optimizer = new AdamW(opts.optimizer ?? {});
  }

  /** LoRA on `base` with a new adapter (A seeded Kaiming-uniform, B zeros). */
  static lora(base: HfModel, lora: z.input<typeof LoraConfig>, opts: PolicyOptions = {}): HfPolicy {
    const adapter = LoraAdapter.create(base.config, base.params, parseLoraConfig(lora));
    return HfPolicy.#withAdapter(base, adapter, opts);
  }

  /** LoRA on `base` with a PEFT adapter read from `dir` (see peft.ts). */
  static async loadAdapter(
    base: HfModel,
    dir: string,
    opts: PolicyOptions = {},
  ): Promise<HfPolicy> {
    const adapter = await loadPeftAdapter(dir, base.config, base.params);
    return HfPolicy.#withAdapter(base, adapter, opts);
  }

  static #withAdapter(base: HfModel, adapter: LoraAdapter, opts: PolicyOptions): HfPolicy {
    return new HfPolicy(base, adapter.attach(base.params), adapter, adapter.variables(), opts);
  }

  /**
   * Full fine-tuning: a trainable variable for every parameter (tied heads stay tied). The
   * variables start on the base tensors' memory; the first update gives them their own, so the
   * base keeps the initial weights as the reference (memory: twice the parameters, plus AdamW's
   * two moments). The embedding's gradient runs through a one-hot product ([tokens, vocab]):
   * meant for small models.
   */
  static fullFineTuning(base: HfModel, opts: PolicyOptions = {}): HfPolicy {
    const named = namedTensors(base.params);
    const byTensor = new Map(named.map((n) => [n.tensor, tf.variable(n.tensor, true)]));
    const params = mapTensors(base.params, (t) => byTensor.get(t) ?? t);
    const variables = new Map(named.map((n) => [n.name, byTensor.get(n.tensor)!]));
    return new HfPolicy(base, params, null, variables, opts);
  }

  /** Logits [B, T, vocab] of ids [B][T] (equal-length rows); the caller disposes them. */
  forward(ids: number[][], opts: PassOptions = {}): tf.Tensor3D {
    return (opts.adapter === false ? this.base : this.model).forward(ids);
  }

  /**
   * log p(targets[b][t] | ids[b][0..t]) in float32 as [B, T], zero where mask[b][t] is 0:
   * targets are usually ids shifted by one. Differentiable (use it inside {@link step}'s loss);
   * the caller disposes the result.
   */
  tokenLogProbs(
    ids: number[][],
    targets: number[][],
    mask: number[][],
    opts: PassOptions = {},
  ): tf.Tensor2D {
    checkTokenGrid("targets", targets, ids, this.base.vocabSize);
    checkTokenGrid("mask", mask, ids);
    return tf.tidy(() => maskedTokenLogProbs(this.forward(ids, opts), targets, mask));
  }

  /** The loss and its gradients with respect to every trained variable, by variable name
   * (the caller disposes them). */
  gradients(loss: () => tf.Scalar): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
    const { value, grads } = tf.variableGrads(loss, [...this.variables.values()]);
    const named = new Map<string, tf.Tensor>();
    for (const [name, v] of this.variables) {
      const g = grads[v.name];
      if (g) named.set(name, g);
    }
    return { value, grads: named };
  }

  /** One AdamW update from the gradients of `loss` (a scalar to minimise). */
  async step(loss: () => tf.Scalar): Promise<StepResult> {
    const { value, grads } = this.gradients(loss);
    try {
      const stats = this.optimizer.apply(this.variables, grads);
      const [l, n] = await Promise.all([value.data(), stats.gradNorm.data()]);
      stats.gradNorm.dispose();
      return { step: stats.step, lr: stats.lr, loss: l[0], gradNorm: n[0] };
    } finally {
      tf.dispose([value, ...grads.values()]);
    }
  }

  /** Writes the adapter in PEFT's format (adapter_config.json, adapter_model.safetensors). */
  async saveAdapter(dir: string): Promise<void> {
    if (!this.adapter) throw new Error("saveAdapter: a fully fine-tuned policy has no adapter");
    await savePeftAdapter(dir, this.adapter, this.base.config.family, this.base.sourceDir);
  }

  /** Writes the trained model (LoRA merged) as a Hugging Face model directory (export.ts). */
  async exportMerged(dir: string, opts: ExportOptions = {}): Promise<void> {
    if (!this.base.sourceDir) {
      throw new Error(
        "exportMerged: the base model has no source directory to take config.json from " +
          "(load it with loadHfModel)",
      );
    }
    await exportMergedModel(dir, this.model.params, this.base.sourceDir, opts);
  }

  /** Frees the trained variables and the optimizer state (not the base model). */
  dispose(): void {
    if (this.adapter) this.adapter.dispose();
    else tf.dispose([...this.variables.values()]);
    this.optimizer.dispose();
  }
}
