/**
 * The engine's own config keys, accepted next to the pipeline's in every config layer (preset,
 * `--config` file, `--set`): where the remote cache is and how stages are executed. They never enter
 * a stage's key: they change where results come from and run, not what they are.
 */
import { z } from "zod";

/** The `remote:` section (also set by `SCORE_REMOTE` / `--remote URL`). */
export const RemoteConfig = z.object({
  /** Base URL (http or https); a directory of the server. Optional here: `SCORE_REMOTE` sets it. */
  url: z.string().regex(/^https?:\/\//, "expected an http:// or https:// URL").optional(),
  /** `auto`: download a missing stage the remote has; `required`: fail if it cannot. */
  pull: z.enum(["auto", "never", "required"]).default("auto"),
  /** `auto`: upload each stage this run computes, right after its record is written. */
  push: z.enum(["auto", "never"]).default("auto"),
  /** Transfers (files) at once. */
  parallel: z.number().int().min(1).max(64).default(4),
  /** Seconds a request may wait for an answer or for the next bytes before it fails. */
  timeout: z.number().positive().default(30),
  /** Seconds between progress lines (bytes, rate) of a long transfer. */
  progress: z.number().positive().default(2),
}).strict();
/** The remote's settings, its URL known. */
export type RemoteConfig = z.output<typeof RemoteConfig> & { url: string };

/** Resources of one Slurm job (`sbatch` options). */
export const SlurmResources = z.object({
  /** `--cpus-per-task`. */
  cpus: z.number().int().min(1).optional(),
  /** `--mem`, e.g. "4G" or "500M". */
  mem: z.string().regex(/^\d+[KMGT]?$/, 'expected a size such as "4G"').optional(),
  /** `--gres=gpu:N`. */
  gpus: z.number().int().min(0).optional(),
  /** `--time`, e.g. "1:00:00" or "30" (minutes). */
  time: z.string().regex(/^[\d:-]+$/, 'expected a Slurm time such as "1:00:00"').optional(),
  /** `--partition`. */
  partition: z.string().min(1).optional(),
}).strict();
/** Resources of one Slurm job. */
export type SlurmResources = z.output<typeof SlurmResources>;

/** The `slurm:` section: default resources and per-stage ones (by name or family). */
export const SlurmConfig = z.object({
  defaults: SlurmResources.default({}),
  /** Stage name (`base@s0`) or family (`base`) → resources overriding the defaults. */
  stages: z.record(z.string(), SlurmResources).default({}),
  /** Seconds between `squeue` polls. */
  poll: z.number().positive().default(1),
  /** Jobs submitted at once (Slurm queues them by their resources). */
  maxJobs: z.number().int().min(1).default(16),
}).strict();
/** The Slurm executor's settings. */
export type SlurmConfig = z.output<typeof SlurmConfig>;

/** Every engine key, as zod shape entries to extend a pipeline's config schema with. */
export const ENGINE_KEYS = {
  remote: RemoteConfig.optional(),
  executor: z.enum(["local", "slurm"]).optional(),
  slurm: SlurmConfig.optional(),
};

/**
 * The remote of a run: a URL given on the command line (`--remote URL`) or in `SCORE_REMOTE`
 * replaces the config's URL and keeps its other settings; null when none is set.
 */
export function resolveRemote(fromConfig: unknown, urlOverride?: string): RemoteConfig | null {
  const r = RemoteConfig.parse({
    ...(fromConfig ?? {}),
    ...(urlOverride ? { url: urlOverride } : {}),
  });
  return r.url ? { ...r, url: r.url } : null;
}
