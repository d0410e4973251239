/**
 * Finding stage outputs for notebooks: an Explorer binds the SCoRe pipeline to a config and a
 * store (the engine's `openSession`), `load(name)` finds a stage's current output (the engine's
 * `locate`) and wraps it in typed readers, or throws a StageOutputError that says whether the
 * output is stale or missing, why, and the exact command that makes it.
 */
import {
  locate,
  openSession,
  planStatus,
  type RunRecord,
  type Session,
  type StageState,
} from "../pipeline/mod.ts";
import { pipeline } from "../stages/mod.ts";
import type { EvalRecord, ScalingPoint, ScalingRecord, SeedEvaluation } from "../metrics/mod.ts";
import type { ReportData, TrainingCurve } from "../report/mod.ts";
import { curveFromMetrics, hasRlMetrics, seedOf } from "./curves.ts";
import {
  type MetricsLine,
  type ProblemSet,
  readEvalRecords,
  readEvaluation,
  readMetrics,
  readProblems,
  readReport,
  readRollouts,
  readScaling,
  readScalingSamples,
  type RolloutRecord,
  STAGE_FILES,
} from "./readers.ts";
import {
  describeOptions,
  type ExploreOptions,
  type ResolvedOptions,
  resolveOptions,
  stageCommand,
} from "./options.ts";

/** A stage has no usable output for the explored config: says why and which command makes it. */
export class StageOutputError extends Error {
  override name = "StageOutputError";
  constructor(
    /** The stage name, e.g. "eval@score.s0". */
    readonly stage: string,
    /** "stale" (an older output exists for other inputs/params/code) or "missing" (none). */
    readonly state: Exclude<StageState, "cached">,
    /** The engine's reason (e.g. "param rl.alpha: 10 → 20", "input base is not up to date"). */
    readonly reason: string,
    /** The exact command that makes the output. */
    readonly command: string,
    options: string,
  ) {
    super(
      `stage "${stage}" has no current output for ${options}: it is ${state}` +
        `${reason ? ` (${reason})` : ""}. Make it with: ${command}`,
    );
  }
}

/** One stage of the explored config: its state, and its output directory when cached. */
export interface StageSummary {
  name: string;
  /** The name without its `@instance` suffix ("stage2@s0" → "stage2"). */
  family: string;
  description: string;
  state: StageState;
  reason: string;
  /** Output directory when cached, else null. */
  path: string | null;
}

/** The current output of one stage, with typed readers for the files it holds. */
export class StageOutput {
  constructor(
    /** The stage name. */
    readonly name: string,
    /** Its output directory in the store (read-only). */
    readonly dir: string,
    /** Its cache key. */
    readonly key: string,
    /** Its run record (timings, backend, seeds, versions, params). */
    readonly record: RunRecord,
  ) {}

  /** Absolute path of a file in the output (`rel` like "checkpoint/config.json"). */
  file(rel: string): string {
    return `${this.dir}/${rel}`;
  }

  /** The names in the output directory (top level), sorted. */
  async files(): Promise<string[]> {
    const names: string[] = [];
    for await (const e of Deno.readDir(this.dir)) names.push(e.isDirectory ? `${e.name}/` : e.name);
    return names.sort();
  }

  /**
   * Throws a plain error when the output has no `file` (e.g. eval.jsonl of a training stage),
   * naming the stage, the files it does have and which stages write `file`.
   */
  private async need(kind: keyof typeof STAGE_FILES): Promise<void> {
    const { file, writtenBy } = STAGE_FILES[kind];
    try {
      await Deno.stat(this.file(file));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      throw new Error(
        `stage "${this.name}" has no ${file} (its output holds: ${
          (await this.files()).join(", ") || "nothing"
        }); ${file} is written by ${writtenBy}`,
      );
    }
  }

  /** `metrics.jsonl`: one line per training step (training stages). */
  async metrics(): Promise<MetricsLine[]> {
    await this.need("metrics");
    return readMetrics(this.dir);
  }

  /** `eval.jsonl`: both attempts of every test problem (eval stages). */
  async evalRecords(): Promise<EvalRecord[]> {
    await this.need("eval");
    return readEvalRecords(this.dir);
  }

  /** `evaluation.json`: metrics, intervals, per-level/family breakdown, histogram (eval stages). */
  async evaluation(): Promise<SeedEvaluation> {
    await this.need("evaluation");
    return readEvaluation(this.dir);
  }

  /** `scaling.json`: the inference-time scaling curve (eval stages of base and SCoRe). */
  async scaling(): Promise<ScalingPoint[]> {
    await this.need("scaling");
    return readScaling(this.dir);
  }

  /** `scaling_samples.jsonl`: the samples behind the scaling curve. */
  async scalingSamples(): Promise<ScalingRecord[]> {
    await this.need("scalingSamples");
    return readScalingSamples(this.dir);
  }

  /** `rollouts.jsonl`: the base model's two-attempt samples (the rollouts stage). */
  async rollouts(): Promise<RolloutRecord[]> {
    await this.need("rollouts");
    return readRollouts(this.dir);
  }

  /** task.json plus the train and test splits (the problems stage). */
  async problems(): Promise<ProblemSet> {
    await this.need("problems");
    return readProblems(this.dir);
  }

  /** report.json as ReportData (the report stage). */
  async report(): Promise<ReportData> {
    await this.need("report");
    return readReport(this.dir);
  }
}

function session(o: ResolvedOptions): Promise<Session> {
  return openSession(pipeline, {
    preset: o.preset,
    file: o.config,
    overrides: o.set,
    storeDir: o.storeDir,
    cwd: o.cwd,
  });
}

/**
 * A view of the SCoRe pipeline's outputs for one config and store. Every query re-reads the config
 * and re-plans, so a notebook kept open sees code, config and store changes made since.
 */
export class Explorer {
  private constructor(
    private session: Session,
    /** The options in effect (preset always named). */
    readonly options: ResolvedOptions,
  ) {}

  /** Opens the pipeline for a config (options, else SCORE_PRESET/SCORE_CONFIG/SCORE_STORE). */
  static async open(opts: ExploreOptions = {}): Promise<Explorer> {
    const o = resolveOptions(opts);
    return new Explorer(await session(o), o);
  }

  /** A fresh session (the engine memoises code digests and verified objects per session). */
  private async refresh(): Promise<Session> {
    this.session = await session(this.options);
    return this.session;
  }

  /** The store directory. */
  get storeDir(): string {
    return this.session.store.dir;
  }

  /** Every stage name of the explored config's DAG, in dependency order. */
  stageNames(): string[] {
    return this.session.dag.order.map((s) => s.name);
  }

  /** Every stage (or those matching `filter`): its state, the reason, its output path. */
  async stages(filter?: (name: string) => boolean): Promise<StageSummary[]> {
    const statuses = await planStatus(await this.refresh());
    return statuses.filter((s) => !filter || filter(s.name)).map((s) => ({
      name: s.name,
      family: s.stage.family,
      description: s.stage.description ?? "",
      state: s.state,
      reason: s.reason,
      path: s.outputPath,
    }));
  }

  /** The exact command that makes `name`'s output for this config. */
  command(name: string): string {
    return stageCommand(name, this.options);
  }

  /**
   * The current output of stage `name` (an exact name, e.g. "stage2@s0", "eval@score.s0").
   * Throws StageOutputError when it is stale or missing, naming the command that makes it, and a
   * plain error listing the known names when there is no such stage.
   */
  async load(name: string): Promise<StageOutput> {
    const loc = await locate(await this.refresh(), name);
    if (loc.state === "cached" && loc.path && loc.key && loc.record) {
      return new StageOutput(name, loc.path, loc.key, loc.record);
    }
    const state = loc.state === "cached" ? "missing" : loc.state;
    throw new StageOutputError(
      name,
      state,
      loc.reason,
      this.command(name),
      describeOptions(this.options),
    );
  }

  /** Like {@link load}, but null instead of a StageOutputError (unknown names still throw). */
  async tryLoad(name: string): Promise<StageOutput | null> {
    try {
      return await this.load(name);
    } catch (e) {
      if (e instanceof StageOutputError) return null;
      throw e;
    }
  }

  /**
   * The training stages whose curves the report plots (its inputs other than `problems` and the
   * `eval@` stages), in dependency order; when the DAG has no report, every stage but those.
   */
  curveStageNames(): string[] {
    const order = this.session.dag.order;
    const report = order.find((s) => s.name === "report");
    const skip = (n: string) => n === "problems" || n === "report" || n.startsWith("eval@");
    const wanted = report
      ? new Set(Object.values(report.inputs).map((s) => s.name).filter((n) => !skip(n)))
      : new Set(order.map((s) => s.name).filter((n) => !skip(n)));
    return order.map((s) => s.name).filter((n) => wanted.has(n));
  }

  /**
   * The training curve of every curve stage that has a current output with RL metrics (reward,
   * KL, Δ, changed answers, edit ratio per step), read from its own `metrics.jsonl`; the others are listed in
   * `unavailable` with the error that says how to make them.
   */
  async trainingCurves(): Promise<{
    curves: TrainingCurve[];
    unavailable: { stage: string; error: string }[];
  }> {
    const curves: TrainingCurve[] = [];
    const unavailable: { stage: string; error: string }[] = [];
    for (const name of this.curveStageNames()) {
      try {
        const out = await this.load(name);
        const lines = await out.metrics();
        if (!hasRlMetrics(lines)) continue;
        const seed = seedOf(name) ?? out.record.seeds[0] ?? 0;
        curves.push(curveFromMetrics(name.split("@")[0], seed, lines));
      } catch (e) {
        unavailable.push({ stage: name, error: (e as Error).message });
      }
    }
    return { curves, unavailable };
  }

  /** The report of this config (report.json of the `report` stage). */
  async report(): Promise<ReportData> {
    return (await this.load("report")).report();
  }
}

/** Opens an {@link Explorer}: the pipeline for a config (see ExploreOptions for defaults). */
export function openExplorer(opts: ExploreOptions = {}): Promise<Explorer> {
  return Explorer.open(opts);
}

/**
 * The current output of stage `name` for a config: `await load("eval@score.s0", { preset:
 * "smoke" })`. Throws StageOutputError (stale or missing, why, and the command that makes it).
 */
export async function load(name: string, opts: ExploreOptions = {}): Promise<StageOutput> {
  return (await Explorer.open(opts)).load(name);
}
