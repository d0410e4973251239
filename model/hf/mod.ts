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
  type HfTensorSpec,
  type HfTensorToWrite,
  SafetensorsFile,
  writeHfSafetensors,
} from "./safetensors.ts";
export { HfCheckpoint, INDEX_FILE, SINGLE_FILE } from "./weights.ts";
// Training: LoRA adapters (lora.ts) in PEFT's format (peft.ts), full fine-tuning, AdamW steps and
// token log-probabilities (policy.ts, logprobs.ts), merged exports (export.ts, modules.ts).
export {
  LoraAdapter,
  LoraConfig,
  type LoraModule,
  loraScale,
  parseLoraConfig,
  peftTensorName,
  selectProjections,
  targetMatches,
} from "./lora.ts";
export { ADAPTER_CONFIG, ADAPTER_WEIGHTS, loadPeftAdapter, savePeftAdapter } from "./peft.ts";
export {
  mapProjections,
  mapTensors,
  type NamedTensor,
  namedTensors,
  type Projection,
  projections,
} from "./modules.ts";
export { COPIED_FILES, exportMergedModel, type ExportOptions } from "./export.ts";
export { checkTokenGrid, maskedTokenLogProbs } from "./logprobs.ts";
export { HfPolicy, type PassOptions, type PolicyOptions, type StepResult } from "./policy.ts";
export type {
  Conv1D,
  Gpt2BlockParams,
  Gpt2Params,
  HfParams,
  LayerNormParams,
  Linear,
  LlamaBlockParams,
  LlamaParams,
  LoraWeights,
} from "./params.ts";
export { type LayerKV, ropeInverseFrequencies } from "./layers.ts";
export {
  argmaxRow,
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
  logSumExpRow,
} from "./generate.ts";
export {
  checkDeviceLimits,
  currentDeviceLimits,
  type DeviceLimits,
  type PlannedTensor,
  plannedTensors,
} from "./device_limits.ts";
