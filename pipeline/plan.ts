/**
 * Planning: a session binds a pipeline to a validated config and a store; planning computes every
 * stage's key (params, input outputs, code digest) and state (cached / stale / missing) with the
 * reason, without running anything. Execution is in `execute.ts`, scheduling in `schedule.ts`.
 */
import { hashJson } from "./canonical.ts";
import { type CodeDigest, CodeGraph } from "./code_digest.ts";
import { ConfigError, loadConfig, type LoadedConfig } from "./config.ts";
import { type RemoteConfig, resolveRemote } from "./engine_config.ts";
import { buildDag, type Dag, DagError, matchStages, upstreamClosure } from "./dag.ts";
import { FileDigests } from "./file_digests.ts";
import { projectRoot, resolveStoreDir, urlToPath } from "./paths.ts";
import type { Pipeline } from "./pipeline.ts";
import { StreamUi, type Ui } from "./progress.ts";
import { ENGINE_VERSION, type RunRecord } from "./schemas.ts";
import type { Stage } from "./stage.ts";
import { Store } from "./store.ts";

/** The engine's own directory: excluded from stage code digests (its format version covers it). */
export const ENGINE_DIR: string = urlToPath(new URL(".", import.meta.url)).replace(/\/$/, "");

/** Options for {@link openSession}. */
export interface SessionOptions {
  preset?: string;
  /** Overlay config file. */
  file?: string;
  /** Command-line overrides `path=value`, applied after the file (see `LoadConfigOptions`). */
  overrides?: string[];
  cwd?: string;
  /** Store directory (default $SCORE_STORE, else `<project root>/.score`). */
  storeDir?: string;
  /** Project root (default: nearest deno.json above `cwd`). */
  root?: string;
  ui?: Ui;
  /** The remote cache's URL (`--remote URL`); default `$SCORE_REMOTE`, then the config's. */
  remote?: string;
  /** Where stages run (`--executor`); default `$SCORE_EXECUTOR`, the config's, else local. */
  executor?: "local" | "slurm";
}

/** A pipeline bound to a validated config, its DAG and a store. */
export interface Session {
  pipeline: Pipeline;
  loaded: LoadedConfig;
  dag: Dag;
  store: Store;
  graph: CodeGraph;
  root: string;
  ui: Ui;
  /** Per-process memo of code digests by module path. */
  codeMemo: Map<string, Promise<CodeDigest>>;
  /** Objects fully verified by this process. */
  verified: Set<string>;
  /** The remote cache, when one is configured. */
  remote: RemoteConfig | null;
  /** Where stages that are not cached run. */
  executor: "local" | "slurm";
}

/** Loads the config, builds the DAG and opens the store. Errors are ConfigError or DagError. */
export async function openSession(pipeline: Pipeline, opts: SessionOptions = {}): Promise<Session> {
  const cwd = opts.cwd ?? Deno.cwd();
  const root = opts.root ?? projectRoot(cwd);
  const storeDir = resolveStoreDir(root, cwd, opts.storeDir);
  const loaded = await loadConfig(pipeline, {
    preset: opts.preset,
    file: opts.file,
    overrides: opts.overrides,
    cwd,
    cacheDir: `${storeDir}/cache/yaml`,
  });
  let dag: Dag;
  try {
    dag = buildDag(pipeline.stages(loaded.config as never));
  } catch (e) {
    if (e instanceof DagError) throw new DagError(`pipeline error: ${e.message}`);
    throw e;
  }
  const store = new Store(storeDir);
  const graph = new CodeGraph({ root, files: new FileDigests(`${store.dir}/cache/files.json`) });
  return {
    pipeline,
    loaded,
    dag,
    store,
    graph,
    root,
    ui: opts.ui ?? new StreamUi(),
    codeMemo: new Map(),
    verified: new Set(),
    remote: remoteOf(loaded, opts.remote ?? Deno.env.get("SCORE_REMOTE")),
    executor: executorOf(loaded, opts.executor),
  };
}

function remoteOf(loaded: LoadedConfig, url: string | undefined): RemoteConfig | null {
  try {
    return resolveRemote(loaded.config.remote, url);
  } catch (e) {
    const i = (e as { issues?: { path: PropertyKey[]; message: string }[] }).issues?.[0];
    throw new ConfigError(
      `config error: remote${i ? `.${i.path.join(".")}: ${i.message}` : ""} (from ${
        url ? "--remote / SCORE_REMOTE" : "the config"
      })`,
    );
  }
}

/** `--executor`, else `$SCORE_EXECUTOR`, else the config's `executor`, else local. */
function executorOf(loaded: LoadedConfig, flag?: "local" | "slurm"): "local" | "slurm" {
  const env = Deno.env.get("SCORE_EXECUTOR");
  if (!flag && env && env !== "local" && env !== "slurm") {
    throw new ConfigError(`config error: SCORE_EXECUTOR=${env}: expected local or slurm`);
  }
  return flag ?? (env as "local" | "slurm" | undefined) ??
    (loaded.config.executor as "local" | "slurm" | undefined) ?? "local";
}

/** State of a stage for the current config. */
export type StageState = "cached" | "stale" | "missing";

/** Everything planning knows about one stage. */
export interface StageStatus {
  name: string;
  stage: Stage<unknown>;
  /** Null when an input is not up to date (the key depends on its output). */
  key: string | null;
  state: StageState;
  reason: string;
  params: unknown;
  code: CodeDigest;
  inputs: Record<string, { stage: string; key: string | null; output: string | null }>;
  /** The record of the current key, when cached. */
  record: RunRecord | null;
  /** The latest record of this stage name (any key). */
  latest: RunRecord | null;
  /** Output directory when cached. */
  outputPath: string | null;
}

function stageParams(session: Session, stage: Stage<unknown>): unknown {
  const slice = stage.select(session.loaded.config);
  if (!stage.params) return slice ?? {};
  const r = stage.params.safeParse(slice);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ConfigError(
      `config error: stage "${stage.name}" params at ${i.path.join(".") || "(top)"}: ${i.message}`,
    );
  }
  return r.data;
}

/** Code digest of a stage (memoised per session). */
export function stageCode(session: Session, stage: Stage<unknown>): Promise<CodeDigest> {
  const path = urlToPath(stage.module);
  let p = session.codeMemo.get(path);
  if (!p) {
    const stopAt = new Set(session.dag.order.map((s) => urlToPath(s.module)));
    p = stage.module.startsWith("file:")
      ? session.graph.digest(path, { exclude: [ENGINE_DIR], stopAt })
      : hashJson({ remote: stage.module }).then((digest) => ({
        digest,
        modules: {},
        npm: {},
        other: [stage.module],
      }));
    session.codeMemo.set(path, p);
  }
  return p;
}

/**
 * The code digest of a stage as its files are now, read afresh (no digest cache): compared with
 * the planned one after the stage ran, so a record never pairs one code's key with another's output.
 */
export function stageCodeNow(session: Session, stage: Stage<unknown>): Promise<CodeDigest> {
  if (!stage.module.startsWith("file:")) return stageCode(session, stage);
  const graph = new CodeGraph({ root: session.root, files: new FileDigests(null) });
  const stopAt = new Set(session.dag.order.map((s) => urlToPath(s.module)));
  return graph.digest(urlToPath(stage.module), { exclude: [ENGINE_DIR], stopAt });
}

/** The cache key of a stage given its params, input output digests and code digest. */
export function stageKey(
  name: string,
  params: unknown,
  inputs: Record<string, string>,
  codeDigest: string,
): Promise<string> {
  return hashJson({ engine: ENGINE_VERSION, stage: name, params, inputs, code: codeDigest });
}

function flatten(v: unknown, prefix: string, out: Map<string, string>): void {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const keys = Object.keys(v as object);
    if (keys.length === 0 && prefix) out.set(prefix, "{}");
    for (const k of keys) {
      flatten((v as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k, out);
    }
  } else out.set(prefix || "(params)", JSON.stringify(v));
}

/** "kind name added/changed/removed" for each difference between two digest maps. */
export function diffList(
  kind: string,
  a: Record<string, string>,
  b: Record<string, string>,
): string[] {
  const out: string[] = [];
  for (const k of Object.keys(b)) {
    if (!(k in a)) out.push(`${kind} ${k} added`);
    else if (a[k] !== b[k]) out.push(`${kind} ${k} changed`);
  }
  for (const k of Object.keys(a)) if (!(k in b)) out.push(`${kind} ${k} removed`);
  return out;
}

/** Explains why the current key differs from the latest record's. */
export function explainStale(
  latest: RunRecord,
  cur: {
    params: unknown;
    code: CodeDigest;
    inputs: Record<string, { stage: string; output: string | null }>;
  },
): string {
  const reasons: string[] = [];
  if (latest.engine !== ENGINE_VERSION) {
    reasons.push(`engine format ${latest.engine} → ${ENGINE_VERSION}`);
  }
  const pa = new Map<string, string>();
  const pb = new Map<string, string>();
  flatten(latest.params, "", pa);
  flatten(cur.params, "", pb);
  for (const [k, v] of pb) {
    if (pa.get(k) !== v) reasons.push(`param ${k}: ${pa.get(k) ?? "(unset)"} → ${v}`);
  }
  for (const [k, v] of pa) if (!pb.has(k)) reasons.push(`param ${k}: ${v} → (unset)`);
  for (const [n, inp] of Object.entries(cur.inputs)) {
    const old = latest.inputs[n];
    if (!old) reasons.push(`input ${n} added`);
    else if (inp.output === null) reasons.push(`input ${n} (${inp.stage}) is not up to date`);
    else if (old.output !== inp.output) reasons.push(`input ${n} (${inp.stage}) output changed`);
  }
  for (const n of Object.keys(latest.inputs)) {
    if (!(n in cur.inputs)) reasons.push(`input ${n} removed`);
  }
  reasons.push(...diffList("module", latest.code.modules, cur.code.modules));
  reasons.push(...diffList("npm package", latest.code.npm, cur.code.npm));
  const oa = latest.code.other.join("\n");
  if (oa !== cur.code.other.join("\n")) reasons.push("remote imports changed");
  if (reasons.length === 0) return "key changed";
  return reasons.length > 4
    ? `${reasons.slice(0, 4).join("; ")}; and ${reasons.length - 4} more`
    : reasons.join("; ");
}

/** Plans one stage given the outputs of its inputs (null: not up to date). */
export async function planStage(
  session: Session,
  stage: Stage<unknown>,
  upstream: Map<string, { key: string | null; output: string | null }>,
  opts: { full?: boolean } = {},
): Promise<StageStatus> {
  const params = stageParams(session, stage);
  const code = await stageCode(session, stage);
  const inputs: StageStatus["inputs"] = {};
  const inputOutputs: Record<string, string> = {};
  let unknown: string | null = null;
  for (const [n, dep] of Object.entries(stage.inputs)) {
    const u = upstream.get(dep.name) ?? { key: null, output: null };
    inputs[n] = { stage: dep.name, key: u.key, output: u.output };
    if (u.output === null) unknown ??= n;
    else inputOutputs[n] = u.output;
  }
  const latest = session.store.latest(stage.name);
  const base = { name: stage.name, stage, params, code, inputs, latest };
  if (unknown !== null) {
    const dep = inputs[unknown].stage;
    return {
      ...base,
      key: null,
      state: latest ? "stale" : "missing",
      reason: latest ? `input ${unknown} (${dep}) is not up to date` : "never run",
      record: null,
      outputPath: null,
    };
  }
  const key = await stageKey(stage.name, params, inputOutputs, code.digest);
  const record = session.store.readRecord(key);
  if (record) {
    const ok = opts.full
      ? await session.store.isValid(record.output, { full: true })
      : await session.store.isValid(record.output);
    if (ok) {
      return {
        ...base,
        key,
        state: "cached",
        reason: "",
        record,
        outputPath: session.store.objectPath(record.output),
      };
    }
    return {
      ...base,
      key,
      state: "stale",
      reason: "stored output is missing or corrupt; it will be rebuilt",
      record: null,
      outputPath: null,
    };
  }
  return {
    ...base,
    key,
    state: latest ? "stale" : "missing",
    reason: latest ? explainStale(latest, { params, code, inputs }) : "never run",
    record: null,
    outputPath: null,
  };
}

/** Plans every stage of the DAG (or the closure of `targets`) without running anything. */
export async function planStatus(
  session: Session,
  opts: { targets?: string[] } = {},
): Promise<StageStatus[]> {
  const stages = opts.targets
    ? upstreamClosure(session.dag, opts.targets.flatMap((t) => matchStages(session.dag, t)))
    : session.dag.order;
  const known = new Map<string, { key: string | null; output: string | null }>();
  const out: StageStatus[] = [];
  for (const s of stages) {
    const st = await planStage(session, s, known);
    known.set(s.name, { key: st.key, output: st.record?.output ?? null });
    out.push(st);
  }
  session.graph.files.save();
  return out;
}

/** Where a stage's current output is for a config, and whether it is usable. */
export interface Located {
  name: string;
  state: StageState;
  reason: string;
  key: string | null;
  /** The output directory when cached, else null. */
  path: string | null;
  record: RunRecord | null;
}

/** Finds the current output of stage `name` (exact name) for the session's config. */
export async function locate(session: Session, name: string): Promise<Located> {
  const statuses = await planStatus(session, { targets: [name] });
  const st = statuses.find((s) => s.name === name);
  if (!st) {
    throw new DagError(
      `unknown stage "${name}"; known stages: ${session.dag.order.map((s) => s.name).join(", ")}`,
    );
  }
  return {
    name,
    state: st.state,
    reason: st.reason,
    key: st.key,
    path: st.outputPath,
    record: st.record,
  };
}
