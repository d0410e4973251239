import assert from "node:assert/strict";
import { CharTokenizer, DEFAULT_CHARSET, tokenizerFromSpec } from "../../model/mod.ts";

Deno.test("char tokenizer round-trips text and keeps special ids distinct from characters", () => {
  const tok = new CharTokenizer();
  const text = "12+34=46\nx=7";
  const ids = tok.encode(text);
  assert.equal(ids.length, [...text].length);
  assert.equal(tok.decode(ids), text);
  const specials = Object.values(tok.special);
  assert.equal(new Set(specials).size, specials.length);
  for (const id of ids) assert.ok(!specials.includes(id));
  assert.equal(tok.vocabSize, specials.length + [...DEFAULT_CHARSET].length);
});

Deno.test("decode renders specials as tags unless skipSpecial", () => {
  const tok = new CharTokenizer("ab");
  const ids = [tok.special.bos, ...tok.encode("ab"), tok.special.selfCorrect, tok.special.eos];
  assert.equal(tok.decode(ids), "<|bos|>ab<|self_correct|><|eos|>");
  assert.equal(tok.decode(ids, { skipSpecial: true }), "ab");
});

Deno.test("unknown characters are rejected with the character and its position", () => {
  const tok = new CharTokenizer("0123456789+=");
  assert.throws(() => tok.encode("12+3$4"), /"\$" at position 4/);
});

Deno.test("duplicate charset characters and bad specs are rejected", () => {
  assert.throws(() => new CharTokenizer("abca"), /duplicate character "a" at position 3/);
  assert.throws(() => tokenizerFromSpec({ kind: "bpe" }), /invalid tokenizer spec/);
  const t = tokenizerFromSpec(new CharTokenizer("xyz").toJSON());
  assert.equal(t.decode(t.encode("zyx")), "zyx");
});
