import { AdamW, CharTokenizer, GPT, selectBackend, sample } from "./model/mod.ts";
import { createRng, FAMILY_CHARSET, generateProblems, noisySolve } from "./datasets/mod.ts";
import { checkIntegerAnswer } from "./verifiers/integer.ts";
import { buildTextTranscript } from "./score/transcript.ts";
import { fitTranscripts } from "./score/supervised.ts";
import { generateAttempts } from "./score/generate.ts";

const be = await selectBackend("wasm");
console.log(be);
const tok = new CharTokenizer(FAMILY_CHARSET);
const { train, test } = generateProblems({ nTrain: 3000, nTest: 200, seed: 1 });
const rng = createRng(7);
const ts = [];
for (const p of train) for (let m = 0; m < 2; m++) {
  const a1 = noisySolve(p, rng), a2 = noisySolve(p, rng);
  ts.push(buildTextTranscript(tok, p.question, a1.text, a2.text));
}
console.log("transcripts", ts.length, "max len", Math.max(...ts.map((t) => t.tokens.length)));
const D = Number(Deno.env.get("D") ?? 128), L = Number(Deno.env.get("L") ?? 2), STEPS = Number(Deno.env.get("STEPS") ?? 300);
const model = new GPT({ vocabSize: tok.vocabSize, ctxLen: 192, nLayer: L, nHead: 4, dModel: D, seed: 1 });
console.log("params", model.numParams());
const opt = new AdamW({ lr: 3e-3, warmupSteps: 20, schedule: "cosine", totalSteps: STEPS, weightDecay: 0.01 });
const t0 = performance.now();
await fitTranscripts(model, opt, ts, { steps: STEPS, batchSize: 32, segments: [1, 2], seed: 1, padId: 0,
  onStep: (s) => { if (s.step % 25 === 0) console.log(s.step, s.loss.toFixed(3), ((performance.now() - t0) / (s.step + 1)).toFixed(0), "ms/step"); } });
const t1 = performance.now();
const g = await generateAttempts(model, tok, test.map((p) => p.question), { temperature: 0, maxAttemptTokens: 64, seed: 0, secondAttempt: true });
console.log("gen ms", performance.now() - t1);
let c1 = 0, c2 = 0; const byLevel: Record<string, number[]> = {};
test.forEach((p, i) => {
  const r1 = checkIntegerAnswer(p.answer, tok.decode(g.attempt1[i], { skipSpecial: true })).equal;
  const r2 = checkIntegerAnswer(p.answer, tok.decode(g.attempt2![i], { skipSpecial: true })).equal;
  c1 += +r1; c2 += +r2; (byLevel[p.family + p.level] ??= [0, 0, 0]); byLevel[p.family + p.level][0]++; byLevel[p.family + p.level][1] += +r1; byLevel[p.family + p.level][2] += +r2;
});
console.log("acc t1", c1 / test.length, "t2", c2 / test.length, byLevel);
for (let i = 0; i < 5; i++) console.log(JSON.stringify(test[i].question), "|", JSON.stringify(tok.decode(g.attempt1[i])), "|", JSON.stringify(tok.decode(g.attempt2![i])));
