/**
 * Hugging Face models run with tfjs against a float64 PyTorch reference (hf_reference.py) on tiny
 * random checkpoints of every supported architecture: logits of a batch, greedy tokens (tfjs on
 * its KV cache, PyTorch recomputing everything), and cached step logits against the full forward.
 */
import assert from "node:assert/strict";
import { Rng, selectBackend, tf } from "../../model/mod.ts";
import { type HfModel, loadHfModel } from "../../model/hf/mod.ts";
import { TINY_MODELS, writeTinyModels } from "./hf_fixtures.ts";
import { maxAbsDiff } from "./helpers.ts";
import { torchReference } from "./torch_reference.ts";

const TOLERANCE = 1e-4;
/** Prompts of different lengths (greedy decoding left-pads the shorter one). */
const PROMPTS = [[4, 6, 8], [9, 1, 2, 3, 5, 7, 8]];
const MAX_NEW = 8;

/** A seeded [2, 11] token batch below `vocab`. */
function tokenBatch(vocab: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return [0, 1].map(() => Array.from({ length: 11 }, () => rng.int(vocab)));
}

interface Reference {
  logits: number[];
  greedy: number[][];
}

/** The fixtures on disk, each model's inputs, and the PyTorch results (computed once). */
interface Setup {
  dirs: Map<string, string>;
  inputs: Map<string, { ids: number[][]; stop: number[] }>;
  reference: Map<string, Reference>;
}

let setup: Promise<Setup> | null = null;

async function runReference(
  dirs: Map<string, string>,
  inputs: Setup["inputs"],
): Promise<Map<string, Reference>> {
  const results = await torchReference<Reference>(TINY_MODELS.map((m) => ({
    dir: dirs.get(m.name),
    ids: inputs.get(m.name)!.ids,
    prompts: PROMPTS,
    max_new: MAX_NEW,
    stop: inputs.get(m.name)!.stop,
  })));
  return new Map(TINY_MODELS.map((m, i) => [m.name, results[i]]));
}

function getSetup(): Promise<Setup> {
  setup ??= (async () => {
    await selectBackend("wasm");
    const { root, dirs } = await writeTinyModels();
    globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
    const inputs: Setup["inputs"] = new Map();
    for (const m of TINY_MODELS) {
      const model = await loadHfModel(dirs.get(m.name)!);
      inputs.set(m.name, { ids: tokenBatch(model.vocabSize, m.seed), stop: model.eosTokenIds });
      model.dispose();
    }
    return { dirs, inputs, reference: await runReference(dirs, inputs) };
  })();
  return setup;
}

/** Runs `f` on every fixture model loaded on `backend`, freeing each model afterwards. */
async function eachModel(
  backend: "wasm" | "cpu",
  f: (name: string, model: HfModel, s: Setup) => Promise<void>,
): Promise<void> {
  const s = await getSetup();
  await selectBackend(backend);
  for (const m of TINY_MODELS) {
    const model = await loadHfModel(s.dirs.get(m.name)!);
    try {
      await f(m.name, model, s);
    } finally {
      model.dispose();
    }
  }
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`${backend}: logits equal the float64 PyTorch reference within 1e-4 for every architecture`, async () => {
    const diffs: string[] = [];
    await eachModel(backend, async (name, model, s) => {
      const logits = model.forward(s.inputs.get(name)!.ids);
      const got = (await logits.data()) as Float32Array;
      logits.dispose();
      const d = maxAbsDiff(got, s.reference.get(name)!.logits);
      diffs.push(`${name} ${d.toExponential(2)}`);
      assert.ok(d <= TOLERANCE, `${name}: max |logit difference| ${d} > ${TOLERANCE}`);
    });
    console.log(`max |logit difference| on ${backend}: ${diffs.join(", ")}`);
  });
}

Deno.test("greedy decoding on the KV cache gives PyTorch's full-recompute tokens for every architecture", async () => {
  await eachModel("wasm", async (name, model, s) => {
    const got = await model.greedy(PROMPTS, MAX_NEW); // left-padded batch, stops at eos ids
    assert.deepEqual(got, s.reference.get(name)!.greedy, name);
  });
});

Deno.test("cached prefill and step logits equal the full forward's last-position logits within 1e-4", async () => {
  await eachModel("wasm", async (name, model) => {
    const tokens = await model.greedy(PROMPTS, 5, { stopTokens: [] });
    let { logits, cache } = model.prefill(PROMPTS);
    try {
      for (let n = 0; n <= tokens[0].length; n++) {
        const cached = (await logits.data()) as Float32Array;
        logits.dispose();
        for (let r = 0; r < PROMPTS.length; r++) {
          const seq = [...PROMPTS[r], ...tokens[r].slice(0, n)];
          const full = model.forward([seq]);
          const last = (await full.data()).slice((seq.length - 1) * model.vocabSize);
          full.dispose();
          const row = cached.subarray(r * model.vocabSize, (r + 1) * model.vocabSize);
          const d = maxAbsDiff(row, last);
          assert.ok(d <= TOLERANCE, `${name} row ${r} after ${n} steps: ${d}`);
        }
        if (n === tokens[0].length) break;
        logits = model.step(tokens.map((t) => t[n]), cache);
      }
      assert.equal(cache.length, PROMPTS[1].length + tokens[0].length);
    } finally {
      cache.dispose();
    }
  });
});

Deno.test("greedy decoding ends each row at its first stop token, included", async () => {
  await eachModel("wasm", async (name, model) => {
    const free = await model.greedy(PROMPTS, MAX_NEW, { stopTokens: [] });
    const stopAt = 2, stop = free[0][stopAt];
    const got = await model.greedy(PROMPTS, MAX_NEW, { stopTokens: [stop] });
    const cut = (row: number[]) => row.includes(stop) ? row.slice(0, row.indexOf(stop) + 1) : row;
    assert.deepEqual(got, free.map(cut), name);
    assert.ok(got[0].length <= stopAt + 1);
  });
});

Deno.test("forward, prefill, step and greedy leave no tensors behind", async () => {
  const s = await getSetup();
  await selectBackend("wasm");
  for (const name of ["gpt2-f32-tied", "qwen3-f32-headdim-untied-sharded"]) {
    const model = await loadHfModel(s.dirs.get(name)!);
    const before = tf.memory().numTensors;
    model.forward(s.inputs.get(name)!.ids).dispose();
    await model.greedy(PROMPTS, 4, { stopTokens: [] });
    const { logits, cache } = model.prefill(PROMPTS);
    logits.dispose();
    model.step([1, 2], cache).dispose();
    cache.dispose();
    assert.equal(tf.memory().numTensors, before, name);
    model.dispose();
  }
});
