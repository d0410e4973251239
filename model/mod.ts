/**
 * Public surface of the tensor core: backend selection, tokenizer, the GPT model, sampling,
 * objectives, AdamW, training steps, checkpoints and Worker data parallelism.
 * Import this module lazily from other folders (it loads tfjs).
 */
export { tf } from "./tf.ts";
export {
  assertFitsBinding,
  type BackendChoice,
  type BackendName,
  type BackendPref,
  checkWebGpuErrors,
  configureWasmPaths,
  probeWebGpu,
  selectBackend,
} from "./backend.ts";
export {
  CharTokenizer,
  DEFAULT_CHARSET,
  SPECIAL_NAMES,
  type SpecialTokens,
  type Tokenizer,
  tokenizerFromSpec,
  TokenizerSpec,
} from "./tokenizer.ts";
export { deriveSeed, mix32, Rng } from "./prng.ts";
export { GPTConfig, type GPTConfigInput, parseGPTConfig } from "./config.ts";
export {
  disposeCache,
  GPT,
  type GPTOptions,
  initialWeights,
  type KVCache,
  paramSpecs,
} from "./gpt.ts";
export { sample, type SampleOptions, type SampleResult } from "./sample.ts";
export {
  crossEntropyLoss,
  exactKL,
  gatherTokenLogProbs,
  nextTokenLogSoftmax,
  type PolicyGradientInputs,
  policyGradientLoss,
  type PolicyGradientOutput,
  sampledKL,
  tokenLogProbs,
} from "./objectives.ts";
export { AdamW, AdamWConfig, decays, learningRate, type UpdateStats } from "./optim.ts";
export {
  type Batch,
  maskCount,
  padSequences,
  type PolicyGradientBatch,
  sliceRows,
  type SupervisedBatch,
  type TokenBatch,
  validateBatch,
} from "./batch.ts";
export {
  computeGradients,
  type GradientComputer,
  type GradStats,
  mergeStats,
  type StepStats,
  trainStep,
} from "./train.ts";
export { decodeSafetensors, encodeSafetensors, type StoredTensor } from "./safetensors.ts";
export {
  CheckpointConfig,
  loadCheckpoint,
  type OptimizerState,
  readCheckpointConfig,
  saveCheckpoint,
} from "./checkpoint.ts";
export { WorkerPool } from "./parallel.ts";
