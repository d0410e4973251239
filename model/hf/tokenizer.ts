/**
 * A tokenizer loaded from a Hugging Face model directory (`tokenizer.json` and
 * `tokenizer_config.json`), run by `@huggingface/tokenizers` (a port of the Rust `tokenizers`
 * library: BPE, byte-level, SentencePiece-style, WordPiece and Unigram models alike).
 *
 * ```ts
 * const tok = await loadHfTokenizer("models/qwen3", { modelVocabSize: 151936 });
 * const ids = tok.encode("Hello");           // no special tokens added
 * tok.decode(ids);                            // "Hello"
 * tok.special.eos;                            // id of tokenizer_config's eos_token
 * ```
 *
 * The tokenizer's vocabulary can be smaller than the model's embedding table (Qwen3: 151,669
 * tokens, 151,936 rows): `vocabSize` is the tokenizer's; pass the model's as `modelVocabSize` so
 * that ids in between (never produced by encode) decode to nothing, as the Rust library does.
 *
 * @module
 */
import { Tokenizer as HfLibTokenizer } from "@huggingface/tokenizers";
import { z } from "zod";
import { sha256Hex } from "../../pipeline/canonical.ts";
import type { BaseSpecialTokens, Tokenizer } from "../tokenizer.ts";

/** A token in tokenizer_config.json: a string, an AddedToken object (`{content, ...}`) or null. */
const ConfigToken = z.union([z.string(), z.looseObject({ content: z.string() }), z.null()]);

/** An entry of tokenizer.json's `added_tokens`. */
const AddedTokenJson = z.looseObject({
  id: z.number().int().min(0),
  content: z.string().min(1),
  special: z.boolean().optional(),
});

/** A pipeline component of tokenizer.json (normalizer, pre_tokenizer, ...): an object or null. */
const Component = z.looseObject({ type: z.string() }).nullable();

/**
 * The parts of a `tokenizer.json` this module relies on (the rest is read by
 * `@huggingface/tokenizers`): the model with its vocabulary, the added tokens, and the pipeline
 * components, which must be present (null when unused).
 */
export const TokenizerJson = z.looseObject({
  model: z.looseObject({
    type: z.string().optional(),
    // Checked entry by entry in a plain loop ({@link checkVocab}): zod over 150k entries costs
    // ~0.2 s.
    vocab: z.custom<Record<string, number> | [string, number][]>(
      (v) => typeof v === "object" && v !== null,
      "must be an object of token → id (BPE, WordPiece) or a list of [piece, score] (Unigram)",
    ),
  }),
  added_tokens: z.array(AddedTokenJson),
  normalizer: Component,
  pre_tokenizer: Component,
  post_processor: Component,
  decoder: Component,
});
/** The parts of a `tokenizer.json` this module relies on. */
export type TokenizerJson = z.infer<typeof TokenizerJson>;

/** The fields of a `tokenizer_config.json` this module reads (others are kept and ignored). */
export const TokenizerConfigJson = z.looseObject({
  bos_token: ConfigToken.optional(),
  eos_token: ConfigToken.optional(),
  pad_token: ConfigToken.optional(),
  unk_token: ConfigToken.optional(),
  additional_special_tokens: z.array(z.union([z.string(), z.looseObject({ content: z.string() })]))
    .optional(),
  added_tokens_decoder: z.record(
    z.string().regex(/^\d+$/, "keys are token ids"),
    z.looseObject({ content: z.string(), special: z.boolean().optional() }),
  ).optional(),
  chat_template: z.union([
    z.string(),
    z.array(z.object({ name: z.string(), template: z.string() })),
  ]).nullable().optional(),
  clean_up_tokenization_spaces: z.boolean().optional(),
  add_bos_token: z.boolean().optional(),
  add_eos_token: z.boolean().optional(),
});
/** The fields of a `tokenizer_config.json` this module reads. */
export type TokenizerConfigJson = z.infer<typeof TokenizerConfigJson>;

/** What identifies a Hugging Face tokenizer in specs and cache keys: its files' contents. */
export const HfTokenizerSpec = z.object({
  kind: z.literal("hf"),
  /** SHA-256 (hex) of tokenizer.json's bytes. */
  tokenizerSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** SHA-256 (hex) of tokenizer_config.json's bytes. */
  configSha256: z.string().regex(/^[0-9a-f]{64}$/),
  vocabSize: z.number().int().min(1),
  modelVocabSize: z.number().int().min(1),
});
/** What identifies a Hugging Face tokenizer in specs and cache keys. */
export type HfTokenizerSpec = z.infer<typeof HfTokenizerSpec>;

/** Options of {@link loadHfTokenizer}. */
export interface HfTokenizerOptions {
  /**
   * The model's vocabulary size (its embedding rows), at least the tokenizer's. Ids from the
   * tokenizer's size up to it decode to nothing; ids beyond are an error. Default: the tokenizer's.
   */
  modelVocabSize?: number;
}

/** The special-token strings of tokenizer_config.json (null where unset). */
export interface SpecialTokenStrings {
  bos: string | null;
  eos: string | null;
  pad: string | null;
  unk: string | null;
  /** `additional_special_tokens`, in file order. */
  additional: string[];
}

/** The file names a Hugging Face model directory holds its tokenizer in. */
export const TOKENIZER_FILES = {
  tokenizer: "tokenizer.json",
  config: "tokenizer_config.json",
} as const;

const tokenString = (t: z.infer<typeof ConfigToken> | undefined): string | null =>
  t === undefined || t === null ? null : typeof t === "string" ? t : t.content;

/** Reads and parses one JSON file of the directory, with errors that name it and say the fix. */
async function readJsonFile(
  path: string,
  what: string,
): Promise<{ value: unknown; bytes: Uint8Array }> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(
        `tokenizer: ${path} not found: a Hugging Face model directory needs ${what}; ` +
          `download it from the model's repository into that directory`,
      );
    }
    throw new Error(`tokenizer: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return { value: JSON.parse(new TextDecoder().decode(bytes)), bytes };
  } catch (e) {
    throw new Error(
      `tokenizer: ${path} is not valid JSON (${(e as Error).message}); ` +
        `the file is damaged or truncated: download it again`,
    );
  }
}

/** Validates a parsed file against its schema; the error names the file and each bad field. */
function validate<T extends z.ZodType>(schema: T, value: unknown, path: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) =>
    `field ${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`
  );
  throw new Error(
    `tokenizer: ${path} is malformed: ${issues.slice(0, 5).join("; ")}` +
      `${issues.length > 5 ? `; and ${issues.length - 5} more` : ""}; ` +
      `use the file from the model's Hugging Face repository`,
  );
}

/** Checks every vocabulary entry of tokenizer.json; the error names the first bad one. */
function checkVocab(vocab: Record<string, number> | [string, number][], path: string): void {
  const bad = (where: string, what: string) => {
    throw new Error(
      `tokenizer: ${path} is malformed: field model.vocab${where}: ${what}; ` +
        `use the file from the model's Hugging Face repository`,
    );
  };
  if (Array.isArray(vocab)) {
    vocab.forEach((e, i) => {
      if (!Array.isArray(e) || typeof e[0] !== "string" || typeof e[1] !== "number") {
        bad(`.${i}`, "expected a [piece, score] pair");
      }
    });
    return;
  }
  for (const k in vocab) {
    const id = vocab[k];
    if (!Number.isInteger(id) || id < 0) {
      bad(`.${k}`, `expected a token id, got ${JSON.stringify(id)}`);
    }
  }
}

/**
 * A Hugging Face tokenizer ({@link Tokenizer}): encode/decode through `@huggingface/tokenizers`,
 * special tokens from tokenizer_config.json resolved to ids, and the chat template (rendered by
 * model/hf/chat_template.ts). Build it with {@link loadHfTokenizer}.
 */
export class HfTokenizer implements Tokenizer {
  /** Number of ids the tokenizer knows (vocabulary plus added tokens; Qwen3: 151,669). */
  readonly vocabSize: number;
  /** The model's vocabulary size: ids in [vocabSize, modelVocabSize) decode to nothing. */
  readonly modelVocabSize: number;
  /** Ids of tokenizer_config's pad, bos and eos tokens (null where unset). */
  readonly special: Readonly<BaseSpecialTokens>;
  /** The special-token strings of tokenizer_config.json (the chat template's `bos_token`, ...). */
  readonly tokens: Readonly<SpecialTokenStrings>;
  /** The directory the files were read from (for messages). */
  readonly dir: string;
  readonly #lib: HfLibTokenizer;
  readonly #specialIds: ReadonlySet<number>;
  readonly #chatTemplates: ReadonlyMap<string, string>;
  readonly #spec: HfTokenizerSpec;

  /** Use {@link loadHfTokenizer}; this takes files already read and validated. */
  constructor(init: {
    dir: string;
    tokenizerPath: string;
    configPath: string;
    tokenizerJson: TokenizerJson;
    config: TokenizerConfigJson;
    tokenizerSha256: string;
    configSha256: string;
    options?: HfTokenizerOptions;
  }) {
    const { tokenizerJson, config, tokenizerPath, configPath } = init;
    this.dir = init.dir;
    this.tokens = {
      bos: tokenString(config.bos_token),
      eos: tokenString(config.eos_token),
      pad: tokenString(config.pad_token),
      unk: tokenString(config.unk_token),
      additional: (config.additional_special_tokens ?? []).map((t) =>
        typeof t === "string" ? t : t.content
      ),
    };
    // The library reads token fields as strings: hand it the config with AddedToken objects
    // replaced by their content.
    const libConfig: Record<string, unknown> = {
      ...config,
      bos_token: this.tokens.bos,
      eos_token: this.tokens.eos,
      pad_token: this.tokens.pad,
      unk_token: this.tokens.unk,
      additional_special_tokens: this.tokens.additional,
    };
    try {
      this.#lib = new HfLibTokenizer(tokenizerJson, libConfig);
    } catch (e) {
      throw new Error(
        `tokenizer: ${tokenizerPath} cannot be loaded by @huggingface/tokenizers: ` +
          `${(e as Error).message}; use the file from the model's Hugging Face repository`,
      );
    }
    this.vocabSize = this.#lib.model!.vocab.length;
    const modelVocab = init.options?.modelVocabSize ?? this.vocabSize;
    if (!Number.isInteger(modelVocab) || modelVocab < this.vocabSize) {
      throw new Error(
        `tokenizer: modelVocabSize ${modelVocab} is smaller than the ${this.vocabSize} ids of ` +
          `${tokenizerPath}; the model's vocab_size must cover the tokenizer's`,
      );
    }
    this.modelVocabSize = modelVocab;

    // tokenizer_config.json's added_tokens_decoder must agree with tokenizer.json's added tokens
    // (both files from the same model).
    const added = new Map(tokenizerJson.added_tokens.map((t) => [t.id, t]));
    for (const [id, t] of Object.entries(config.added_tokens_decoder ?? {})) {
      const mine = added.get(Number(id));
      if (!mine || mine.content !== t.content) {
        throw new Error(
          `tokenizer: ${configPath} field added_tokens_decoder.${id} is ${
            JSON.stringify(t.content)
          } ` +
            `but ${tokenizerPath} has ${mine ? JSON.stringify(mine.content) : "no added token"} ` +
            `with id ${id}; the two files come from different models: take both from one repository`,
        );
      }
    }
    const idOf = (field: keyof Omit<SpecialTokenStrings, "additional">): number | null => {
      const s = this.tokens[field];
      if (s === null) return null;
      const id = this.#lib.token_to_id(s);
      if (id === undefined) {
        throw new Error(
          `tokenizer: ${configPath} field ${field}_token is ${JSON.stringify(s)}, which is not a ` +
            `token of ${tokenizerPath}; the two files come from different models: take both from ` +
            `one repository`,
        );
      }
      return id;
    };
    this.special = { pad: idOf("pad"), bos: idOf("bos"), eos: idOf("eos") };
    idOf("unk");
    const specialIds = new Set<number>();
    for (const t of tokenizerJson.added_tokens) if (t.special) specialIds.add(t.id);
    for (const s of [...Object.values(this.tokens).flat()]) {
      const id = typeof s === "string" ? this.#lib.token_to_id(s) : undefined;
      if (id !== undefined) specialIds.add(id);
    }
    this.#specialIds = specialIds;
    const ct = config.chat_template;
    this.#chatTemplates = new Map(
      ct === undefined || ct === null
        ? []
        : typeof ct === "string"
        ? [["default", ct]]
        : ct.map((t) => [t.name, t.template]),
    );
    this.#spec = {
      kind: "hf",
      tokenizerSha256: init.tokenizerSha256,
      configSha256: init.configSha256,
      vocabSize: this.vocabSize,
      modelVocabSize: this.modelVocabSize,
    };
  }

  /**
   * Encodes text. Added tokens written in the text (`<|im_end|>`) become their ids, as in
   * Hugging Face's tokenizers; `addSpecialTokens` also applies the post-processor (Llama's bos).
   */
  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    const enc = this.#lib.encode(text, { add_special_tokens: opts.addSpecialTokens ?? false });
    const bad = enc.ids.findIndex((id) => !Number.isInteger(id));
    if (bad >= 0) {
      throw new Error(
        `tokenizer: ${JSON.stringify(enc.tokens[bad])} in ${
          JSON.stringify(text.length > 60 ? text.slice(0, 60) + "…" : text)
        } has no id in ${this.dir}/${TOKENIZER_FILES.tokenizer} and the tokenizer has no unk token`,
      );
    }
    return enc.ids;
  }

  /**
   * Decodes ids to text; special tokens are kept unless skipSpecial. Ids from vocabSize up to
   * modelVocabSize decode to nothing; other ids out of range throw.
   */
  decode(ids: readonly number[], opts: { skipSpecial?: boolean } = {}): string {
    const known: number[] = [];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.modelVocabSize) {
        throw new Error(
          `tokenizer: id ${id} is outside the vocabulary 0..${this.modelVocabSize - 1}`,
        );
      }
      if (id < this.vocabSize) known.push(id);
    }
    if (known.length === 0) return "";
    return this.#lib.decode(known, { skip_special_tokens: opts.skipSpecial ?? false });
  }

  /** The id of a token string (vocabulary or added token), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.#lib.token_to_id(token);
  }

  /** The token string of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.#lib.id_to_token(id);
  }

  /** Whether the id is a special token (dropped by `decode(ids, { skipSpecial: true })`). */
  isSpecial(id: number): boolean {
    return this.#specialIds.has(id);
  }

  /**
   * The chat template of tokenizer_config.json (`name` picks one of a named list; default
   * "default"), or null when the config has none.
   */
  chatTemplate(name = "default"): string | null {
    return this.#chatTemplates.get(name) ?? null;
  }

  /** The contents' hashes and sizes that identify this tokenizer. */
  toJSON(): HfTokenizerSpec {
    return { ...this.#spec };
  }
}

/**
 * Loads the tokenizer of a Hugging Face model directory (`tokenizer.json` and
 * `tokenizer_config.json`). Errors name the file, the field and the fix.
 */
export async function loadHfTokenizer(
  dir: string,
  options: HfTokenizerOptions = {},
): Promise<HfTokenizer> {
  const tokenizerPath = `${dir.replace(/\/+$/, "")}/${TOKENIZER_FILES.tokenizer}`;
  const configPath = `${dir.replace(/\/+$/, "")}/${TOKENIZER_FILES.config}`;
  const [t, c] = await Promise.all([
    readJsonFile(tokenizerPath, "tokenizer.json (the tokenizer's vocabulary and pipeline)"),
    readJsonFile(configPath, "tokenizer_config.json (its special tokens and chat template)"),
  ]);
  const tokenizerJson = validate(TokenizerJson, t.value, tokenizerPath);
  checkVocab(tokenizerJson.model.vocab, tokenizerPath);
  const config = validate(TokenizerConfigJson, c.value, configPath);
  const [ts, cs] = await Promise.all([sha256Hex(t.bytes), sha256Hex(c.bytes)]);
  return new HfTokenizer({
    dir,
    tokenizerPath,
    configPath,
    tokenizerJson,
    config,
    tokenizerSha256: ts,
    configSha256: cs,
    options,
  });
}
