/**
 * The pipeline engine's public surface: a content-hashed stage DAG with a cache you can trust.
 *
 * This module is light on purpose: it loads neither zod, YAML nor node:crypto, so a no-op
 * `reproduce` (answered by the fast path) starts about as fast as an empty script. The heavy parts
 * (config, store, runner, CLI) load on first use through the async functions below.
 *
 * ```ts
 * // main.ts
 * import { runCli } from "./pipeline/mod.ts";
 * Deno.exit(await runCli({ module: import.meta.resolve("./stages/mod.ts") }, Deno.args));
 * ```
 */
import { fastArgs, fastInvocation, tryFast } from "./fast_path.ts";
import { updateOutLinks } from "./out_links.ts";
import { projectRoot, resolveStoreDir } from "./paths.ts";
import type { Pipeline } from "./pipeline.ts";
import type { CliOptions, PipelineRef } from "./cli.ts";
import type {
  Located,
  RunOptions,
  RunResult,
  Session,
  SessionOptions,
  StageStatus,
} from "./runner.ts";
import type { LoadConfigOptions, LoadedConfig } from "./config.ts";
import type { RunRecord } from "./schemas.ts";
import type { Store } from "./store.ts";

export { defineStage } from "./stage.ts";
export type { ProgressUpdate, RunInfo, Stage, StageContext, StageSpec } from "./stage.ts";
export { definePipeline } from "./pipeline.ts";
export type { Pipeline, PipelineSpec } from "./pipeline.ts";
export { buildDag, matchStages, toDot, toMermaid } from "./dag.ts";
export type { Dag } from "./dag.ts";
export { canonicalJson, hashJson, sha256Hex } from "./canonical.ts";
export { ConfigError } from "./config.ts";
export { notePlanInput } from "./fast_path.ts";
export type { CliOptions, PipelineRef } from "./cli.ts";
export type {
  Located,
  RunOptions,
  RunResult,
  Session,
  SessionOptions,
  StageState,
  StageStatus,
} from "./runner.ts";
export type { LoadConfigOptions, LoadedConfig } from "./config.ts";
export type { Manifest, RunRecord } from "./schemas.ts";
export type { ObjectProblem, Store } from "./store.ts";
export type { Ui } from "./progress.ts";
export type { SelfCommand } from "./jobs.ts";

/**
 * Loads a heavy engine module on first use. The specifier is computed on purpose: Deno pre-resolves
 * literal dynamic imports (npm packages included) at startup, which would put zod and YAML on the
 * no-op path. The `typeof import("...")` type arguments keep the types and let the code digest walker
 * see these modules.
 */
function heavy<M>(rel: string): Promise<M> {
  return import(new URL(rel, import.meta.url).href) as Promise<M>;
}

function runnerModule(): Promise<typeof import("./runner.ts")> {
  return heavy<typeof import("./runner.ts")>("./runner.ts");
}

/**
 * Runs a CLI command (`reproduce`, `stage`, `status`, `dag`, `show`, `verify`, `gc`) and returns
 * the exit code. Given a {@link PipelineRef}, a no-op `reproduce` is answered without loading the
 * pipeline at all (set SCORE_NO_FAST=1 to disable that fast path).
 */
export async function runCli(
  pipeline: Pipeline | PipelineRef,
  argv: string[],
  opts: CliOptions = {},
): Promise<number> {
  const isRef = !("stages" in pipeline);
  if (isRef && !Deno.env.get("SCORE_NO_FAST")) {
    try {
      const args = fastArgs(argv);
      if (args) {
        const cwd = opts.cwd ?? Deno.cwd();
        const root = opts.root ?? projectRoot(cwd);
        const storeDir = resolveStoreDir(root, cwd, opts.storeDir);
        const inv = fastInvocation({ ...args, cwd, storeDir });
        const hit = await tryFast(storeDir, inv);
        if (hit) {
          updateOutLinks(storeDir, hit.stages);
          const print = opts.print ?? ((l: string) => console.log(l));
          for (const l of hit.lines) print(l);
          return 0;
        }
      }
    } catch {
      // fall through to the full path, which reports errors properly
    }
  }
  const { cli } = await heavy<typeof import("./cli.ts")>("./cli.ts");
  return cli(pipeline, argv, opts);
}

/** Loads and validates a config (preset overlaid by an optional YAML file). */
export async function loadConfig(
  pipeline: Pipeline,
  opts: LoadConfigOptions = {},
): Promise<LoadedConfig> {
  return (await heavy<typeof import("./config.ts")>("./config.ts")).loadConfig(pipeline, opts);
}

/** Binds a pipeline to a config and a store (for notebooks and tests). */
export async function openSession(pipeline: Pipeline, opts: SessionOptions = {}): Promise<Session> {
  return (await runnerModule()).openSession(pipeline, opts);
}

/** Every stage's key, state (cached/stale/missing) and reason, without running anything. */
export async function planStatus(
  session: Session,
  opts: { targets?: string[] } = {},
): Promise<StageStatus[]> {
  return (await runnerModule()).planStatus(session, opts);
}

/** Runs every stage that is not cached (or the closure of `opts.targets`). */
export async function runStages(session: Session, opts: RunOptions = {}): Promise<RunResult> {
  return (await runnerModule()).runStages(session, opts);
}

/** Where stage `name`'s current output is for the session's config, and whether it is usable. */
export async function locate(session: Session, name: string): Promise<Located> {
  return (await runnerModule()).locate(session, name);
}

/** Opens the store at `dir` (created if needed). */
export async function openStore(dir: string): Promise<Store> {
  return new (await heavy<typeof import("./store.ts")>("./store.ts")).Store(dir);
}

/** Reads and validates the run record of `key` from the store at `dir` (null when absent). */
export async function readRecord(dir: string, key: string): Promise<RunRecord | null> {
  return (await openStore(dir)).readRecord(key);
}
