/**
 * A model's weights checked against a WebGPU device's limits before anything is loaded. WebGPU
 * binds at most `maxStorageBufferBindingSize` bytes of a buffer in a shader (128 MiB on some
 * adapters) and a tensor above it reads back as zeros without an exception, so every tensor must
 * fit: the embedding and head matrices ([vocab, hidden]) are split into row chunks that fit
 * (row_chunks.ts); any other tensor above the limit, or an embedding row above it, is refused
 * here, naming the tensor, its size and the limit. The total (float32 weights, as the model holds
 * them) is checked against a memory budget when one is known: WebGPU reports no device-memory
 * figure, so the budget is the host's memory for a software (fallback) adapter, whose buffers live
 * there, and otherwise only what the caller passes.
 */
import { tf } from "../tf.ts";
import type { HfModelConfig } from "./config.ts";
import { probeWebGpu } from "../backend.ts";

/** What a device allows (bytes). */
export interface DeviceLimits {
  /** Largest buffer one shader binding may cover (`maxStorageBufferBindingSize`). */
  maxBindingBytes: number;
  /** Largest buffer (`maxBufferSize`); default: no separate limit. */
  maxBufferBytes?: number;
  /** Memory the weights may take in all; default: unknown (not checked). */
  memoryBytes?: number;
  /** Where the limits come from, for messages (e.g. "the WebGPU adapter"). */
  source?: string;
}

/** One weight tensor the loader creates, with its float32 size. */
export interface PlannedTensor {
  name: string;
  shape: number[];
  /** float32 bytes (the model holds every weight as float32, whatever the file's dtype). */
  bytes: number;
  /** Whether it may be stored as row chunks (embedding and head matrices). */
  splittable: boolean;
}

/** The weight tensors `loadParams` creates for a config (GPT-2 names take `gpt2Prefix`,
 * "transformer." or ""), in checkpoint order, with their float32 sizes. */
export function plannedTensors(c: HfModelConfig, gpt2Prefix = ""): PlannedTensor[] {
  const out: PlannedTensor[] = [];
  const add = (name: string, shape: number[], splittable = false) =>
    out.push({ name, shape, bytes: shape.reduce((a, b) => a * b, 1) * 4, splittable });
  const d = c.hiddenSize, ff = c.intermediateSize, v = c.vocabSize;
  if (c.family === "gpt2") {
    const p = gpt2Prefix;
    add(`${p}wte.weight`, [v, d], true);
    add(`${p}wpe.weight`, [c.maxPositions, d]);
    for (let i = 0; i < c.numLayers; i++) {
      const h = `${p}h.${i}`;
      add(`${h}.ln_1.weight`, [d]);
      add(`${h}.ln_1.bias`, [d]);
      add(`${h}.attn.c_attn.weight`, [d, 3 * d]);
      add(`${h}.attn.c_attn.bias`, [3 * d]);
      add(`${h}.attn.c_proj.weight`, [d, d]);
      add(`${h}.attn.c_proj.bias`, [d]);
      add(`${h}.ln_2.weight`, [d]);
      add(`${h}.ln_2.bias`, [d]);
      add(`${h}.mlp.c_fc.weight`, [d, ff]);
      add(`${h}.mlp.c_fc.bias`, [ff]);
      add(`${h}.mlp.c_proj.weight`, [ff, d]);
      add(`${h}.mlp.c_proj.bias`, [d]);
    }
    add(`${p}ln_f.weight`, [d]);
    add(`${p}ln_f.bias`, [d]);
  } else {
    const hd = c.headDim, q = c.numHeads * hd, kv = c.numKvHeads * hd;
    add("model.embed_tokens.weight", [v, d], true);
    for (let i = 0; i < c.numLayers; i++) {
      const l = `model.layers.${i}`;
      add(`${l}.input_layernorm.weight`, [d]);
      for (const [n, rows] of [["q", q], ["k", kv], ["v", kv]] as const) {
        add(`${l}.self_attn.${n}_proj.weight`, [rows, d]);
        if (c.qkvBias) add(`${l}.self_attn.${n}_proj.bias`, [rows]);
      }
      add(`${l}.self_attn.o_proj.weight`, [d, q]);
      if (c.oBias) add(`${l}.self_attn.o_proj.bias`, [d]);
      if (c.qkNorm) {
        add(`${l}.self_attn.q_norm.weight`, [hd]);
        add(`${l}.self_attn.k_norm.weight`, [hd]);
      }
      add(`${l}.post_attention_layernorm.weight`, [d]);
      for (const [n, shape] of [["gate", [ff, d]], ["up", [ff, d]], ["down", [d, ff]]] as const) {
        add(`${l}.mlp.${n}_proj.weight`, [...shape]);
        if (c.mlpBias) add(`${l}.mlp.${n}_proj.bias`, [shape[0]]);
      }
    }
    add("model.norm.weight", [d]);
  }
  if (!c.tieWordEmbeddings) add("lm_head.weight", [v, d], true);
  return out;
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

/**
 * Checks planned tensors against limits; throws one error listing every problem (tensor, size,
 * limit, and the fix). Returns the total float32 bytes and the tensors that will be row-chunked.
 */
export function checkDeviceLimits(
  tensors: readonly PlannedTensor[],
  limits: DeviceLimits,
  where: string,
): { totalBytes: number; chunked: string[] } {
  const source = limits.source ?? "the device";
  const perTensor = Math.min(limits.maxBindingBytes, limits.maxBufferBytes ?? Infinity);
  const problems: string[] = [];
  const chunked: string[] = [];
  let total = 0;
  for (const t of tensors) {
    total += t.bytes;
    if (t.bytes <= perTensor) continue;
    const size = `[${t.shape}] float32 = ${t.bytes} bytes (${mib(t.bytes)})`;
    if (!t.splittable) {
      problems.push(
        `tensor "${t.name}" ${size} is above the ${perTensor}-byte (${mib(perTensor)}) limit ` +
          `per tensor of ${source}, and only embedding and head matrices are split into row chunks`,
      );
      continue;
    }
    const rowBytes = t.shape[1] * 4;
    if (rowBytes > perTensor) {
      problems.push(
        `tensor "${t.name}" ${size}: one row is ${rowBytes} bytes, above the ${perTensor}-byte ` +
          `limit per tensor of ${source}, so no row chunk fits`,
      );
      continue;
    }
    chunked.push(t.name);
  }
  if (limits.memoryBytes !== undefined && total > limits.memoryBytes) {
    problems.push(
      `the float32 weights take ${total} bytes (${mib(total)}), above the ${limits.memoryBytes} ` +
        `bytes (${mib(limits.memoryBytes)}) of memory of ${source} (activations and the KV cache ` +
        `come on top)`,
    );
  }
  if (problems.length > 0) {
    throw new Error(
      `${where}: the model does not fit ${source}:\n  ${problems.join("\n  ")}\n` +
        `use a device with larger limits or --backend wasm`,
    );
  }
  return { totalBytes: total, chunked };
}

/** The current backend's limits: the WebGPU device's (with the host's memory as the budget of a
 * software adapter), or null on cpu and wasm, which have none. */
export async function currentDeviceLimits(): Promise<DeviceLimits | null> {
  if (tf.getBackend() !== "webgpu") return null;
  const backend = tf.backend() as unknown as {
    device?: { limits?: { maxStorageBufferBindingSize?: number; maxBufferSize?: number } };
  };
  const l = backend.device?.limits ?? {};
  const limits: DeviceLimits = {
    maxBindingBytes: l.maxStorageBufferBindingSize ?? Infinity,
    maxBufferBytes: l.maxBufferSize,
    source: "the WebGPU device",
  };
  // tfjs keeps no fallback flag; ask navigator.gpu (the same default adapter).
  if ((await probeWebGpu().catch(() => undefined))?.isFallback) {
    limits.memoryBytes = Deno.systemMemoryInfo().total;
    limits.source = "the WebGPU device (a software adapter: host memory)";
  }
  return limits;
}
