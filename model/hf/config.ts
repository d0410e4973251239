/**
 * A Hugging Face model directory's `config.json` (and optional `generation_config.json`) parsed
 * into one normalised architecture config. Each supported architecture has a zod schema of the
 * fields it reads, with HF's defaults, that transforms into {@link HfModelConfig}; anything the
 * model code would not reproduce exactly (another activation, RoPE scaling type, sliding-window
 * attention, …) is rejected with one error naming the file, the field, the value found and what
 * is supported.
 */
import { z } from "zod";

/** The architectures (config.json `architectures[0]`) this loader runs. */
export const HF_ARCHITECTURES = [
  "GPT2LMHeadModel",
  "LlamaForCausalLM",
  "MistralForCausalLM",
  "Qwen2ForCausalLM",
  "Qwen3ForCausalLM",
] as const;
/** A supported architecture name. */
export type HfArchitecture = (typeof HF_ARCHITECTURES)[number];

/** RoPE frequency scaling (null: none). */
export const RopeScaling = z.discriminatedUnion("kind", [
  /** Positions divided by `factor` (HF "linear"). */
  z.object({ kind: z.literal("linear"), factor: z.number() }),
  /** Llama 3.1's wavelength-dependent scaling (HF "llama3"). */
  z.object({
    kind: z.literal("llama3"),
    factor: z.number(),
    lowFreqFactor: z.number(),
    highFreqFactor: z.number(),
    originalMaxPositions: z.number().int(),
  }),
]).nullable();
/** RoPE frequency scaling (null: none). */
export type RopeScaling = z.infer<typeof RopeScaling>;

/** The normalised architecture config every model module reads. */
export const HfModelConfig = z.object({
  architecture: z.enum(HF_ARCHITECTURES),
  /** Block structure: GPT-2 (LayerNorm, learned positions, Conv1D, GELU) or the Llama family
   * (RMSNorm, RoPE, SwiGLU; Mistral is "llama"). */
  family: z.enum(["gpt2", "llama", "qwen2", "qwen3"]),
  vocabSize: z.number().int().min(1),
  hiddenSize: z.number().int().min(1),
  numLayers: z.number().int().min(1),
  numHeads: z.number().int().min(1),
  /** Key/value heads (grouped-query attention: numHeads is a multiple of it). */
  numKvHeads: z.number().int().min(1),
  headDim: z.number().int().min(1),
  intermediateSize: z.number().int().min(1),
  maxPositions: z.number().int().min(1),
  /** rms_norm_eps (Llama family) or layer_norm_epsilon (GPT-2). */
  normEps: z.number().positive(),
  hiddenAct: z.enum(["silu", "gelu_new"]),
  /** Rotary embedding (null for GPT-2's learned positions). */
  rope: z.object({ theta: z.number().positive(), scaling: RopeScaling }).nullable(),
  /** Whether the output head is the token embedding (no lm_head.weight). */
  tieWordEmbeddings: z.boolean(),
  /** Biases on the q, k and v projections (Qwen2 always; Llama/Qwen3 attention_bias). */
  qkvBias: z.boolean(),
  /** Bias on the attention output projection. */
  oBias: z.boolean(),
  /** Biases in the MLP (Llama mlp_bias; GPT-2 always). */
  mlpBias: z.boolean(),
  /** Qwen3's per-head RMSNorm on q and k before RoPE. */
  qkNorm: z.boolean(),
  /** Mistral's attention window: sequences longer than it are refused (null: none). */
  slidingWindow: z.number().int().min(1).nullable(),
  bosTokenId: z.number().int().nullable(),
  /** Token ids that end generation (generation_config.json's, else config.json's). */
  eosTokenIds: z.array(z.number().int()),
});
/** The normalised architecture config every model module reads. */
export type HfModelConfig = z.infer<typeof HfModelConfig>;

// ---- raw config.json schemas ------------------------------------------------------------------

const posInt = z.number().int().min(1);
const tokenIds = z.union([z.number().int(), z.array(z.number().int())]).nullable();

/** `rope_scaling` as HF writes it: `rope_type` (or the legacy `type`) selects the variant. */
const RawRopeScaling = z.preprocess(
  (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    return "rope_type" in o ? o : { ...o, rope_type: o.type };
  },
  z.discriminatedUnion("rope_type", [
    z.object({ rope_type: z.literal("default") }),
    z.object({ rope_type: z.literal("linear"), factor: z.number().positive() }),
    z.object({
      rope_type: z.literal("llama3"),
      factor: z.number().positive(),
      low_freq_factor: z.number().positive(),
      high_freq_factor: z.number().positive(),
      original_max_position_embeddings: posInt,
    }).refine((r) => r.high_freq_factor > r.low_freq_factor, {
      message: "high_freq_factor must exceed low_freq_factor",
      path: ["high_freq_factor"],
    }),
  ], { error: 'supported rope_type: "default", "linear", "llama3" (or rope_scaling null)' }),
).nullable();

function normaliseRope(theta: number, s: z.infer<typeof RawRopeScaling>): HfModelConfig["rope"] {
  if (s === null || s.rope_type === "default") return { theta, scaling: null };
  if (s.rope_type === "linear") return { theta, scaling: { kind: "linear", factor: s.factor } };
  return {
    theta,
    scaling: {
      kind: "llama3",
      factor: s.factor,
      lowFreqFactor: s.low_freq_factor,
      highFreqFactor: s.high_freq_factor,
      originalMaxPositions: s.original_max_position_embeddings,
    },
  };
}

function asIds(v: number | number[] | null | undefined): number[] {
  return v === null || v === undefined ? [] : Array.isArray(v) ? v : [v];
}

const silu = z.literal("silu", { error: 'supported: "silu"' }).default("silu");
const noSlidingWindow = z.literal(false, {
  error: "sliding-window attention is not supported (supported: false)",
}).default(false);

/** Fields shared by the Llama-family configs (HF's names and defaults). */
const llamaFields = {
  vocab_size: posInt,
  hidden_size: posInt,
  intermediate_size: posInt,
  num_hidden_layers: posInt,
  num_attention_heads: posInt,
  num_key_value_heads: posInt.nullable().optional(),
  head_dim: posInt.nullable().optional(),
  hidden_act: silu,
  max_position_embeddings: posInt.default(2048),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(10000),
  rope_scaling: RawRopeScaling.default(null),
  tie_word_embeddings: z.boolean().default(false),
  bos_token_id: z.number().int().nullable().default(null),
  eos_token_id: tokenIds.default(null),
};

type LlamaRaw = z.infer<z.ZodObject<typeof llamaFields>>;

/** The normalised config of a Llama-family raw config; `headDim` defaults as HF does. */
function llamaLike(
  r: LlamaRaw,
  architecture: HfArchitecture,
  family: HfModelConfig["family"],
  extra: Pick<HfModelConfig, "qkvBias" | "oBias" | "mlpBias" | "qkNorm" | "slidingWindow">,
  defaultHeadDim: number,
): HfModelConfig {
  return {
    architecture,
    family,
    vocabSize: r.vocab_size,
    hiddenSize: r.hidden_size,
    numLayers: r.num_hidden_layers,
    numHeads: r.num_attention_heads,
    numKvHeads: r.num_key_value_heads ?? r.num_attention_heads,
    headDim: r.head_dim ?? defaultHeadDim,
    intermediateSize: r.intermediate_size,
    maxPositions: r.max_position_embeddings,
    normEps: r.rms_norm_eps,
    hiddenAct: "silu",
    rope: normaliseRope(r.rope_theta, r.rope_scaling),
    tieWordEmbeddings: r.tie_word_embeddings,
    bosTokenId: r.bos_token_id,
    eosTokenIds: asIds(r.eos_token_id),
    ...extra,
  };
}

/** Heads must group evenly over KV heads, and RoPE needs an even head_dim. */
function checkHeads(
  r: { num_attention_heads: number; num_key_value_heads?: number | null },
  headDim: number,
  ctx: z.RefinementCtx,
): void {
  const kv = r.num_key_value_heads ?? r.num_attention_heads;
  if (r.num_attention_heads % kv !== 0) {
    ctx.addIssue({
      code: "custom",
      path: ["num_key_value_heads"],
      message: `num_attention_heads (${r.num_attention_heads}) must be a multiple of it`,
    });
  }
  if (headDim % 2 !== 0) {
    ctx.addIssue({ code: "custom", path: ["head_dim"], message: "RoPE needs an even head_dim" });
  }
}

const defaultHeadDim = (r: { hidden_size: number; num_attention_heads: number }) =>
  Math.floor(r.hidden_size / r.num_attention_heads);

const LlamaRawConfig = z.object({
  ...llamaFields,
  attention_bias: z.boolean().default(false),
  mlp_bias: z.boolean().default(false),
}).superRefine((r, ctx) => checkHeads(r, r.head_dim ?? defaultHeadDim(r), ctx))
  .transform((r) =>
    llamaLike(r, "LlamaForCausalLM", "llama", {
      qkvBias: r.attention_bias,
      oBias: r.attention_bias,
      mlpBias: r.mlp_bias,
      qkNorm: false,
      slidingWindow: null,
    }, defaultHeadDim(r))
  );

const MistralRawConfig = z.object({
  ...llamaFields,
  max_position_embeddings: posInt.default(4096 * 32),
  sliding_window: posInt.nullable().default(4096),
}).superRefine((r, ctx) => checkHeads(r, r.head_dim ?? defaultHeadDim(r), ctx))
  .transform((r) =>
    llamaLike(r, "MistralForCausalLM", "llama", {
      qkvBias: false,
      oBias: false,
      mlpBias: false,
      qkNorm: false,
      slidingWindow: r.sliding_window,
    }, defaultHeadDim(r))
  );

const Qwen2RawConfig = z.object({
  ...llamaFields,
  max_position_embeddings: posInt.default(32768),
  use_sliding_window: noSlidingWindow,
}).superRefine((r, ctx) => checkHeads(r, r.head_dim ?? defaultHeadDim(r), ctx))
  .transform((r) =>
    llamaLike(r, "Qwen2ForCausalLM", "qwen2", {
      qkvBias: true,
      oBias: false,
      mlpBias: false,
      qkNorm: false,
      slidingWindow: null,
    }, defaultHeadDim(r))
  );

const Qwen3RawConfig = z.object({
  ...llamaFields,
  max_position_embeddings: posInt.default(32768),
  attention_bias: z.boolean().default(false),
  use_sliding_window: noSlidingWindow,
}).superRefine((r, ctx) => checkHeads(r, r.head_dim ?? 128, ctx))
  .transform((r) =>
    // Qwen3Config's head_dim defaults to 128, not hidden_size / heads.
    llamaLike(r, "Qwen3ForCausalLM", "qwen3", {
      qkvBias: r.attention_bias,
      oBias: r.attention_bias,
      mlpBias: false,
      qkNorm: true,
      slidingWindow: null,
    }, 128)
  );

const Gpt2RawConfig = z.object({
  vocab_size: posInt,
  n_positions: posInt,
  n_embd: posInt,
  n_layer: posInt,
  n_head: posInt,
  n_inner: posInt.nullable().default(null),
  activation_function: z.literal("gelu_new", { error: 'supported: "gelu_new"' }).default(
    "gelu_new",
  ),
  layer_norm_epsilon: z.number().positive().default(1e-5),
  tie_word_embeddings: z.boolean().default(true),
  scale_attn_weights: z.literal(true, { error: "supported: true" }).default(true),
  scale_attn_by_inverse_layer_idx: z.literal(false, { error: "supported: false" }).default(false),
  add_cross_attention: z.literal(false, { error: "supported: false" }).default(false),
  bos_token_id: z.number().int().nullable().default(50256),
  eos_token_id: tokenIds.default(50256),
}).superRefine((r, ctx) => {
  if (r.n_embd % r.n_head !== 0) {
    ctx.addIssue({
      code: "custom",
      path: ["n_head"],
      message: `n_embd (${r.n_embd}) must be a multiple of it`,
    });
  }
}).transform((r): HfModelConfig => ({
  architecture: "GPT2LMHeadModel",
  family: "gpt2",
  vocabSize: r.vocab_size,
  hiddenSize: r.n_embd,
  numLayers: r.n_layer,
  numHeads: r.n_head,
  numKvHeads: r.n_head,
  headDim: r.n_embd / r.n_head,
  intermediateSize: r.n_inner ?? 4 * r.n_embd,
  maxPositions: r.n_positions,
  normEps: r.layer_norm_epsilon,
  hiddenAct: "gelu_new",
  rope: null,
  tieWordEmbeddings: r.tie_word_embeddings,
  qkvBias: true,
  oBias: true,
  mlpBias: true,
  qkNorm: false,
  slidingWindow: null,
  bosTokenId: r.bos_token_id,
  eosTokenIds: asIds(r.eos_token_id),
}));

const RAW_SCHEMAS = {
  GPT2LMHeadModel: Gpt2RawConfig,
  LlamaForCausalLM: LlamaRawConfig,
  MistralForCausalLM: MistralRawConfig,
  Qwen2ForCausalLM: Qwen2RawConfig,
  Qwen3ForCausalLM: Qwen3RawConfig,
} satisfies Record<HfArchitecture, z.ZodType<HfModelConfig, unknown>>;

/** transformers ≥ 5 writes `rope_parameters` ({rope_type, rope_theta, …}) instead of
 * `rope_theta` and `rope_scaling`; read it as those two. */
function liftRopeParameters(raw: Record<string, unknown>): Record<string, unknown> {
  const rp = raw.rope_parameters;
  if (typeof rp !== "object" || rp === null || Array.isArray(rp)) return raw;
  const { rope_theta, ...scaling } = rp as Record<string, unknown>;
  return { ...raw, rope_theta: rope_theta ?? raw.rope_theta, rope_scaling: scaling };
}

/** The value at a path of a parsed JSON document (undefined when absent). */
function at(raw: unknown, path: PropertyKey[]): unknown {
  let v = raw;
  for (const k of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** One error for all issues of a parse: file, field, value found, and what is supported. */
export function configError(file: string, what: string, raw: unknown, error: z.ZodError): Error {
  const lines = error.issues.map((i) => {
    const path = i.path.map(String).join(".");
    const found = at(raw, i.path);
    const value = found === undefined ? "missing" : `found ${JSON.stringify(found)}`;
    return `  field "${path}" (${value}): ${i.message}`;
  });
  return new Error(`${file}: unsupported ${what}:\n${lines.join("\n")}`);
}

/** Parses a config.json document (already JSON-parsed); `file` is named in errors. */
export function parseHfConfig(raw: unknown, file = "config.json"): HfModelConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`${file}: must be a JSON object`);
  }
  const archs = (raw as Record<string, unknown>).architectures;
  const arch = Array.isArray(archs) && archs.length === 1 ? archs[0] : undefined;
  if (typeof arch !== "string" || !(HF_ARCHITECTURES as readonly string[]).includes(arch)) {
    throw new Error(
      `${file}: field "architectures" is ${JSON.stringify(archs ?? null)}; supported: one of ` +
        `${HF_ARCHITECTURES.join(", ")}`,
    );
  }
  const lifted = liftRopeParameters(raw as Record<string, unknown>);
  const r = RAW_SCHEMAS[arch as HfArchitecture].safeParse(lifted);
  if (!r.success) throw configError(file, `${arch} config`, lifted, r.error);
  return HfModelConfig.parse(r.data);
}

const GenerationConfig = z.object({
  eos_token_id: tokenIds.optional(),
  bos_token_id: z.number().int().nullable().optional(),
});

/** Applies a generation_config.json document: its eos and bos ids replace config.json's when
 * set. */
export function applyGenerationConfig(
  config: HfModelConfig,
  raw: unknown,
  file = "generation_config.json",
): HfModelConfig {
  const r = GenerationConfig.safeParse(raw);
  if (!r.success) throw configError(file, "generation config", raw, r.error);
  const g = r.data;
  return {
    ...config,
    eosTokenIds: g.eos_token_id != null ? asIds(g.eos_token_id) : config.eosTokenIds,
    bosTokenId: g.bos_token_id != null ? g.bos_token_id : config.bosTokenId,
  };
}

/** Reads and parses a JSON file, naming it in errors; undefined when it does not exist. */
export async function readJsonFile(path: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Reads a model directory's config.json and, when present, generation_config.json. */
export async function readHfConfig(dir: string): Promise<HfModelConfig> {
  const file = `${dir}/config.json`;
  const raw = await readJsonFile(file);
  if (raw === undefined) throw new Error(`${file}: missing (not a Hugging Face model directory?)`);
  const config = parseHfConfig(raw, file);
  const gfile = `${dir}/generation_config.json`;
  const graw = await readJsonFile(gfile);
  return graw === undefined ? config : applyGenerationConfig(config, graw, gfile);
}
