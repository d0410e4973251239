/**
 * A tiny byte-level BPE tokenizer in the Hugging Face layout (tokenizer.json and
 * tokenizer_config.json), written by hand for the generation tests: GPT-2's 256 byte symbols
 * (ids 0–255, in byte order), a few merges, and three ChatML special tokens, with a ChatML chat
 * template. Its {@link TINY_TOKENIZER_VOCAB} ids match a tiny model's `vocab_size`, so every id
 * such a model emits decodes.
 */

/** GPT-2's bytes_to_unicode: the printable character standing for each byte. */
function byteSymbols(): string[] {
  const bs: number[] = [];
  for (let c = 0x21; c <= 0x7e; c++) bs.push(c);
  for (let c = 0xa1; c <= 0xac; c++) bs.push(c);
  for (let c = 0xae; c <= 0xff; c++) bs.push(c);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out: string[] = new Array(256);
  bs.forEach((b, i) => (out[b] = String.fromCodePoint(cs[i])));
  return out;
}

/** The merges, in priority order ("Ġ" is the byte symbol of a space). */
const MERGES: [string, string][] = [["h", "e"], ["l", "l"], ["Ġ", "w"], ["he", "ll"], ["o", "r"]];
/** The special tokens after the vocabulary and merges. */
export const TINY_SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] as const;
/** Ids of the tokenizer: 256 bytes + merges + special tokens. */
export const TINY_TOKENIZER_VOCAB = 256 + MERGES.length + TINY_SPECIAL.length;
/** Id of `<|im_end|>` (the eos of tokenizer_config.json). */
export const TINY_IM_END = 256 + MERGES.length + 2;

/** ChatML, as Qwen's templates write it (without their system-prompt default). */
export const TINY_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + " +
  "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}" +
  "{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Writes tokenizer.json and tokenizer_config.json into `dir` (which must exist). */
export async function writeTinyTokenizer(dir: string): Promise<void> {
  const vocab: Record<string, number> = {};
  byteSymbols().forEach((s, id) => (vocab[s] = id));
  MERGES.forEach(([a, b], i) => (vocab[a + b] = 256 + i));
  const added = TINY_SPECIAL.map((content, i) => ({
    id: 256 + MERGES.length + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: false };
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { ...byteLevel, use_regex: true },
    post_processor: { ...byteLevel, use_regex: false },
    decoder: { ...byteLevel, use_regex: false },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: MERGES,
    },
  };
  const config = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(added.map((t) => [String(t.id), t])),
    bos_token: null,
    eos_token: "<|im_end|>",
    pad_token: "<|endoftext|>",
    unk_token: null,
    clean_up_tokenization_spaces: false,
    chat_template: TINY_CHAT_TEMPLATE,
    tokenizer_class: "Qwen2Tokenizer",
  };
  await Deno.writeTextFile(`${dir}/tokenizer.json`, JSON.stringify(tokenizer, null, 1));
  await Deno.writeTextFile(`${dir}/tokenizer_config.json`, JSON.stringify(config, null, 1));
}
