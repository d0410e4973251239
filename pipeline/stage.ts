/**
 * Stage values: what a stage declares (name, module, inputs, params schema, run function) and the
 * context the engine hands its run function. Type-only use of zod keeps this module light.
 */
import type { z } from "zod";

/** Progress of a long stage: a step counter plus any numeric or text metrics to show. */
export interface ProgressUpdate {
  step: number;
  total?: number;
  [metric: string]: number | string | undefined;
}

/** Information a stage reports about its run; stored in the run record. */
export interface RunInfo {
  backend?: string;
  seeds?: number[];
  [k: string]: unknown;
}

/**
 * What a stage's run function receives. `I` is the union of its input names: {@link defineStage}
 * narrows it to the declared inputs, so a misspelt `ctx.input("...")` fails type checking.
 */
export interface StageContext<P = unknown, I extends string = string> {
  /** The stage's name (e.g. "stage2@seed1"). */
  name: string;
  /** The cache key of this run. */
  key: string;
  /** Validated params: the slice of the config the stage declared. */
  params: P;
  /** A fresh empty directory: the only place the stage writes. */
  outDir: string;
  /** Absolute path of an input stage's output directory (read-only). */
  input(name: I): string;
  /** Writes a log line (stderr), prefixed with the stage name. */
  log(msg: string): void;
  /** Reports progress: a rewritten line on a TTY, periodic plain lines otherwise. */
  progress(update: ProgressUpdate): void;
  /** Appends one JSON line to `outDir/metrics.jsonl`. */
  metrics(record: Record<string, unknown>): Promise<void>;
  /** Records run information (backend, seeds, ...) into the run record. */
  record(info: RunInfo): void;
  /** Aborted on SIGINT/SIGTERM: long loops should check it. */
  signal: AbortSignal;
}

/** A stage of the DAG: a value, built by {@link defineStage}. */
export interface Stage<P = unknown> {
  readonly name: string;
  /** `name` without an `@instance` suffix: "stage2@seed1" → "stage2". */
  readonly family: string;
  /** URL of the module that defines the stage: the root of its code digest. */
  readonly module: string;
  readonly inputs: Readonly<Record<string, Stage<unknown>>>;
  readonly params?: z.ZodType<P>;
  /** Picks the stage's slice from the full validated config. */
  readonly select: (config: Record<string, unknown>) => unknown;
  /** A file in the output worth printing at the end of `reproduce` (e.g. "report.md"). */
  readonly headline?: string;
  readonly description?: string;
  /** The stage's work (method syntax keeps `Stage<P>` assignable to `Stage<unknown>`). */
  run(ctx: StageContext<P>): Promise<void>;
}

/**
 * What {@link defineStage} accepts. `select` gets the pipeline's validated config, typed as `C`
 * (annotate its parameter with the config type: `(c: ExperimentConfig) => ...`), and must return
 * what the params schema accepts; `run`'s context knows the names of `inputs`.
 */
export interface StageSpec<
  P extends z.ZodType,
  I extends Record<string, Stage<unknown>>,
  C extends object = Record<string, unknown>,
> {
  name: string;
  module: string;
  inputs?: I;
  params?: P;
  select?: (config: C) => z.input<P>;
  headline?: string;
  description?: string;
  run(ctx: StageContext<z.output<P>, keyof I & string>): Promise<void>;
}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(@[A-Za-z0-9_.-]+)?$/;

function shapeKeys(schema: unknown): string[] | null {
  // zod objects expose `.shape`; wrappers (default/optional) expose the inner type via `.unwrap()`.
  let s = schema as { shape?: Record<string, unknown>; unwrap?: () => unknown } | undefined;
  for (let i = 0; i < 4 && s; i++) {
    if (s.shape && typeof s.shape === "object") return Object.keys(s.shape);
    s = typeof s.unwrap === "function" ? s.unwrap() as typeof s : undefined;
  }
  return null;
}

/** Declares a stage. Throws on a malformed name or a params schema `select` cannot slice. */
export function defineStage<
  P extends z.ZodType,
  I extends Record<string, Stage<unknown>> = Record<string, never>,
  C extends object = Record<string, unknown>,
>(spec: StageSpec<P, I, C>): Stage<z.output<P>> {
  if (!NAME_RE.test(spec.name)) {
    throw new Error(
      `defineStage: invalid stage name ${
        JSON.stringify(spec.name)
      }: use letters, digits, _ . - and an optional @instance suffix`,
    );
  }
  if (!spec.module || !/^(file|https?):/.test(spec.module)) {
    throw new Error(
      `defineStage(${spec.name}): "module" must be the defining module's import.meta.url`,
    );
  }
  // The engine calls `select` with the pipeline's validated config: the `C` the stage declared.
  let select = spec.select as ((config: Record<string, unknown>) => unknown) | undefined;
  if (!select) {
    if (!spec.params) select = () => ({});
    else {
      const keys = shapeKeys(spec.params);
      if (!keys) {
        throw new Error(
          `defineStage(${spec.name}): params is not a z.object, so give a "select" function`,
        );
      }
      select = (config) => {
        const out: Record<string, unknown> = {};
        for (const k of keys) if (k in config) out[k] = config[k];
        return out;
      };
    }
  }
  for (const [k, v] of Object.entries(spec.inputs ?? {})) {
    if (!v || typeof v !== "object" || typeof (v as Stage).name !== "string") {
      throw new Error(`defineStage(${spec.name}): input "${k}" is not a stage (got ${String(v)})`);
    }
  }
  return Object.freeze({
    name: spec.name,
    family: spec.name.split("@")[0],
    module: spec.module,
    inputs: Object.freeze({ ...(spec.inputs ?? {}) }),
    params: spec.params as unknown as z.ZodType<z.output<P>> | undefined,
    select,
    headline: spec.headline,
    description: spec.description,
    run: spec.run as (ctx: StageContext<z.output<P>>) => Promise<void>,
  });
}
