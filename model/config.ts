/** The transformer's configuration schema (zod is the single source of truth). */
import { z } from "zod";

/** GPT hyperparameters. Dropout is not implemented (training is deterministic); it must be 0. */
export const GPTConfig = z.object({
  vocabSize: z.number().int().min(2),
  ctxLen: z.number().int().min(1),
  nLayer: z.number().int().min(1),
  nHead: z.number().int().min(1),
  dModel: z.number().int().min(1),
  /** MLP hidden width as a multiple of dModel. */
  mlpRatio: z.number().int().min(1).default(4),
  dropout: z.literal(0).default(0),
  /** Seed of the weight initialisation. */
  seed: z.number().int().default(0),
}).refine((c) => c.dModel % c.nHead === 0, {
  message: "dModel must be divisible by nHead",
  path: ["nHead"],
});
/** GPT hyperparameters (parsed, defaults applied). */
export type GPTConfig = z.infer<typeof GPTConfig>;
/** GPT hyperparameters as a caller may give them (defaults optional). */
export type GPTConfigInput = z.input<typeof GPTConfig>;

/** Validates a config, throwing an error that names `where` and each bad field. */
export function parseGPTConfig(raw: unknown, where = "GPT config"): GPTConfig {
  const r = GPTConfig.safeParse(raw);
  if (!r.success) throw new Error(`${where} is invalid:\n${z.prettifyError(r.error)}`);
  return r.data;
}
