/**
 * What every tensor stage does first: select the tfjs backend the config asks for and record it
 * in the run record.
 *
 * @module
 */
import type { StageContext } from "../pipeline/mod.ts";

/** Activates the configured backend and records the choice (and why) in the run record. */
export async function startTensorStage(
  ctx: StageContext<unknown>,
  backend: "auto" | "webgpu" | "wasm" | "cpu",
): Promise<string> {
  const { selectBackend } = await import("../model/mod.ts");
  const choice = await selectBackend(backend);
  ctx.record({ backend: choice.backend, backendReason: choice.reason });
  ctx.log(`backend ${choice.backend} (${choice.reason})`);
  return choice.backend;
}
