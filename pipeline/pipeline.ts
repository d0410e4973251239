/** Pipeline values: the config schema, presets and the config → stages function. Light. */
import type { z } from "zod";
import type { Stage } from "./stage.ts";

/** A pipeline, built by {@link definePipeline}. */
export interface Pipeline<C extends z.ZodObject = z.ZodObject> {
  /** Full config schema; unknown keys are rejected whatever the schema's own mode. */
  readonly config: C;
  /** Preset name → YAML text, or a `URL` of a YAML file. `default` is used when none is named. */
  readonly presets: Readonly<Record<string, string | URL>>;
  /** The DAG for a validated config (e.g. one stage instance per seed). */
  readonly stages: (config: z.output<C>) => Stage<unknown>[];
  /** URL of the module defining the pipeline (used in messages). */
  readonly module?: string;
}

/** What {@link definePipeline} accepts. */
export interface PipelineSpec<C extends z.ZodObject> {
  config: C;
  presets: Record<string, string | URL>;
  stages: (config: z.output<C>) => Stage<unknown>[];
  module?: string;
}

/** Declares a pipeline. Throws when no preset is given. */
export function definePipeline<C extends z.ZodObject>(spec: PipelineSpec<C>): Pipeline<C> {
  if (!spec.presets || Object.keys(spec.presets).length === 0) {
    throw new Error(
      "definePipeline: give at least one preset (a `default` one is used by default)",
    );
  }
  return Object.freeze({
    config: spec.config,
    presets: Object.freeze({ ...spec.presets }),
    stages: spec.stages,
    module: spec.module,
  });
}
