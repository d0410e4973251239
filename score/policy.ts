/**
 * Checkpoints of policies: a model plus its tokenizer, saved under `<stage output>/checkpoint`.
 *
 * @module
 */
import type { GPT, TwoAttemptTokenizer } from "../model/mod.ts";

/** Loads a checkpoint directory as a model plus its tokenizer. */
export async function loadPolicy(
  dir: string,
  opts: { trainable?: boolean; name?: string } = {},
): Promise<{ model: GPT; tok: TwoAttemptTokenizer }> {
  const { loadCheckpoint, tokenizerFromSpec } = await import("../model/mod.ts");
  const { model, config } = await loadCheckpoint(`${dir}/checkpoint`, opts);
  if (!config.tokenizer) throw new Error(`${dir}/checkpoint/config.json: no tokenizer recorded`);
  return { model, tok: tokenizerFromSpec(config.tokenizer) };
}

/** Saves a model and its tokenizer under `dir/checkpoint`. */
export async function savePolicy(
  dir: string,
  model: GPT,
  tok: TwoAttemptTokenizer,
  meta: Record<string, unknown> = {},
): Promise<void> {
  const { saveCheckpoint } = await import("../model/mod.ts");
  await saveCheckpoint(`${dir}/checkpoint`, model, { tokenizer: tok.toJSON(), meta });
}
