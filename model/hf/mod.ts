/**
 * Hugging Face model directories run with tfjs: config parsing (config.ts), safetensors with
 * F32/F16/BF16 tensors (safetensors.ts), single or sharded checkpoints (weights.ts), typed
 * parameters (params.ts), the Llama-family and GPT-2 blocks (llama.ts, gpt2.ts, layers.ts), and
 * the model with its KV cache and greedy decoding (transformer.ts), row-chunked embedding and head
 * matrices with the device-limit checks made before loading (row_chunks.ts, device_limits.ts),
 * and seeded sampling (generate.ts; the `deno task generate` CLI is generate_cli.ts).
 */
export {
  applyGenerationConfig,
  HF_ARCHITECTURES,
  type HfArchitecture,
  HfModelConfig,
  parseHfConfig,
  readHfConfig,
  RopeScaling,
} from "./config.ts";
export {
  bf16ToF32,
  encodeHfSafetensors,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  HF_DTYPES,
  type HfDtype,
  type HfTensorToWrite,
  SafetensorsFile,
} from "./safetensors.ts";
export { HfCheckpoint, INDEX_FILE, SINGLE_FILE } from "./weights.ts";
export type {
  Conv1D,
  Gpt2BlockParams,
  Gpt2Params,
  HfParams,
  LayerNormParams,
  Linear,
  LlamaBlockParams,
  LlamaParams,
} from "./params.ts";
export { type LayerKV, ropeInverseFrequencies } from "./layers.ts";
export {
  argmaxRows,
  type GreedyOptions,
  HfKVCache,
  type HfLoadOptions,
  HfModel,
  loadHfModel,
} from "./transformer.ts";
export {
  gatherRows,
  type HfMatrix,
  matmulRowsT,
  matmulT,
  matrixTensors,
  RowChunks,
  setSwappedProductMaxRows,
} from "./row_chunks.ts";
export {
  drawToken,
  generate,
  type GenerateOptions,
  type GenerateResult,
  logSoftmaxRow,
} from "./generate.ts";
export {
  checkDeviceLimits,
  currentDeviceLimits,
  type DeviceLimits,
  type PlannedTensor,
  plannedTensors,
} from "./device_limits.ts";
