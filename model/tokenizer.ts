/**
 * Tokenizers: the interface every tokenizer implements, and a character-level implementation with
 * the special tokens of the two-attempt self-correction format.
 *
 * Two kinds of tokenizer implement {@link Tokenizer}:
 * - {@link CharTokenizer} (the embedded experiments) also implements {@link TwoAttemptTokenizer}: the
 *   two attempts are delimited by in-vocabulary special tokens (`<attempt_start>`, `<attempt_end>`,
 *   `<self_correct>`; see score/transcript.ts).
 * - `HfTokenizer` (model/hf/tokenizer.ts) loads a Hugging Face `tokenizer.json`. A real chat model
 *   has no such tokens: it expresses the two attempts as chat turns rendered by its chat template
 *   (user: problem, assistant: attempt 1, user: self-correction instruction, assistant: attempt 2;
 *   see model/dialogue.ts).
 *
 * @module
 */
import { z } from "zod";

/**
 * Ids of the special tokens a model needs to pad, open and end sequences: null where the tokenizer
 * has none (Qwen3 has no bos token; Llama-style tokenizers often have no pad token).
 */
export interface BaseSpecialTokens {
  pad: number | null;
  bos: number | null;
  eos: number | null;
}

/** Ids of the special tokens of the two-attempt format (all present). */
export interface SpecialTokens extends BaseSpecialTokens {
  pad: number;
  bos: number;
  eos: number;
  /** Opens an attempt (turn separator). */
  attemptStart: number;
  /** Closes an attempt (turn separator). */
  attemptEnd: number;
  /** The single self-correction instruction token. */
  selfCorrect: number;
}

/** What every tokenizer provides: text to ids and back, its vocabulary size and basic specials. */
export interface Tokenizer {
  /** Number of token ids the tokenizer knows (ids are 0..vocabSize-1). */
  readonly vocabSize: number;
  /** Ids of the pad, bos and eos tokens (null where the tokenizer has none). */
  readonly special: Readonly<BaseSpecialTokens>;
  /** Encodes text without adding special tokens around it; throws on text it cannot encode. */
  encode(text: string): number[];
  /** Decodes ids; special tokens are rendered unless skipSpecial. */
  decode(ids: readonly number[], opts?: { skipSpecial?: boolean }): string;
  /** A JSON-serialisable description that identifies the tokenizer (for specs and cache keys). */
  toJSON(): { readonly kind: string };
}

/**
 * A tokenizer with the in-vocabulary tokens of the two-attempt format (the character models):
 * what score/transcript.ts and the sampling code of score/ need.
 */
export interface TwoAttemptTokenizer extends Tokenizer {
  /** Ids of the special tokens, the two-attempt format's included. */
  readonly special: SpecialTokens;
  /** The spec from which {@link tokenizerFromSpec} rebuilds the tokenizer. */
  toJSON(): TokenizerSpec;
}

/** Names of the special tokens, in id order (ids 0..5). */
export const SPECIAL_NAMES = ["pad", "bos", "eos", "attempt_start", "attempt_end", "self_correct"];

/** A default charset for the embedded arithmetic experiment (47 characters + 6 specials). */
export const DEFAULT_CHARSET = "0123456789+-*/=()%^<>.,:;?! \nabcdefghxyzqrtnmw";

/** The on-disk description of a char tokenizer (zod: single source of truth). */
export const TokenizerSpec = z.object({
  kind: z.literal("char"),
  charset: z.string().min(1),
});
/** The on-disk description of a char tokenizer. */
export type TokenizerSpec = z.infer<typeof TokenizerSpec>;

/** Character-level tokenizer: ids 0..5 are specials, then one id per charset character. */
export class CharTokenizer implements TwoAttemptTokenizer {
  readonly vocabSize: number;
  readonly special: SpecialTokens = {
    pad: 0,
    bos: 1,
    eos: 2,
    attemptStart: 3,
    attemptEnd: 4,
    selfCorrect: 5,
  };
  readonly charset: string;
  readonly #toId = new Map<string, number>();
  readonly #chars: string[];

  /** Builds the vocabulary from a charset; duplicate characters are an error. */
  constructor(charset: string = DEFAULT_CHARSET) {
    this.charset = charset;
    this.#chars = [...charset];
    this.#chars.forEach((c, i) => {
      if (this.#toId.has(c)) {
        throw new Error(
          `tokenizer charset has a duplicate character ${JSON.stringify(c)} at position ${i}; ` +
            "remove it from the charset",
        );
      }
      this.#toId.set(c, SPECIAL_NAMES.length + i);
    });
    this.vocabSize = SPECIAL_NAMES.length + this.#chars.length;
  }

  /** Encodes plain text; unknown characters throw with the character and its position. */
  encode(text: string): number[] {
    const out: number[] = [];
    let pos = 0;
    for (const c of text) {
      const id = this.#toId.get(c);
      if (id === undefined) {
        throw new Error(
          `tokenizer: character ${JSON.stringify(c)} at position ${pos} of ` +
            `${JSON.stringify(text.length > 60 ? text.slice(0, 60) + "…" : text)} is not in the ` +
            `charset; add it to the tokenizer charset in the config`,
        );
      }
      out.push(id);
      pos++;
    }
    return out;
  }

  /** Decodes ids back to text; specials render as `<|name|>` unless skipSpecial is set. */
  decode(ids: readonly number[], opts: { skipSpecial?: boolean } = {}): string {
    let s = "";
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new Error(`tokenizer: id ${id} is outside the vocabulary 0..${this.vocabSize - 1}`);
      }
      if (id < SPECIAL_NAMES.length) {
        if (!opts.skipSpecial) s += `<|${SPECIAL_NAMES[id]}|>`;
      } else s += this.#chars[id - SPECIAL_NAMES.length];
    }
    return s;
  }

  /** The spec from which {@link tokenizerFromSpec} rebuilds this tokenizer. */
  toJSON(): TokenizerSpec {
    return { kind: "char", charset: this.charset };
  }
}

/** Rebuilds a character tokenizer from its JSON spec (validated). */
export function tokenizerFromSpec(spec: unknown): TwoAttemptTokenizer {
  const parsed = TokenizerSpec.safeParse(spec);
  if (!parsed.success) {
    throw new Error(`invalid tokenizer spec: ${z.prettifyError(parsed.error)}`);
  }
  return new CharTokenizer(parsed.data.charset);
}
