/**
 * Data parallelism over Deno module Workers: each Worker runs its own tfjs (wasm), computes the
 * gradient of a contiguous row shard with the global token normalizer, and the pool sums the
 * shards (which equals the full-batch gradient); sampling splits the prompt rows the same way,
 * each row keeping its own random stream. tfjs-wasm's own thread pool does not start in Deno, so
 * this is how a training step or a sampling call uses more than one core.
 */
import type { BackendName } from "./backend.ts";
import type { GPT } from "./gpt.ts";
import { type Batch, maskCount, sliceRows, validateBatch } from "./batch.ts";
import { type GradientComputer, type GradStats, mergeStats } from "./train.ts";
import type { WorkerRequest } from "./grad_worker.ts";
import type { SampleOptions, SampleResult } from "./sample.ts";

interface Reply {
  ok: boolean;
  error?: string;
  grads?: [string, Float32Array][];
  stats?: GradStats;
  sampled?: SampleResult;
}

class WorkerHandle {
  readonly #w: Worker;
  #pending: ((r: Reply) => void) | null = null;

  constructor() {
    this.#w = new Worker(new URL("./grad_worker.ts", import.meta.url).href, { type: "module" });
    this.#w.onmessage = (e: MessageEvent<Reply>) => {
      const p = this.#pending;
      this.#pending = null;
      p?.(e.data);
    };
    this.#w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      const p = this.#pending;
      this.#pending = null;
      p?.({ ok: false, error: `worker crashed: ${e.message}` });
    };
  }

  request(msg: WorkerRequest): Promise<Reply> {
    if (this.#pending) throw new Error("WorkerPool: a worker got a request while busy");
    return new Promise((resolve, reject) => {
      this.#pending = (r) => (r.ok ? resolve(r) : reject(new Error(`gradient worker: ${r.error}`)));
      this.#w.postMessage(msg);
    });
  }

  terminate(): void {
    this.#w.terminate();
  }
}

/** A pool of gradient and sampling Workers; pass it as `trainStep(..., { parallel: pool })`, or
 * call {@link WorkerPool.sample}. */
export class WorkerPool implements GradientComputer {
  readonly size: number;
  readonly #workers: WorkerHandle[];

  private constructor(workers: WorkerHandle[]) {
    this.#workers = workers;
    this.size = workers.length;
  }

  /**
   * Starts `workers` Workers (default 2) holding copies of `model` (and of the frozen `ref`, for
   * KL terms) on `backend` (default wasm). Call {@link close} when done.
   */
  static async create(
    model: GPT,
    opts: { workers?: number; backend?: BackendName; ref?: GPT } = {},
  ): Promise<WorkerPool> {
    const n = opts.workers ?? 2;
    if (!(n >= 1)) throw new Error(`WorkerPool: workers must be ≥ 1, got ${n}`);
    const handles = Array.from({ length: n }, () => new WorkerHandle());
    const pool = new WorkerPool(handles);
    const weights = [...(await model.getWeights())];
    const ref = opts.ref ? [...(await opts.ref.getWeights())] : undefined;
    try {
      await Promise.all(
        handles.map((h) =>
          h.request({
            type: "init",
            config: model.config,
            backend: opts.backend ?? "wasm",
            weights,
            ref,
          })
        ),
      );
    } catch (e) {
      pool.close();
      throw e;
    }
    return pool;
  }

  /** Replaces (or with null removes) the reference model held by every worker. */
  async setRef(ref: GPT | null): Promise<void> {
    const w = ref ? [...(await ref.getWeights())] : null;
    await Promise.all(this.#workers.map((h) => h.request({ type: "setRef", ref: w })));
  }

  /** Full-batch gradients of `model`'s current weights, computed in row shards by the workers. */
  async computeGradients(
    model: GPT,
    batch: Batch,
  ): Promise<{ grads: Map<string, Float32Array>; stats: GradStats }> {
    validateBatch(batch);
    const weights = [...(await model.getWeights())];
    const normalizer = Math.max(1, maskCount(batch));
    const replies = await this.#onShards(batch.batch, (start, end) => ({
      type: "grads",
      weights,
      batch: sliceRows(batch, start, end),
      normalizer,
    }));
    const grads = new Map<string, Float32Array>();
    for (const r of replies) {
      for (const [k, g] of r.grads!) {
        const acc = grads.get(k);
        if (!acc) grads.set(k, g);
        else for (let j = 0; j < acc.length; j++) acc[j] += g[j];
      }
    }
    return { grads, stats: mergeStats(replies.map((r) => r.stats!)) };
  }

  /**
   * Samples continuations of `prompts` under `model`'s current weights, the rows split into
   * contiguous shards, one per worker. Row r keeps its stream deriveSeed(seed, rowOffset + r),
   * so the tokens are those of one `sample` call over all rows.
   */
  async sample(
    model: GPT,
    prompts: readonly (readonly number[])[],
    opts: SampleOptions,
  ): Promise<SampleResult> {
    const weights = [...(await model.getWeights())];
    const offset = opts.rowOffset ?? 0;
    const replies = await this.#onShards(prompts.length, (start, end) => ({
      type: "sample",
      weights,
      prompts: prompts.slice(start, end).map((p) => [...p]),
      opts: { ...opts, rowOffset: offset + start },
    }));
    const out: SampleResult = { tokens: [], logprobs: [], samplingLogprobs: [], stopped: [] };
    for (const r of replies) {
      const s = r.sampled!;
      out.tokens.push(...s.tokens);
      out.logprobs.push(...s.logprobs);
      out.samplingLogprobs.push(...s.samplingLogprobs);
      out.stopped.push(...s.stopped);
    }
    return out;
  }

  /** Splits rows 0..rows−1 into contiguous shards, one per worker (fewer when there are fewer
   * rows), sends each worker the request for its shard, and returns the replies in row order. */
  #onShards(
    rows: number,
    request: (start: number, end: number) => WorkerRequest,
  ): Promise<Reply[]> {
    const n = Math.min(this.size, rows);
    return Promise.all(Array.from({ length: n }, (_, i) => {
      const start = Math.floor((i * rows) / n), end = Math.floor(((i + 1) * rows) / n);
      return this.#workers[i].request(request(start, end));
    }));
  }

  /** Terminates the workers. */
  close(): void {
    for (const w of this.#workers) w.terminate();
  }
}
