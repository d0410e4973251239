/**
 * Deno module Worker that computes gradient shards and samples row shards for
 * {@link WorkerPool}: it holds its own tfjs (wasm by default), a policy model and optionally a
 * frozen reference model.
 */
/// <reference lib="deno.worker" />
import { type BackendName, selectBackend } from "./backend.ts";
import type { GPTConfig } from "./config.ts";
import { GPT } from "./gpt.ts";
import type { Batch } from "./batch.ts";
import { computeGradients } from "./train.ts";
import { sample, type SampleOptions } from "./sample.ts";
import { tf } from "./tf.ts";

/** Messages the pool sends to a worker. */
export type WorkerRequest =
  | {
    type: "init";
    config: GPTConfig;
    backend: BackendName;
    weights: [string, Float32Array][];
    ref?: [string, Float32Array][];
  }
  | { type: "setRef"; ref: [string, Float32Array][] | null }
  | { type: "grads"; weights: [string, Float32Array][]; batch: Batch; normalizer: number }
  | {
    type: "sample";
    weights: [string, Float32Array][];
    prompts: number[][];
    opts: SampleOptions;
  };

let policy: GPT | undefined;
let ref: GPT | undefined;

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const msg = e.data;
  try {
    if (msg.type === "init") {
      await selectBackend(msg.backend);
      policy = new GPT(msg.config, { weights: new Map(msg.weights), name: "worker_policy" });
      if (msg.ref) {
        ref = new GPT(msg.config, {
          weights: new Map(msg.ref),
          trainable: false,
          name: "worker_ref",
        });
      }
      self.postMessage({ ok: true });
    } else if (msg.type === "setRef") {
      ref?.dispose();
      ref = msg.ref
        ? new GPT(policy!.config, {
          weights: new Map(msg.ref),
          trainable: false,
          name: "worker_ref",
        })
        : undefined;
      self.postMessage({ ok: true });
    } else if (msg.type === "sample") {
      policy!.setWeights(new Map(msg.weights));
      self.postMessage({ ok: true, sampled: await sample(policy!, msg.prompts, msg.opts) });
    } else {
      policy!.setWeights(new Map(msg.weights));
      const { grads, stats } = await computeGradients(policy!, msg.batch, {
        ref,
        normalizer: msg.normalizer,
      });
      const out: [string, Float32Array][] = [];
      for (const [k, g] of grads) out.push([k, (await g.data()) as Float32Array]);
      tf.dispose([...grads.values()]);
      self.postMessage({ ok: true, grads: out, stats });
    }
  } catch (err) {
    self.postMessage({ ok: false, error: (err as Error).stack ?? String(err) });
  }
};
