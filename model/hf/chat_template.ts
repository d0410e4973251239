/**
 * Chat templates (the Jinja `chat_template` of tokenizer_config.json), rendered by
 * `@huggingface/jinja` with the variables Hugging Face's `apply_chat_template` passes: `messages`,
 * `add_generation_prompt`, `tools` and `documents` (null: none given), the special-token strings
 * of the tokenizer (`bos_token`, `eos_token`, `unk_token`, `pad_token`,
 * `additional_special_tokens`, each only when set), then the caller's extra variables (Qwen3
 * reads `enable_thinking`). Like Hugging Face's environment, blocks are trimmed (`trim_blocks`,
 * `lstrip_blocks`) and `raise_exception` is defined.
 *
 * ```ts
 * const chat = ChatTemplate.fromTokenizer(tok);
 * const text = chat.render([{ role: "user", content: "2+2?" }], {
 *   addGenerationPrompt: true,
 *   vars: { enable_thinking: false },
 * });
 * const ids = tok.encode(text); // the template writes the special tokens itself
 * ```
 *
 * @module
 */
import { Environment, Template } from "@huggingface/jinja";
import type { HfTokenizer, SpecialTokenStrings } from "./tokenizer.ts";

/**
 * `@huggingface/jinja` 0.5.13 ignores the argument of Python's `str.strip(chars)`, `lstrip` and
 * `rstrip` and always trims whitespace; Qwen3's template calls `content.lstrip('\n')` and
 * `reasoning_content.strip('\n')`, so an attempt starting with spaces rendered differently from
 * Hugging Face's (jinja2's) rendering. This makes the three honour `chars` as Python does (strip
 * any of those characters; whitespace when absent or None). It patches the library's string value
 * class once, for the whole process (the class is not exported: it is reached through a value
 * the exported Environment creates). tests/model/dialogue_test.ts checks the renderings against
 * jinja2.
 */
function patchStripChars(): void {
  const proto = Object.getPrototypeOf(new Environment().set("s", ""));
  const desc = Object.getOwnPropertyDescriptor(proto, "builtins");
  if (!desc?.get || (desc.get as { patched?: boolean }).patched) return;
  const original = desc.get;
  type Value = { value: unknown; constructor: new (v: unknown) => Value };
  const strip = (s: string, chars: string | null, left: boolean, right: boolean): string => {
    if (chars === null) return left && right ? s.trim() : left ? s.trimStart() : s.trimEnd();
    const set = new Set(chars);
    const cps = [...s];
    let a = 0;
    let b = cps.length;
    if (left) { while (a < b && set.has(cps[a])) a++; }
    if (right) { while (b > a && set.has(cps[b - 1])) b--; }
    return cps.slice(a, b).join("");
  };
  const get = function (this: Value): Map<string, Value> {
    const map: Map<string, Value> = original.call(this);
    const fn = map.get("strip");
    if (!fn || (fn as { patched?: boolean }).patched) return map;
    const FunctionValue = fn.constructor;
    const StringValue = this.constructor;
    for (
      const [name, left, right] of [["strip", 1, 1], ["lstrip", 1, 0], ["rstrip", 0, 1]] as const
    ) {
      const f = new FunctionValue((args: Value[]) => {
        const c = args[0]?.value;
        if (c !== undefined && c !== null && typeof c !== "string") {
          throw new Error(`${name}() argument must be a string or None`);
        }
        return new StringValue(strip(this.value as string, c ?? null, !!left, !!right));
      });
      (f as { patched?: boolean }).patched = true;
      map.set(name, f);
    }
    return map;
  };
  (get as { patched?: boolean }).patched = true;
  Object.defineProperty(proto, "builtins", { ...desc, get });
}
patchStripChars();

/** One chat message. */
export interface ChatMessage {
  /** "system", "user" or "assistant" (templates may know others, e.g. "tool"). */
  role: string;
  content: string;
}

/** Options of {@link ChatTemplate.render}. */
export interface ChatRenderOptions {
  /** Append the opening of an assistant turn (what a model is sampled from). Default false. */
  addGenerationPrompt?: boolean;
  /** Extra template variables, passed last (e.g. `{ enable_thinking: false }` for Qwen3). */
  vars?: Record<string, unknown>;
}

/** A parsed chat template with the tokenizer's special-token strings. */
export class ChatTemplate {
  /** The template's Jinja source. */
  readonly source: string;
  /** Where the template came from (for messages). */
  readonly origin: string;
  readonly #template: Template;
  readonly #tokenVars: Readonly<Record<string, unknown>>;

  /** Parses `source`; `tokens` are the special-token strings the template sees. */
  constructor(source: string, tokens: Readonly<SpecialTokenStrings>, origin = "chat template") {
    this.source = source;
    this.origin = origin;
    try {
      this.#template = new Template(source);
    } catch (e) {
      throw new Error(
        `${origin} cannot be parsed by @huggingface/jinja: ${(e as Error).message}; ` +
          `fix the template or pass another one`,
      );
    }
    const vars: Record<string, unknown> = {};
    // Hugging Face passes its special_tokens_map: only the tokens that are set.
    if (tokens.bos !== null) vars.bos_token = tokens.bos;
    if (tokens.eos !== null) vars.eos_token = tokens.eos;
    if (tokens.unk !== null) vars.unk_token = tokens.unk;
    if (tokens.pad !== null) vars.pad_token = tokens.pad;
    if (tokens.additional.length > 0) vars.additional_special_tokens = [...tokens.additional];
    this.#tokenVars = vars;
  }

  /**
   * The template of a tokenizer's tokenizer_config.json, or `template` when given (for
   * tokenizers without one, or to override it). Throws when there is neither.
   */
  static fromTokenizer(
    tok: HfTokenizer,
    opts: { template?: string; name?: string } = {},
  ): ChatTemplate {
    const origin = opts.template !== undefined
      ? "the chat template passed in"
      : `the chat template of ${tok.dir}/tokenizer_config.json`;
    const source = opts.template ?? tok.chatTemplate(opts.name);
    if (source === null) {
      throw new Error(
        `${tok.dir}/tokenizer_config.json has no chat_template${
          opts.name ? ` named ${JSON.stringify(opts.name)}` : ""
        }: pass a template (the model's chat template, e.g. from its instruct variant)`,
      );
    }
    return new ChatTemplate(source, tok.tokens, origin);
  }

  /** The exact variables {@link render} passes to the template. */
  variables(
    messages: readonly ChatMessage[],
    opts: ChatRenderOptions = {},
  ): Record<string, unknown> {
    return {
      messages: messages.map((m) => ({ ...m })),
      tools: null,
      documents: null,
      add_generation_prompt: opts.addGenerationPrompt ?? false,
      ...this.#tokenVars,
      ...opts.vars,
    };
  }

  /** Renders a conversation to text (special tokens written as text: encode it to get ids). */
  render(messages: readonly ChatMessage[], opts: ChatRenderOptions = {}): string {
    try {
      return this.#template.render(this.variables(messages, opts));
    } catch (e) {
      throw new Error(`${this.origin} failed to render: ${(e as Error).message}`);
    }
  }
}
