/**
 * Public surface of the tensor core: backend selection, tokenizer, the GPT model, its KV cache and
 * host decoding steps (wasm), sampling, objectives, AdamW, training steps, checkpoints, Worker
 * data parallelism, and the matrix product the model runs on (gemm: a relaxed-SIMD kernel on
 * wasm).
 * Import this module lazily from other folders (it loads tfjs).
 *
 * A SCoRe-style step, in outline:
 * ```ts
 * const { selectBackend, GPT, sample, trainStep, AdamW, loadCheckpoint } = await import("../model/mod.ts");
 * await selectBackend("auto");
 * const { model: base } = await loadCheckpoint(dir);
 * const ref = await base.clone({ trainable: false });           // frozen π_ref
 * const a1 = await sample(base, prompts, { maxNewTokens, stopTokens: [tok.special.attemptEnd], seed });
 * const p2 = prompts.map((p, i) => [...p, ...a1.tokens[i], tok.special.selfCorrect, tok.special.attemptStart]);
 * const a2 = await sample(base, p2, { maxNewTokens, stopTokens: [tok.special.attemptEnd], seed: seed + 1 });
 * // Build a PolicyGradientBatch: tokens = p2 + a2 (right-padded, padSequences), mask = 1 on
 * // attempt tokens, advantages per token (attempt-1 tokens get attempt 1's, attempt-2 tokens
 * // attempt 2's), klCoef per token (β2 on attempt 1 and β1 on attempt 2 in Stage I),
 * // segmentIds 0/1 per attempt for per-attempt KL means.
 * const stats = await trainStep(base, opt, batch, { ref });     // or { parallel: WorkerPool }
 * ```
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
  type BaseSpecialTokens,
  CharTokenizer,
  DEFAULT_CHARSET,
  SPECIAL_NAMES,
  type SpecialTokens,
  type Tokenizer,
  tokenizerFromSpec,
  TokenizerSpec,
  type TwoAttemptTokenizer,
} from "./tokenizer.ts";
export { deriveSeed, mix32, Rng } from "./prng.ts";
export { GPTConfig, type GPTConfigInput, parseGPTConfig } from "./config.ts";
export { GPT, type GPTOptions, initialWeights, paramSpecs } from "./gpt.ts";
export { KVCache } from "./kv_cache.ts";
export { HostDecoder } from "./host_decode.ts";
export { sample, type SampleOptions, type SampleResult } from "./sample.ts";
export { scoreSequences, type SequenceScores } from "./score.ts";
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
export { gemm, GEMM_SUPPORTED, type GemmOptions } from "./gemm.ts";
