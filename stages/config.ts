/**
 * The experiment's configuration schema: the single source of truth for every knob of the
 * pipeline. Defaults are the embedded `default` experiment; presets and `--config` files override
 * them. Each stage reads only the sections it declares, so a knob invalidates only its readers.
 *
 * @module
 */
import { z } from "zod";
// A leaf module of texts, no imports: the defaults of problems.prompt.
import { SCORE_PROMPTS } from "../datasets/prompts.ts";

const int = (min = 0) => z.number().int().min(min);
const prob = () => z.number().min(0).max(1);

/** The embedded families' generator settings. */
export const EmbeddedProblemsConfig = z.object({
  // datasets' FAMILY_NAMES, spelled out so that the config (which every stage imports) does not
  // pull the family generators into every stage's code digest; a test keeps the two lists equal
  families: z.array(z.enum(["add", "mul", "lin", "mod", "sub", "chk"])).min(1).default(["add"]),
  levels: z.array(z.number().int().min(1).max(3)).min(1).default([1, 2, 3]),
  nTrain: int(1).default(4000),
  nTest: int(1).default(400),
  seed: z.number().int().default(1),
}).strict();

/** The public formats the loaders read (datasets/loaders). */
export const FileFormat = z.enum(["gsm8k", "math", "math500", "mbpp", "humaneval"]);
/** A public format. */
export type FileFormat = z.infer<typeof FileFormat>;

/** The kind of task each format is: which verifier checks its attempts. */
export const FORMAT_KIND = {
  gsm8k: "math",
  math: "math",
  math500: "math",
  mbpp: "code",
  humaneval: "code",
} as const satisfies Record<FileFormat, "math" | "code">;

/** The sources of the `problems` stage: the embedded families, one public format, or `code`. */
export const ProblemsSourceName = z.enum(["embedded", ...FileFormat.options, "code"]);

const FORMAT_LIST = FileFormat.options.join(", ");
const path = () => z.string().min(1);

/**
 * A split's file named with its format: `{ mbpp: FILE }` (exactly one format, and no other key:
 * checked with the source, so that the message can list the formats).
 */
const SplitByFormat = z.looseObject(
  Object.fromEntries(FileFormat.options.map((f) => [f, path().optional()])) as Record<
    FileFormat,
    z.ZodOptional<z.ZodString>
  >,
);

/**
 * One split's local file (or MATH directory): a path, read in the source's format, or
 * `{ FORMAT: path }` to name the format, e.g. `test: { math500: data/math500.jsonl }` beside a
 * MATH train directory, or `train: { mbpp: … }` and `test: { humaneval: … }` for `source: code`.
 */
export const SplitFile = z.union([path(), SplitByFormat], {
  error: () =>
    `expected a local file's path, or { FORMAT: path } with FORMAT one of ${FORMAT_LIST}`,
});

/**
 * The turn-1 prompt and the self-correction instruction of a public set (a chat model's user
 * turns; the character models of the embedded experiment use tokens instead). Unset fields take
 * the paper's texts for the task's kind (datasets/prompts.ts): MATH's for the math sets, the
 * HumanEval/MBPP ones for the code sets.
 */
export const PromptConfig = z.object({
  /** The first user turn; `{problem}` is replaced by the problem's question. */
  turn1: z.string().min(1).refine((t) => t.includes("{problem}"), {
    message: "has no {problem} placeholder; add one where the problem's question goes",
  }).optional(),
  /** The self-correction instruction (the user turn before attempt 2). */
  instruction: z.string().min(1).optional(),
}).strict();

/** The resolved prompts of a public set (what enters the stage's key and task.json). */
export const Prompts = z.object({ turn1: z.string().min(1), instruction: z.string().min(1) })
  .strict();

/**
 * Limits of one sandboxed run of a code attempt (verifiers/code). The defaults are the sandbox's
 * own `DEFAULT_LIMITS`, spelled out so that the config does not pull the sandbox into every
 * stage's code digest (a test keeps them equal).
 */
export const SandboxConfig = z.object({
  /** Wall clock per attempt; the sandbox is killed at it (an infinite loop scores 0). */
  timeoutMs: int(100).default(10_000),
  /** Memory cap per attempt in MiB. */
  memoryMb: int(32).default(512),
  /** Cap on what an attempt may print (stdout + stderr). */
  outputBytes: int(1024).default(1 << 20),
}).strict();

/**
 * Where the problems come from: `source: embedded` reads `embedded`; a public set reads `train`
 * and `test` (local files). `source` is a format (both splits in it unless a split names its own)
 * or `code` (each split names its format: MBPP for training and HumanEval for evaluation, as in
 * the paper). Both splits must be of the source's kind (math or code). Only the settings of the
 * chosen source enter the `problems` stage's key.
 */
export const ProblemsConfig = z.object({
  source: ProblemsSourceName.default("embedded"),
  embedded: EmbeddedProblemsConfig.default(EmbeddedProblemsConfig.parse({})),
  train: SplitFile.optional(),
  test: SplitFile.optional(),
  /** Skip malformed rows (and report how many) instead of failing. */
  skipBadRows: z.boolean().default(false),
  /** Keep at most this many problems per split (0 = all). */
  limit: int().default(0),
  prompt: PromptConfig.default({}),
  sandbox: SandboxConfig.default(SandboxConfig.parse({})),
}).strict().superRefine((p, ctx) => {
  if (p.source === "embedded") {
    for (const k of ["turn1", "instruction"] as const) {
      if (p.prompt[k] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["prompt", k],
          message: "the embedded experiment's instruction is the <self_correct> token; " +
            `problems.prompt applies to public sets (source ${FORMAT_LIST} or code): remove it`,
        });
      }
    }
    return;
  }
  const kind = sourceKind(p.source);
  for (const k of ["train", "test"] as const) {
    const split = p[k];
    if (split === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: p.source === "code"
          ? `source code needs problems.${k}: { mbpp: FILE } or { humaneval: FILE }`
          : `source ${p.source} needs problems.${k}: the path of a local file`,
      });
      continue;
    }
    if (typeof split === "string") {
      if (p.source === "code") {
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `source code reads two formats: name this one, e.g. problems.${k}: ` +
            `{ ${k === "train" ? "mbpp" : "humaneval"}: ${split} }`,
        });
      }
      continue;
    }
    const unknown = Object.keys(split).find((f) => !(FileFormat.options as string[]).includes(f));
    if (unknown !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [k, unknown],
        message: `unknown format "${unknown}": name the split's file as { FORMAT: path } with ` +
          `FORMAT one of ${FORMAT_LIST}`,
      });
      continue;
    }
    const named = Object.entries(split).filter(([, v]) => v !== undefined);
    if (named.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: `name exactly one format for the split's file (got ${
          named.length === 0 ? "none" : named.map(([f]) => f).join(", ")
        }): { FORMAT: path } with FORMAT one of ${FORMAT_LIST}`,
      });
      continue;
    }
    const format = named[0][0] as FileFormat;
    if (FORMAT_KIND[format] !== kind) {
      ctx.addIssue({
        code: "custom",
        path: [k, format],
        message: `${format} is a ${FORMAT_KIND[format]} set, but source ${p.source} is a ${kind} ` +
          `task; both splits must be ${kind} sets (${
            FileFormat.options.filter((f) => FORMAT_KIND[f] === kind).join(", ")
          })`,
      });
    }
  }
});

/** The kind of task a non-embedded source is (math or code). */
export function sourceKind(source: Exclude<z.infer<typeof ProblemsSourceName>, "embedded">) {
  return source === "code" ? "code" : FORMAT_KIND[source];
}

/** One split's file and format, resolved. */
export const SplitSource = z.object({ format: FileFormat, path: z.string().min(1) }).strict();
/** One split's file and format. */
export type SplitSource = z.infer<typeof SplitSource>;

/** The slice of {@link ProblemsConfig} that the chosen source uses. */
export const ProblemsSource = z.discriminatedUnion("source", [
  z.object({ source: z.literal("embedded"), embedded: EmbeddedProblemsConfig }).strict(),
  z.object({
    source: ProblemsSourceName.exclude(["embedded"]),
    train: SplitSource,
    test: SplitSource,
    skipBadRows: z.boolean(),
    limit: int(),
    prompt: Prompts,
    /** Code sets only: the sandbox's limits per attempt. */
    sandbox: SandboxConfig.optional(),
  }).strict(),
]);
/** The slice of the problems config that the chosen source uses. */
export type ProblemsSource = z.infer<typeof ProblemsSource>;

/** Picks the settings of the chosen source from a validated problems config. */
export function problemsSource(p: z.infer<typeof ProblemsConfig>): ProblemsSource {
  if (p.source === "embedded") return { source: "embedded", embedded: p.embedded };
  const source = p.source;
  const kind = sourceKind(source);
  const split = (s: z.infer<typeof SplitFile> | undefined): SplitSource => {
    if (typeof s === "string") return { format: source as FileFormat, path: s };
    // validated: exactly one key, a format
    const format = FileFormat.options.find((f) => s![f] !== undefined)!;
    return { format, path: s![format]! };
  };
  return {
    source,
    train: split(p.train),
    test: split(p.test),
    skipBadRows: p.skipBadRows,
    limit: p.limit,
    prompt: {
      turn1: p.prompt.turn1 ?? SCORE_PROMPTS[kind].turn1,
      instruction: p.prompt.instruction ?? SCORE_PROMPTS[kind].instruction,
    },
    ...(kind === "code" ? { sandbox: p.sandbox } : {}),
  };
}

/** The transformer's size. */
export const ModelConfig = z.object({
  dModel: int(8).default(128),
  nLayer: int(1).default(2),
  nHead: int(1).default(4),
  ctxLen: int(16).default(160),
}).strict();

/** Noise of the base model's training transcripts (slip probability by level). */
export const NoiseConfig = z.object({
  base: prob().default(0.05),
  perLevel: z.number().min(-1).max(1).default(0.05),
  /** Probability of the family's systematic misconception where it applies (0 = none). */
  systematic: prob().default(0.7),
  /** Probability that attempt 2 carries the family's second-guessing habit where it applies. */
  secondGuess: prob().default(0),
}).strict();

/** Base-model pretraining on noisy two-attempt transcripts. */
export const BaseConfig = z.object({
  steps: int(1).default(1000),
  batchSize: int(1).default(32),
  lr: z.number().positive().default(3e-3),
  warmupSteps: int().default(50),
  /** Transcripts per training problem (attempts drawn independently). */
  transcriptsPerProblem: int(1).default(2),
  noise: NoiseConfig.default({ base: 0.05, perLevel: 0.05, systematic: 0.7, secondGuess: 0 }),
  seed: z.number().int().default(1),
}).strict();

/** Decoding limits shared by every stage that samples. */
export const DecodeConfig = z.object({
  /** Maximum tokens of one attempt. */
  maxAttemptTokens: int(4).default(64),
}).strict();

/** Two-attempt samples from the base model (the data of STaR and Pair-SFT). */
export const RolloutsConfig = z.object({
  samplesPerProblem: int(1).default(4),
  temperature: z.number().min(0).default(1),
  /** Training problems to sample (0 = all); also STaR's collection set. */
  problems: int().default(600),
}).strict();

/** On-policy RL shared settings (SCoRe stages, naive RL and the RL ablations). */
export const RlConfig = z.object({
  /** Learning rate of every Stage II objective (SCoRe Stage II, naive RL, the RL ablations). */
  lr: z.number().positive().default(3e-5),
  /** Learning rate of SCoRe Stage I. */
  stage1Lr: z.number().positive().default(1e-4),
  problemsPerStep: int(1).default(8),
  samplesPerProblem: int(1).default(4),
  temperature: z.number().positive().default(1),
  alpha: z.number().min(0).default(10),
  beta1: z.number().min(0).default(0.01),
  beta2: z.number().min(0).default(1),
  stage1Steps: int(1).default(40),
  stage2Steps: int(1).default(40),
  /** Steps of the single-stage baselines and ablations (naive RL, w/o Stage I, single-turn). */
  baselineSteps: int(1).default(80),
  /**
   * SCoRe's schedule: Stage I then Stage II, repeated this many rounds (an early version of the
   * paper ran two of each); round r ≥ 2 starts Stage I from round r − 1's Stage II. The ablations
   * that start from Stage I (w/o reward shaping, STaR in Stage II) start from round 1's.
   */
  rounds: int(1).default(1),
  /**
   * Checkpoint selection (the paper keeps the checkpoint with the best training reward): every
   * this many steps, and after the last, each RL stage decodes greedily on `selectProblems`
   * held-out training problems and keeps its best checkpoint. 0 keeps the last weights.
   */
  selectEvery: int().default(10),
  /** Training problems held out of RL for checkpoint selection (the end of the train split). */
  selectProblems: int().default(200),
}).strict().superRefine((rl, ctx) => {
  if (rl.selectEvery > 0 && rl.selectProblems === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["selectProblems"],
      message: "checkpoint selection (rl.selectEvery > 0) needs held-out problems: set " +
        "rl.selectProblems ≥ 1, or rl.selectEvery: 0 to keep the last weights",
    });
  }
});

/** Supervised fine-tuning baselines: STaR (D+) and Pair-SFT. */
export const SftConfig = z.object({
  lr: z.number().positive().default(3e-4),
  batchSize: int(1).default(32),
  /** STaR: collect-and-fine-tune rounds. */
  starRounds: int(1).default(3),
  /** STaR: fine-tuning steps per round. */
  starSteps: int(1).default(40),
  /** Pair-SFT: passes over the pairs (the paper: one epoch). */
  pairEpochs: int(1).default(1),
}).strict();

/** Evaluation of every checkpoint. */
export const EvaluateConfig = z.object({
  /** Bootstrap resamples for the 95% intervals. */
  bootstrap: int(10).default(1000),
  /** Inference-time scaling: K values (K samples + self-correction vs 2K samples). */
  scalingK: z.array(int(1)).default([1, 2, 4, 8]),
  scalingTemperature: z.number().min(0).default(0.7),
  /** Test problems used for the scaling curve (0 = all). */
  scalingProblems: int().default(100),
}).strict();

/** A seed listed twice would name the same run twice: reported at the second one. */
function uniqueSeeds(seeds: number[], ctx: z.RefinementCtx): void {
  const seen = new Set<number>();
  seeds.forEach((s, i) => {
    if (seen.has(s)) {
      ctx.addIssue({
        code: "custom",
        path: [i],
        message: `seed ${s} is listed twice; each seed is one run, so list distinct seeds`,
      });
    }
    seen.add(s);
  });
}

/** Seeds of the methods and of the ablations. */
export const SeedsConfig = z.object({
  methods: z.array(z.number().int()).min(1).superRefine(uniqueSeeds).default([0, 1, 2]),
  ablations: z.array(z.number().int()).min(1).superRefine(uniqueSeeds).default([0]),
}).strict();

/** The whole configuration. */
export const ExperimentConfig = z.object({
  /** The experiment's name, shown in the report (presets set it to their own name). */
  name: z.string().min(1).default("default"),
  /** tfjs backend: auto picks webgpu on a real GPU adapter, else wasm. */
  backend: z.enum(["auto", "webgpu", "wasm", "cpu"]).default("auto"),
  /**
   * Gradient Workers per training step on wasm (data parallelism over the cores). Part of the
   * training stages' keys: shard sums round differently from a single-process step.
   */
  workers: z.number().int().min(1).max(16).default(2),
  seeds: SeedsConfig.default(SeedsConfig.parse({})),
  problems: ProblemsConfig.default(ProblemsConfig.parse({})),
  model: ModelConfig.default(ModelConfig.parse({})),
  base: BaseConfig.default(BaseConfig.parse({})),
  decode: DecodeConfig.default(DecodeConfig.parse({})),
  rollouts: RolloutsConfig.default(RolloutsConfig.parse({})),
  rl: RlConfig.default(RlConfig.parse({})),
  sft: SftConfig.default(SftConfig.parse({})),
  evaluate: EvaluateConfig.default(EvaluateConfig.parse({})),
}).strict();
/** The whole configuration, validated. */
export type ExperimentConfig = z.infer<typeof ExperimentConfig>;

/**
 * Where a tensor stage runs: the params every such stage shares, declared once (base, rollouts,
 * training, evaluation).
 */
export const RuntimeParams = z.object({
  backend: ExperimentConfig.shape.backend,
  workers: ExperimentConfig.shape.workers,
});

/** {@link RuntimeParams} plus the decoding settings, for every stage that samples attempts. */
export const DecodingParams = RuntimeParams.extend({ decode: DecodeConfig });

/** The {@link DecodingParams} of a configuration. */
export function decodingParams(
  c: ExperimentConfig,
): z.infer<typeof DecodingParams> {
  return { backend: c.backend, workers: c.workers, decode: c.decode };
}
