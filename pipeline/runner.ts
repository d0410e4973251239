/**
 * Planning and running: a session binds a pipeline to a validated config and a store; planning
 * computes every stage's key and state (cached / stale / missing, with the reason); running executes
 * what is not cached in dependency order under per-key locks, with atomic commits.
 */
import { UsageError } from "./args.ts";
import { hashJson } from "./canonical.ts";
import { type CodeDigest, CodeGraph } from "./code_digest.ts";
import { ConfigError, loadConfig, type LoadedConfig } from "./config.ts";
import { buildDag, type Dag, DagError, matchStages, upstreamClosure } from "./dag.ts";
import { fsCode, StoreFault } from "./faults.ts";
import { FileDigests } from "./file_digests.ts";
import {
  type ChildSpec,
  liveChildren,
  runChild,
  type SelfCommand,
  selfCommand,
  stopChildren,
} from "./jobs.ts";
import { acquireLock, type HeldLock } from "./locks.ts";
import { projectRoot, resolveStoreDir, urlToPath } from "./paths.ts";
import type { Pipeline } from "./pipeline.ts";
import { StreamUi, type Ui } from "./progress.ts";
import { gitInfo, runtimeInfo } from "./run_env.ts";
import { ENGINE_VERSION, type RunRecord } from "./schemas.ts";
import type { RunInfo, Stage, StageContext } from "./stage.ts";
import { Store, type TempDir } from "./store.ts";
import { pausePoint } from "./test_hooks.ts";

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
  };
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

function diffList(kind: string, a: Record<string, string>, b: Record<string, string>): string[] {
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

/** A stage failure, with the stage name. */
export class StageError extends Error {
  override name = "StageError";
  constructor(readonly stage: string, override readonly cause: unknown) {
    super(`stage "${stage}" failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Thrown when a run is interrupted by a signal. */
export class Interrupted extends Error {
  override name = "Interrupted";
}

class CorruptInput extends Error {
  constructor(readonly upstream: string, readonly digest: string) {
    super(`input from stage "${upstream}" is corrupt`);
  }
}

/** Options for {@link runStages}. */
export interface RunOptions {
  /** Stage names or families to bring up to date (default: all). */
  targets?: string[];
  /** Rerun regardless of cache: every stage run ("all") or only the targets ("targets"). */
  force?: "all" | "targets" | false;
  /** External abort (signals are handled by the engine itself when `handleSignals`). */
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers that clean up and exit 130 (default true). */
  handleSignals?: boolean;
  /**
   * Stages run at once (default 1: one after another, in this process). Above 1, every stage that
   * is not cached runs in its own child process started with `childCommand`.
   */
  jobs?: number;
  /** How children start (default: this program again, see `selfCommand`). */
  childCommand?: SelfCommand;
  /**
   * Run only the targets, not what they need: every input must be cached (else a UsageError).
   */
  noDeps?: boolean;
  /** With `noDeps` and one target: fail (UsageError) unless its planned key is this one. */
  expectKey?: string;
}

/** What a run did. */
export interface RunResult {
  ran: string[];
  reused: string[];
  statuses: StageStatus[];
}

// Resources to release synchronously if a signal arrives mid-run.
const liveTemps = new Set<TempDir>();
const liveLocks = new Set<HeldLock>();

function cleanupLive(): void {
  for (const t of liveTemps) t.remove();
  liveTemps.clear();
  for (const l of liveLocks) l.release();
  liveLocks.clear();
}

/** Runs every stage that is not cached (in dependency order) and returns what it did. */
export async function runStages(session: Session, opts: RunOptions = {}): Promise<RunResult> {
  const ac = new AbortController();
  const onAbort = () => ac.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onAbort);
  const handle = opts.handleSignals ?? true;
  const sigs: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const onSignal = (sig: Deno.Signal) => {
    ac.abort(new Interrupted("interrupted"));
    cleanupLive();
    session.ui.info("interrupted: partial output removed; completed stages are kept");
    if (liveChildren.size === 0) Deno.exit(130);
    // Children clean up their own partial output; wait for them before exiting.
    stopChildren(sig).finally(() => Deno.exit(130));
  };
  const handlers = new Map<Deno.Signal, () => void>();
  if (handle) {
    for (const s of sigs) {
      handlers.set(s, () => onSignal(s));
      Deno.addSignalListener(s, handlers.get(s)!);
    }
  }
  try {
    session.store.cleanTemp();
    const targets = opts.targets
      ? opts.targets.flatMap((t) => matchStages(session.dag, t))
      : session.dag.order;
    const targetNames = new Set(targets.map((s) => s.name));
    let stages = upstreamClosure(session.dag, targets);
    let seed = new Map<string, Known>();
    if (opts.noDeps) {
      seed = await upstreamOutputs(session, targets, opts.expectKey);
      stages = targets;
    }
    const jobs = opts.jobs ?? 1;
    const child = jobs > 1 ? childSpec(session, opts.childCommand ?? selfCommand()) : null;
    for (let attempt = 0;; attempt++) {
      try {
        const force = opts.force ?? false;
        return child
          ? await runParallelPass(session, stages, targetNames, force, ac.signal, jobs, child, seed)
          : await runPass(session, stages, targetNames, force, ac.signal, new Map(seed));
      } catch (e) {
        if (!(e instanceof CorruptInput) || attempt >= 3) throw e;
        if (opts.noDeps) {
          session.store.quarantine(e.digest);
          throw new UsageError(
            `input ${e.digest.slice(0, 12)} from stage "${e.upstream}" is corrupt: quarantined; ` +
              `run again without --no-deps to rebuild it`,
          );
        }
        session.ui.info(
          `input ${e.digest.slice(0, 12)} of stage "${e.upstream}" is corrupt: quarantined; ` +
            `rebuilding`,
        );
        session.store.quarantine(e.digest);
      }
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
    session.graph.files.save();
  }
}

type Known = { key: string | null; output: string | null };

/**
 * For `noDeps`: the outputs of the targets' inputs, which must all be cached, and the check that
 * a single target's planned key is `expectKey`.
 */
async function upstreamOutputs(
  session: Session,
  targets: Stage<unknown>[],
  expectKey?: string,
): Promise<Map<string, Known>> {
  const names = new Set(targets.map((s) => s.name));
  const planned = await planStatus(session, { targets: [...names] });
  const known = new Map<string, Known>();
  for (const st of planned) {
    if (!names.has(st.name)) known.set(st.name, { key: st.key, output: st.record?.output ?? null });
  }
  for (const st of planned.filter((s) => names.has(s.name))) {
    for (const [n, inp] of Object.entries(st.inputs)) {
      if (known.get(inp.stage)?.output == null) {
        throw new UsageError(
          `stage "${st.name}": input ${n} (stage "${inp.stage}") is not up to date; run it first ` +
            `or drop --no-deps`,
        );
      }
    }
    if (expectKey !== undefined && st.key !== expectKey) {
      throw new UsageError(
        `stage "${st.name}": planned key ${st.key?.slice(0, 12)} is not the expected ` +
          `${expectKey.slice(0, 12)}: code or config changed since the parent process planned it`,
      );
    }
  }
  return known;
}

/** The child spec reproducing this session's config and store. */
function childSpec(session: Session, self: SelfCommand): ChildSpec {
  const { loaded } = session;
  const configArgs = ["--preset", loaded.preset];
  if (loaded.file) configArgs.push("--config", loaded.file);
  for (const o of loaded.overrides) configArgs.push("--set", o);
  return { self, configArgs, cwd: Deno.cwd(), env: { SCORE_STORE: session.store.dir } };
}

/**
 * Runs `stages` with up to `jobs` children at once: a stage starts as soon as all its inputs are
 * done. After a failure no new stage starts; running ones finish (their results are kept), then
 * the first failure is thrown.
 */
async function runParallelPass(
  session: Session,
  stages: Stage<unknown>[],
  targetNames: Set<string>,
  force: "all" | "targets" | false,
  signal: AbortSignal,
  jobs: number,
  child: ChildSpec,
  seed: Map<string, Known>,
): Promise<RunResult> {
  const { store, ui } = session;
  const known = new Map<string, Known>(seed);
  const ran: string[] = [];
  const reused: string[] = [];
  const done = new Map<string, StageStatus>();
  const index = new Map(stages.map((s, i) => [s.name, i + 1]));
  const pending = [...stages];
  const running = new Map<string, Promise<void>>();
  let failure: unknown = null;
  const launch = async (st: StageStatus, forced: boolean): Promise<void> => {
    const tag = `[${index.get(st.name)}/${stages.length}] ${st.name}`;
    ui.info(`${tag}: running in a subprocess (${st.reason || "forced"})`);
    const own = [`[1/1] ${st.name}: running`, `[1/1] ${st.name}: done in`];
    const t0 = Date.now();
    let res: { code: number; pid: number };
    try {
      res = await runChild(child, { name: st.name, key: st.key!, forced }, (line) => {
        if (own.some((o) => line.startsWith(o))) return; // the parent prints its own start and end lines
        ui.info(line.startsWith(`[${st.name}] `) ? line : `[${st.name}] ${line}`);
      }, signal);
    } catch (e) {
      // Spawning failed: the Deno executable moved or vanished (an upgrade or reinstall during
      // the run), or the process limit was hit. Say so without the runtime's stack trace.
      const cause = new Error(
        `could not start its subprocess ${child.self.command} (${(e as Error).message}); if Deno ` +
          "was reinstalled or upgraded during the run, run the command again (finished stages " +
          "are kept), or use --jobs 1",
      );
      cause.stack = "";
      throw new StageError(st.name, cause);
    }
    if (res.code !== 0) {
      const cause = new Error(
        `its subprocess exited with code ${res.code} (its messages are above)`,
      );
      cause.stack = ""; // the child printed the stage's own trace; the parent's would be noise
      throw new StageError(st.name, cause);
    }
    const record = store.readRecord(st.key!);
    if (!record || !(await store.isValid(record.output))) {
      throw new StageError(st.name, new Error(`its subprocess left no valid record of ${st.key}`));
    }
    ui.info(`${tag}: done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    known.set(st.name, { key: st.key, output: record.output });
    (record.env.pid === res.pid ? ran : reused).push(st.name);
    done.set(st.name, {
      ...st,
      state: "cached",
      reason: "",
      record,
      outputPath: store.objectPath(record.output),
    });
  };
  while (true) {
    for (let i = 0; failure === null && i < pending.length;) {
      const stage = pending[i];
      if (!Object.values(stage.inputs).every((d) => known.has(d.name))) {
        i++;
        continue;
      }
      signal.throwIfAborted();
      const forced = force === "all" || (force === "targets" && targetNames.has(stage.name));
      const st = await planStage(session, stage, known);
      if (st.state === "cached" && !forced) {
        pending.splice(i, 1);
        known.set(stage.name, { key: st.key, output: st.record!.output });
        reused.push(stage.name);
        done.set(stage.name, st);
        i = 0; // it may make earlier stages ready
        continue;
      }
      if (running.size >= jobs) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      const p = launch(st, forced).catch((e) => {
        if (failure === null) {
          failure = e;
          if (running.size > 1) {
            ui.info(`${stage.name} failed; waiting for ${running.size - 1} running stage(s)`);
          }
        }
      }).finally(() => running.delete(stage.name));
      running.set(stage.name, p);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  signal.throwIfAborted();
  if (failure !== null) throw failure;
  const statuses = stages.map((s) => done.get(s.name)).filter((s): s is StageStatus => !!s);
  return { ran, reused, statuses };
}

async function runPass(
  session: Session,
  stages: Stage<unknown>[],
  targetNames: Set<string>,
  force: "all" | "targets" | false,
  signal: AbortSignal,
  known: Map<string, Known> = new Map(),
): Promise<RunResult> {
  const ran: string[] = [];
  const reused: string[] = [];
  const statuses: StageStatus[] = [];
  let i = 0;
  for (const stage of stages) {
    i++;
    signal.throwIfAborted();
    const forced = force === "all" || (force === "targets" && targetNames.has(stage.name));
    let st = await planStage(session, stage, known);
    if (st.state === "cached" && !forced) {
      known.set(stage.name, { key: st.key, output: st.record!.output });
      reused.push(stage.name);
      statuses.push(st);
      continue;
    }
    const tag = `[${i}/${stages.length}] ${stage.name}`;
    const { record, ranHere } = await runLocked(session, st, forced, signal, tag);
    st = {
      ...st,
      state: "cached",
      reason: "",
      record,
      outputPath: session.store.objectPath(record.output),
    };
    known.set(stage.name, { key: st.key, output: record.output });
    (ranHere ? ran : reused).push(stage.name);
    statuses.push(st);
  }
  return { ran, reused, statuses };
}

async function runLocked(
  session: Session,
  st: StageStatus,
  forced: boolean,
  signal: AbortSignal,
  tag: string,
): Promise<{ record: RunRecord; ranHere: boolean }> {
  const { store, ui } = session;
  const key = st.key!;
  const lock = await acquireLock(store.lockPath(key), {
    what: st.name,
    signal,
    onWait: (h) => ui.info(`${tag}: waiting for pid ${h.pid}@${h.host} (since ${h.at})`),
  });
  liveLocks.add(lock);
  try {
    if (!forced) {
      const rec = store.readRecord(key);
      if (rec && await store.isValid(rec.output)) {
        ui.info(`${tag}: done by another process, reusing`);
        return { record: rec, ranHere: false };
      }
    }
    // Verify every input fully before consuming it (once per process per object).
    for (const inp of Object.values(st.inputs)) {
      const d = inp.output!;
      if (session.verified.has(d)) continue;
      if (!(await store.isValid(d, { full: true }))) throw new CorruptInput(inp.stage, d);
      session.verified.add(d);
    }
    ui.info(`${tag}: running (${st.reason || "forced"})`);
    const record = await execute(session, st, signal);
    ui.info(`${tag}: done in ${(record.durationMs / 1000).toFixed(1)}s`);
    return { record, ranHere: true };
  } finally {
    lock.release();
    liveLocks.delete(lock);
  }
}

async function execute(session: Session, st: StageStatus, signal: AbortSignal): Promise<RunRecord> {
  const { store, ui } = session;
  const stage = st.stage;
  const tmp = store.newTemp(st.name);
  liveTemps.add(tmp);
  const info: RunInfo = {};
  const started = new Date();
  try {
    const ctx: StageContext<unknown> = {
      name: st.name,
      key: st.key!,
      params: structuredClone(st.params),
      outDir: tmp.out,
      input(name: string): string {
        const i = st.inputs[name];
        if (!i) {
          throw new Error(
            `stage "${st.name}" has no input "${name}"; its inputs: ${
              Object.keys(st.inputs).join(", ") || "(none)"
            }`,
          );
        }
        return store.objectPath(i.output!);
      },
      log: (msg) => ui.log(st.name, msg),
      progress: (p) => ui.progress(st.name, p),
      metrics: async (rec) => {
        await Deno.writeTextFile(`${tmp.out}/metrics.jsonl`, JSON.stringify(rec) + "\n", {
          append: true,
        });
      },
      record: (i) => Object.assign(info, i),
      signal,
    };
    try {
      await pausePoint("stage:start");
      await stage.run(ctx);
      signal.throwIfAborted();
    } catch (e) {
      if (signal.aborted) throw e;
      const code = fsCode(e);
      if (code === "ENOSPC" || code === "EDQUOT") {
        // The stage writes into the store's temp dir: a full disk is the store's fault.
        throw new StoreFault(
          `store error: no space left on device while stage "${st.name}" wrote its output in ` +
            `${tmp.out} (${(e as Error).message})`,
          tmp.out,
        );
      }
      throw new StageError(st.name, e);
    } finally {
      ui.done(st.name);
    }
    // The key was planned from the code as it was then; a module edited since (lazy imports load
    // at run time) means the output may come from other code: refuse to record it under that key.
    const now = await stageCodeNow(session, stage);
    if (now.digest !== st.code.digest) {
      const changed = diffList("module", st.code.modules, now.modules);
      const cause = new Error(
        `its code changed while it ran (${
          changed.slice(0, 3).join("; ") || "npm packages or remote imports changed"
        }); its output was discarded: run again`,
      );
      cause.stack = "";
      throw new StageError(st.name, cause);
    }
    let digest: string;
    try {
      digest = (await store.commit(tmp.out, { pin: `${tmp.root}/pin.json` })).digest;
    } catch (e) {
      if (e instanceof StoreFault) throw e;
      throw new StageError(st.name, e); // e.g. the stage wrote a symlink
    }
    const ended = new Date();
    const { backend, seeds, ...rest } = info;
    const record: RunRecord = {
      v: 1,
      engine: ENGINE_VERSION,
      key: st.key!,
      stage: st.name,
      params: st.params,
      inputs: Object.fromEntries(
        Object.entries(st.inputs).map((
          [n, i],
        ) => [n, { stage: i.stage, key: i.key!, output: i.output! }]),
      ),
      code: st.code,
      output: digest,
      headline: stage.headline,
      backend: typeof backend === "string" ? backend : null,
      seeds: Array.isArray(seeds) ? seeds.map(Number) : [],
      info: JSON.parse(JSON.stringify(rest)),
      env: runtimeInfo(),
      git: await gitInfo(session.root),
      startedAt: started.toISOString(),
      endedAt: ended.toISOString(),
      durationMs: ended.getTime() - started.getTime(),
    };
    await pausePoint("before-record");
    store.writeRecord(record);
    session.verified.add(digest);
    return record;
  } finally {
    tmp.remove();
    liveTemps.delete(tmp);
  }
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
