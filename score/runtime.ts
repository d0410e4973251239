/**
 * What every tensor stage does first: select the tfjs backend the config asks for and record it
 * in the run record.
 *
 * @module
 */
import type { StageContext } from "../pipeline/mod.ts";
import type { GPT, WorkerPool } from "../model/mod.ts";

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

/**
 * Runs `fn` with a pool of Workers for `model` when `workers` > 1 on the wasm backend (tfjs-wasm
 * is single-threaded in Deno; Workers are how a training step or a sampling call uses both
 * cores), else without. The pool is closed afterwards.
 */
export async function withWorkerPool<T>(
  model: GPT,
  opts: { backend: string; workers: number; ref?: GPT },
  fn: (pool: WorkerPool | undefined) => Promise<T>,
): Promise<T> {
  if (opts.workers <= 1 || opts.backend !== "wasm") return fn(undefined);
  const { WorkerPool } = await import("../model/mod.ts");
  const pool = await WorkerPool.create(model, {
    workers: opts.workers,
    backend: "wasm",
    ref: opts.ref,
  });
  try {
    return await fn(pool);
  } finally {
    pool.close();
  }
}
