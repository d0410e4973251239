import assert from "node:assert/strict";
import { CharTokenizer } from "../../model/mod.ts";
import {
  buildTextTranscript,
  decodeAttempt,
  firstPrompt,
  secondPrompt,
} from "../../score/transcript.ts";
import { policyGradientBatch } from "../../score/rl.ts";

const tok = new CharTokenizer("\n *+-/0123456789=dmox");

Deno.test("a transcript marks attempt tokens (with their closing token) and nothing else", () => {
  const t = buildTextTranscript(tok, "1+2", "= 3", "= 4");
  const s = tok.special;
  assert.equal(t.tokens.length, t.segments.length);
  assert.deepEqual(t.tokens.slice(0, 5), [s.bos, ...tok.encode("1+2"), s.attemptStart]);
  assert.deepEqual(t.segments.slice(0, 5), [0, 0, 0, 0, 0]);
  // attempt 1: "= 3" + <attempt_end>
  assert.deepEqual(t.segments.slice(5, 9), [1, 1, 1, 1]);
  assert.equal(t.tokens[8], s.attemptEnd);
  // instruction and the opening of attempt 2 carry no loss
  assert.deepEqual(t.tokens.slice(9, 11), [s.selfCorrect, s.attemptStart]);
  assert.deepEqual(t.segments.slice(9, 11), [0, 0]);
  assert.deepEqual(t.segments.slice(11), [2, 2, 2, 2]);
  assert.equal(t.tokens.at(-1), s.attemptEnd);
});

Deno.test("the second prompt is the first prompt, attempt 1 and the instruction", () => {
  const p1 = firstPrompt(tok, "1+2");
  const a1 = [...tok.encode("= 3"), tok.special.attemptEnd];
  const p2 = secondPrompt(tok, p1, a1);
  const full = buildTextTranscript(tok, "1+2", "= 3", "= 4");
  assert.deepEqual(p2, full.tokens.slice(0, p2.length));
  assert.equal(decodeAttempt(tok, a1), "= 3");
});

Deno.test("policy-gradient batch credits each attempt's tokens with that attempt's advantage and β", () => {
  const t = buildTextTranscript(tok, "1+2", "= 3", "= 4");
  const b = policyGradientBatch([t], [{ a1: null, a2: 2.5 }], { attempt1: 0.1, attempt2: 0.01 }, 0);
  for (let i = 0; i < t.tokens.length; i++) {
    const seg = t.segments[i];
    assert.equal(b.mask[i], seg === 0 ? 0 : 1);
    assert.equal(b.advantages[i], seg === 2 ? 2.5 : 0); // Stage I: no reward on attempt 1
    assert.ok(Math.abs(b.klCoef![i] - (seg === 1 ? 0.1 : seg === 2 ? 0.01 : 0)) < 1e-7);
    if (seg > 0) assert.equal(b.segmentIds![i], seg - 1);
  }
});
