/** zod schemas of everything the engine writes to disk: the single source of truth for them. */
import { z } from "zod";

/** Bumped when the meaning of keys or the store layout changes: every key changes with it. */
export const ENGINE_VERSION = 1;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, "expected a sha256 hex digest");

/** One input of a run: the upstream stage, its key and its output digest. */
export const RecordInput = z.object({ stage: z.string(), key: Hex64, output: Hex64 });

/** The code digest of a run, with per-module digests so `status` can name what changed. */
export const RecordCode = z.object({
  digest: Hex64,
  modules: z.record(z.string(), z.string()),
  npm: z.record(z.string(), z.string()),
  other: z.array(z.string()),
});

/** A run record: written last, after the output is in the store. */
export const RunRecord = z.object({
  v: z.literal(1),
  engine: z.number().int(),
  key: Hex64,
  stage: z.string(),
  params: z.unknown(),
  inputs: z.record(z.string(), RecordInput),
  code: RecordCode,
  output: Hex64,
  headline: z.string().optional(),
  backend: z.string().nullable(),
  seeds: z.array(z.number()),
  info: z.record(z.string(), z.unknown()),
  env: z.object({
    deno: z.string(),
    v8: z.string(),
    typescript: z.string(),
    os: z.string(),
    arch: z.string(),
    host: z.string(),
    pid: z.number(),
  }),
  git: z.object({ commit: z.string().nullable(), dirty: z.boolean().nullable() }),
  startedAt: z.string(),
  endedAt: z.string(),
  durationMs: z.number(),
});
/** A run record. */
export type RunRecord = z.infer<typeof RunRecord>;

/** The manifest of a stored output tree; `stat` is a snapshot for cheap change detection. */
export const Manifest = z.object({
  v: z.literal(1),
  digest: Hex64,
  files: z.array(z.object({ path: z.string(), size: z.number().int(), sha256: Hex64 })),
  stat: z.record(z.string(), z.tuple([z.number(), z.number(), z.number(), z.number()])),
});
/** A manifest. */
export type Manifest = z.infer<typeof Manifest>;

/** The "latest record per stage name" index entry. */
export const LatestEntry = z.object({ stage: z.string(), key: Hex64, at: z.string() });
