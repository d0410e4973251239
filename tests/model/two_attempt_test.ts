import assert from "node:assert/strict";
import {
  AdamW,
  CharTokenizer,
  GPT,
  padSequences,
  type PolicyGradientBatch,
  sample,
  selectBackend,
  trainStep,
} from "../../model/mod.ts";

Deno.test("two-attempt flow: attempt 1, self-correct token, attempt 2, then a per-attempt RL step", async () => {
  await selectBackend("wasm");
  const tok = new CharTokenizer("0123456789+= ");
  const sp = tok.special;
  const model = new GPT({ vocabSize: tok.vocabSize, ctxLen: 48, nLayer: 1, nHead: 2, dModel: 16 });
  const ref = await model.clone({ trainable: false });
  const prompts = ["1+2=", "13+4=", "7+70="].map((
    q,
  ) => [sp.bos, ...tok.encode(q), sp.attemptStart]);
  const stop = [sp.attemptEnd, sp.eos];
  const a1 = await sample(model, prompts, { maxNewTokens: 8, stopTokens: stop, seed: 1 });
  const p2 = prompts.map((p, i) => [...p, ...a1.tokens[i], sp.selfCorrect, sp.attemptStart]);
  const a2 = await sample(model, p2, { maxNewTokens: 8, stopTokens: stop, seed: 2 });
  assert.ok(a2.tokens.every((t) => t.length >= 1 && t.length <= 8));

  // Tokens = prompt + a1 + [sc, start] + a2; segment 0 = attempt 1, 1 = attempt 2.
  const seqs = p2.map((p, i) => [...p, ...a2.tokens[i]]);
  const { tokens, batch, seqLen } = padSequences(seqs, sp.pad);
  const n = batch * seqLen;
  const mask = new Float32Array(n), advantages = new Float32Array(n), klCoef = new Float32Array(n);
  const segmentIds = new Int32Array(n);
  const reward = [[0, 1], [1, 1], [1, 0]]; // per row: attempt-1 and attempt-2 rewards
  seqs.forEach((_, r) => {
    const s1 = prompts[r].length, e1 = s1 + a1.tokens[r].length;
    const s2 = p2[r].length, e2 = s2 + a2.tokens[r].length;
    for (const [seg, s, e] of [[0, s1, e1], [1, s2, e2]]) {
      for (let j = s; j < e; j++) {
        mask[r * seqLen + j] = 1;
        segmentIds[r * seqLen + j] = seg;
        advantages[r * seqLen + j] = reward[r][seg] - 0.5;
        klCoef[r * seqLen + j] = seg === 0 ? 0.1 : 0.01; // Stage I: β2 on attempt 1, β1 on 2
      }
    }
  });
  const pg: PolicyGradientBatch = {
    kind: "pg",
    batch,
    seqLen,
    tokens,
    mask,
    advantages,
    klCoef,
    segmentIds,
  };
  const opt = new AdamW({ lr: 1e-2 });
  const s1 = await trainStep(model, opt, pg, { ref });
  const s2 = await trainStep(model, opt, pg, { ref });
  assert.equal(s1.tokens, mask.reduce((a, b) => a + b, 0));
  assert.ok(Math.abs(s1.meanKl!) < 1e-6, "policy equals its reference before the first update");
  assert.equal(s2.klBySegment!.length, 2);
  assert.ok(s2.klBySegment!.every((k) => k > 0));
  model.dispose();
  ref.dispose();
  opt.dispose();
});
