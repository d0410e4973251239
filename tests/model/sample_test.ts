import assert from "node:assert/strict";
import {
  GPT,
  initialWeights,
  parseGPTConfig,
  Rng,
  sample,
  scoreSequences,
  selectBackend,
  tf,
  tokenLogProbs,
} from "../../model/mod.ts";
import { TINY } from "./helpers.ts";
import { wasmHeap } from "../../model/gemm.ts";

const CFG = { ...TINY, ctxLen: 32 };

/** A model with spread-out weights so that its distributions are far from uniform. */
function peakyModel(): GPT {
  const w = initialWeights(parseGPTConfig(CFG));
  const rng = new Rng(4);
  for (const v of w.values()) for (let i = 0; i < v.length; i++) v[i] += 0.4 * rng.normal();
  return new GPT(CFG, { weights: w });
}

const PROMPTS = [[1, 6, 7], [1, 9], [1, 8, 8, 10, 6], [1]];

Deno.test("KV-cached sampling (host decoding and tfjs-op steps) equals full recomputation", async () => {
  await selectBackend("wasm");
  const model = peakyModel();
  for (
    const opts of [{ temperature: 1, seed: 3 }, { temperature: 0 }, {
      temperature: 0.7,
      topK: 3,
      seed: 9,
    }]
  ) {
    const a = await sample(model, PROMPTS, { maxNewTokens: 20, ...opts });
    const b = await sample(model, PROMPTS, { maxNewTokens: 20, ...opts, useCache: false });
    const c = await sample(model, PROMPTS, { maxNewTokens: 20, ...opts, hostDecode: false });
    assert.deepEqual(a.tokens, b.tokens);
    assert.deepEqual(c.tokens, b.tokens);
    for (let r = 0; r < PROMPTS.length; r++) {
      for (let j = 0; j < a.logprobs[r].length; j++) {
        assert.ok(Math.abs(a.logprobs[r][j] - b.logprobs[r][j]) < 1e-4);
        assert.ok(Math.abs(c.logprobs[r][j] - b.logprobs[r][j]) < 1e-4);
      }
    }
  }
  model.dispose();
});

Deno.test("same seed gives identical samples; different seeds differ; rows ignore batch mates", async () => {
  await selectBackend("wasm");
  const model = peakyModel();
  const a = await sample(model, PROMPTS, { maxNewTokens: 16, seed: 5 });
  const b = await sample(model, PROMPTS, { maxNewTokens: 16, seed: 5 });
  const c = await sample(model, PROMPTS, { maxNewTokens: 16, seed: 6 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.tokens, c.tokens);
  // Row 0 alone (no padding) equals row 0 of the padded batch.
  const alone = await sample(model, [PROMPTS[0]], { maxNewTokens: 16, seed: 5 });
  assert.deepEqual(alone.tokens[0], a.tokens[0]);
  model.dispose();
});

Deno.test("sampled log-probs equal the scoring log-probs of the same sequences", async () => {
  await selectBackend("cpu");
  const model = peakyModel();
  const r = await sample(model, PROMPTS, { maxNewTokens: 10, seed: 2, temperature: 0.8 });
  for (let i = 0; i < PROMPTS.length; i++) {
    const seq = [...PROMPTS[i], ...r.tokens[i]];
    const ids = tf.tensor2d([seq], [1, seq.length], "int32");
    const lp = tokenLogProbs(model, ids);
    const got = Array.from(await lp.data()).slice(PROMPTS[i].length);
    tf.dispose([ids, lp]);
    got.forEach((x, j) =>
      assert.ok(Math.abs(x - r.logprobs[i][j]) < 1e-4, `${x} vs ${r.logprobs[i][j]}`)
    );
    // Sampling at temperature 0.8 reports a different (sharper) sampling log-prob.
    assert.ok(r.samplingLogprobs[i].some((x, j) => Math.abs(x - r.logprobs[i][j]) > 1e-3));
  }
  model.dispose();
});

Deno.test("greedy picks the argmax; top-k=1 equals greedy; stop tokens end a row", async () => {
  await selectBackend("cpu");
  const model = peakyModel();
  const g = await sample(model, PROMPTS, { maxNewTokens: 8, temperature: 0 });
  const k1 = await sample(model, PROMPTS, { maxNewTokens: 8, topK: 1, seed: 77 });
  assert.deepEqual(g.tokens, k1.tokens);
  // The first greedy token is the argmax of the full forward pass.
  const ids = tf.tensor2d([PROMPTS[2]], [1, PROMPTS[2].length], "int32");
  const logits = model.forward(ids);
  const last = Array.from(await logits.data()).slice(-CFG.vocabSize);
  tf.dispose([ids, logits]);
  assert.equal(g.tokens[2][0], last.indexOf(Math.max(...last)));
  // Use row 0's third greedy token as a stop token: row 0 stops right there.
  const stopTok = g.tokens[0][2];
  const s = await sample(model, PROMPTS, {
    maxNewTokens: 8,
    temperature: 0,
    stopTokens: [stopTok],
  });
  const firstHit = g.tokens[0].indexOf(stopTok);
  assert.deepEqual(s.tokens[0], g.tokens[0].slice(0, firstHit + 1));
  assert.equal(s.stopped[0], true);
  for (const row of s.tokens) assert.ok(row.length <= 8);
  model.dispose();
});

Deno.test("prompts too long for the context are rejected; generation is clamped to ctxLen", async () => {
  await selectBackend("cpu");
  const model = peakyModel();
  await assert.rejects(
    () => sample(model, [new Array(32).fill(1)], { maxNewTokens: 1 }),
    /ctxLen is 32/,
  );
  const r = await sample(model, [new Array(30).fill(1)], { maxNewTokens: 10, temperature: 0 });
  assert.equal(r.tokens[0].length, 2);
  await assert.rejects(() => sample(model, [[1, 99]], { maxNewTokens: 1 }), /id 99 outside/);
  model.dispose();
});

Deno.test("scoreSequences matches sampling log-probs and gives zero KL against itself", async () => {
  await selectBackend("wasm");
  const model = peakyModel();
  const other = new GPT({ ...CFG, seed: 11 });
  const r = await sample(model, PROMPTS, { maxNewTokens: 6, seed: 8 });
  const seqs = PROMPTS.map((p, i) => [...p, ...r.tokens[i]]);
  const self = await scoreSequences(model, seqs, { ref: model, chunk: 3 });
  const vsOther = await scoreSequences(model, seqs, { ref: other });
  seqs.forEach((s, i) => {
    r.tokens[i].forEach((_, j) => {
      const got = self.logprobs[i * self.seqLen + PROMPTS[i].length + j];
      assert.ok(Math.abs(got - r.logprobs[i][j]) < 1e-4, `${got} vs ${r.logprobs[i][j]}`);
    });
    for (let j = 1; j < s.length; j++) {
      assert.ok(Math.abs(self.kl![i * self.seqLen + j]) < 1e-5);
      assert.ok(vsOther.kl![i * self.seqLen + j] > 0);
    }
  });
  model.dispose();
  other.dispose();
});

Deno.test("host decoding frees its arena: the wasm heap does not grow over 50 sampling calls", async () => {
  await selectBackend("wasm");
  const model = new GPT({ ...CFG, dModel: 64, nHead: 4 });
  // 256 rows: each call's arena is ~0.7 MB, so a leak would grow the heap by ~35 MB.
  const prompts = Array.from({ length: 256 }, (_, i) => [1, 2 + (i % 7)]);
  const call = (seed: number) => sample(model, prompts, { maxNewTokens: 2, seed });
  await call(0);
  await call(1);
  const { memory } = wasmHeap();
  const before = memory.buffer.byteLength;
  for (let i = 0; i < 50; i++) await call(i);
  assert.equal(memory.buffer.byteLength, before);
  model.dispose();
});
