/**
 * Training Hugging Face models (model/hf/policy.ts, lora.ts) on the tiny fixtures, on wasm: a new
 * LoRA adapter (B = 0) changes nothing, the adapter-off pass is the base model, gradients of
 * LoRA's A and B and of full fine-tuning's base weights (the embedding included) agree with
 * central finite differences, AdamW steps lower a fixed batch's loss and leave the frozen weights
 * untouched, decoding on the KV cache sees the adapter, and invalid configs fail clearly.
 */
import assert from "node:assert/strict";
import { Rng, tf } from "../../model/mod.ts";
import { type HfModel, HfPolicy, loadHfModel } from "../../model/hf/mod.ts";
import { paramTensors } from "../../model/hf/params.ts";
import { TINY_MODELS } from "./hf_fixtures.ts";
import {
  ALL_TARGETS,
  fixtureDirs,
  randomizeAdapter,
  take,
  tokenBatch,
} from "./hf_lora_fixtures.ts";
import { maxAbsDiff } from "./helpers.ts";

/** Loads a fixture model and runs `f` on it, freeing it afterwards. */
async function withModel(name: string, f: (m: HfModel) => Promise<void> | void): Promise<void> {
  const model = await loadHfModel((await fixtureDirs()).get(name)!);
  try {
    await f(model);
  } finally {
    model.dispose();
  }
}

/** A LoRA policy over every projection of the model's family. */
function loraOnAll(model: HfModel, r = 4): HfPolicy {
  return HfPolicy.lora(model, { r, alpha: 2 * r, targets: ALL_TARGETS[model.config.family] });
}

Deno.test("a new LoRA adapter (B = 0) gives logits bit-identical to the base model's, every architecture", async () => {
  for (const m of TINY_MODELS) {
    await withModel(m.name, async (model) => {
      const policy = loraOnAll(model);
      const { ids } = tokenBatch(model.vocabSize, m.seed);
      const adapted = await take(policy.forward(ids));
      assert.deepEqual(adapted, await take(model.forward(ids)), m.name);
      policy.dispose();
    });
  }
});

Deno.test("the adapter-off pass equals the base model while the trained adapter changes the logits", async () => {
  for (const name of ["gpt2-f32-tied", "qwen3-f32-headdim-untied-sharded"]) {
    await withModel(name, async (model) => {
      const policy = loraOnAll(model);
      randomizeAdapter(policy, 5);
      const { ids } = tokenBatch(model.vocabSize, 3);
      const base = await take(model.forward(ids));
      assert.deepEqual(await take(policy.forward(ids, { adapter: false })), base, name);
      assert.ok(maxAbsDiff(await take(policy.forward(ids)), base) > 1e-2, name);
      policy.dispose();
    });
  }
});

Deno.test("token log-probs are the logits' log-softmax at the targets (float64 host check ≤ 1e-5), zero where masked", async () => {
  await withModel("qwen2-f16-bias-tied", async (model) => {
    const policy = loraOnAll(model);
    randomizeAdapter(policy, 2);
    const { ids, targets, mask } = tokenBatch(model.vocabSize, 6);
    const v = model.vocabSize, logits = await take(policy.forward(ids));
    const got = await take(policy.tokenLogProbs(ids, targets, mask));
    let worst = 0;
    targets.flat().forEach((target, n) => {
      const row = logits.subarray(n * v, (n + 1) * v);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      const want = mask.flat()[n] ? row[target] - lse : 0;
      if (!mask.flat()[n]) assert.ok(got[n] === 0, `masked log-prob ${got[n]}`); // ±0
      worst = Math.max(worst, Math.abs(got[n] - want));
    });
    console.log(`max |log-prob − float64 log-softmax|: ${worst.toExponential(2)}`);
    assert.ok(worst <= 1e-5, `max |log-prob difference| ${worst}`);
    policy.dispose();
  });
});

// ---- gradients against central finite differences ----------------------------------------------

/** Central-difference step and the largest accepted relative error (f32 forward passes). */
const FD_EPS = 1e-2;
const FD_TOLERANCE = 1e-2;
/** Entries checked per tensor: the ones with the largest |gradient|. */
const FD_ENTRIES = 3;

/** A policy-gradient-like objective: Σ c[b][t]·log p(target) with fixed signed weights c. */
function objective(policy: HfPolicy, seed: number) {
  const { ids, targets, mask } = tokenBatch(policy.base.vocabSize, seed);
  const rng = new Rng(seed + 1);
  const c = ids.map((r) => r.map(() => 2 * rng.uniform() - 1));
  return {
    loss: () =>
      tf.tidy(() => tf.sum(tf.mul(policy.tokenLogProbs(ids, targets, mask), c)) as tf.Scalar),
    /** The same sum in float64 on the host (the log-probs from a float32 pass). */
    host: async () => {
      const lp = await take(policy.tokenLogProbs(ids, targets, mask));
      return c.flat().reduce((s, w, i) => s + w * lp[i], 0);
    },
  };
}

/** Relative errors of analytic against central-difference gradients at the largest entries of
 * each named variable. */
async function gradientErrors(
  policy: HfPolicy,
  names: string[],
  seed: number,
): Promise<{ name: string; index: number; analytic: number; numeric: number; rel: number }[]> {
  const obj = objective(policy, seed);
  const { value, grads } = policy.gradients(obj.loss);
  const out = [];
  for (const name of names) {
    const v = policy.variables.get(name);
    assert.ok(v, `no variable ${name}`);
    const g = (await grads.get(name)!.data()) as Float32Array;
    const original = (await v.data()) as Float32Array;
    const order = [...g.keys()].sort((i, j) => Math.abs(g[j]) - Math.abs(g[i]));
    for (const index of order.slice(0, FD_ENTRIES)) {
      const at = async (delta: number) => {
        const x = original.slice();
        x[index] += delta;
        const t = tf.tensor(x, v.shape);
        v.assign(t);
        t.dispose();
        return await obj.host();
      };
      const numeric = (await at(FD_EPS) - await at(-FD_EPS)) / (2 * FD_EPS);
      const analytic = g[index];
      const rel = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric));
      out.push({ name, index, analytic, numeric, rel });
    }
    const t = tf.tensor(original, v.shape);
    v.assign(t);
    t.dispose();
  }
  tf.dispose([value, ...grads.values()]);
  return out;
}

/** Asserts every relative error is within FD_TOLERANCE and logs the largest. */
function checkErrors(label: string, errs: Awaited<ReturnType<typeof gradientErrors>>): void {
  const worst = errs.reduce((a, e) => (e.rel > a.rel ? e : a));
  console.log(
    `${label}: ${errs.length} entries, max relative error ${worst.rel.toExponential(2)} ` +
      `(${worst.name}[${worst.index}]: ${worst.analytic.toExponential(4)} vs ` +
      `${worst.numeric.toExponential(4)})`,
  );
  for (const e of errs) {
    assert.ok(
      e.rel < FD_TOLERANCE && Math.abs(e.analytic) > 1e-4,
      `${label} ${e.name}[${e.index}]: analytic ${e.analytic} vs numeric ${e.numeric}`,
    );
  }
}

Deno.test("LoRA gradients of A and B equal central finite differences (relative error < 1e-2)", async () => {
  for (const name of ["gpt2-f32-tied", "qwen3-f32-headdim-untied-sharded"]) {
    await withModel(name, async (model) => {
      const policy = loraOnAll(model, 2);
      randomizeAdapter(policy, 9, 0.2); // A's gradient is zero while B is
      const names = [...policy.variables.keys()].filter((n) =>
        /layers\.1\.self_attn\.(q|v)_proj|layers\.0\.mlp\.down_proj|h\.1\.attn\.c_attn|h\.0\.mlp\.c_proj/
          .test(n)
      );
      assert.equal(names.length, name.startsWith("gpt2") ? 4 : 6, names.join(", "));
      checkErrors(`LoRA ${name}`, await gradientErrors(policy, names, 21));
      policy.dispose();
    });
  }
});

Deno.test("full fine-tuning gradients of base weights, the embedding included, equal central finite differences", async () => {
  const cases: [string, string[]][] = [
    ["gpt2-f32-tied", [
      "transformer.wte.weight",
      "transformer.wpe.weight",
      "transformer.h.0.attn.c_attn.weight",
      "transformer.h.1.ln_2.weight",
      "transformer.h.1.mlp.c_fc.bias",
    ]],
    ["llama-f32-linearrope-tied-bias-mqa", [
      "model.embed_tokens.weight",
      "model.layers.0.self_attn.k_proj.weight",
      "model.layers.0.self_attn.q_proj.bias",
      "model.layers.1.mlp.up_proj.weight",
      "model.layers.1.input_layernorm.weight",
      "model.norm.weight",
    ]],
    ["qwen3-f32-headdim-untied-sharded", [
      "model.embed_tokens.weight",
      "model.layers.0.self_attn.q_norm.weight",
      "model.layers.1.self_attn.o_proj.weight",
      "lm_head.weight",
    ]],
  ];
  for (const [name, names] of cases) {
    await withModel(name, async (model) => {
      const policy = HfPolicy.fullFineTuning(model);
      checkErrors(`full ${name}`, await gradientErrors(policy, names, 22));
      policy.dispose();
    });
  }
});

// ---- optimizer steps ------------------------------------------------------------------------------

/** Supervised loss on a fixed batch: −mean log p(target) over the mask. */
function sftLoss(policy: HfPolicy, seed: number): () => tf.Scalar {
  const { ids, targets, mask } = tokenBatch(policy.base.vocabSize, seed, 3, 9);
  const n = mask.flat().reduce((a, b) => a + b, 0);
  return () => tf.tidy(() => tf.div(tf.neg(tf.sum(policy.tokenLogProbs(ids, targets, mask))), n));
}

Deno.test("AdamW steps on LoRA lower a fixed batch's loss, leave base weights bit-identical and no tensors behind", async () => {
  for (const name of ["gpt2-f32-tied", "qwen2-f16-bias-tied", "qwen3-f32-headdim-untied-sharded"]) {
    await withModel(name, async (model) => {
      const before = await Promise.all(paramTensors(model.params).map((t) => t.data()));
      const policy = HfPolicy.lora(model, {
        r: 4,
        alpha: 8,
        targets: ALL_TARGETS[model.config.family],
        seed: 1,
      }, { optimizer: { lr: 1e-2, weightDecay: 0.01 } });
      const loss = sftLoss(policy, 4);
      const losses: number[] = [];
      let tensors = 0;
      for (let i = 0; i < 8; i++) {
        losses.push((await policy.step(loss)).loss);
        if (i === 1) tensors = tf.memory().numTensors;
      }
      assert.equal(tf.memory().numTensors, tensors, `${name}: tensors leaked per step`);
      console.log(`${name} LoRA losses: ${losses.map((l) => l.toFixed(4)).join(" ")}`);
      assert.ok(losses.at(-1)! < losses[0] - 0.1, `${name}: ${losses}`);
      for (let i = 1; i < losses.length; i++) {
        assert.ok(losses[i] < losses[i - 1], `${name}: ${losses}`);
      }
      const after = await Promise.all(paramTensors(model.params).map((t) => t.data()));
      assert.deepEqual(after, before, `${name}: base weights changed`);
      policy.dispose();
    });
  }
});

Deno.test("full fine-tuning steps lower the loss while the adapter-off pass keeps the initial weights", async () => {
  await withModel("llama-f32-linearrope-tied-bias-mqa", async (model) => {
    const { ids } = tokenBatch(model.vocabSize, 8);
    const initial = await take(model.forward(ids));
    const policy = HfPolicy.fullFineTuning(model, { optimizer: { lr: 3e-3 } });
    const loss = sftLoss(policy, 4);
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) losses.push((await policy.step(loss)).loss);
    console.log(`full fine-tuning losses: ${losses.map((l) => l.toFixed(4)).join(" ")}`);
    assert.ok(losses.at(-1)! < losses[0] - 0.1, `${losses}`);
    assert.deepEqual(await take(policy.forward(ids, { adapter: false })), initial);
    assert.ok(maxAbsDiff(await take(policy.forward(ids)), initial) > 1e-2);
    // The tied head is the trained embedding itself.
    const p = policy.model.params;
    assert.ok(p.kind === "llama" && p.lmHead === p.embed && p.embed instanceof tf.Variable);
    policy.dispose();
  });
});

Deno.test("greedy decoding on the adapted model's KV cache gives its full-forward argmax tokens", async () => {
  for (const name of ["gpt2-f16-untied-noprefix", "llama-bf16-llama3rope-untied-sharded"]) {
    await withModel(name, async (model) => {
      const policy = loraOnAll(model);
      randomizeAdapter(policy, 13);
      const prompt = [3, 1, 4, 1, 5];
      const [got] = await policy.model.greedy([prompt], 6, { stopTokens: [] });
      const seq = [...prompt];
      for (let i = 0; i < 6; i++) {
        const logits = await take(policy.forward([seq]));
        const last = logits.subarray((seq.length - 1) * model.vocabSize);
        seq.push(last.indexOf(Math.max(...last)));
      }
      assert.deepEqual(got, seq.slice(prompt.length), name);
      policy.dispose();
    });
  }
});

// ---- invalid configs ------------------------------------------------------------------------------

Deno.test("invalid LoRA configs and targets the architecture lacks are refused with the field or the projections", async () => {
  await withModel("gpt2-f32-tied", (model) => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ r: 0, alpha: 8, targets: ["c_attn"] }, /LoRA config is invalid[\s\S]*r/],
      [{ r: 2.5, alpha: 8, targets: ["c_attn"] }, /expected int/],
      [{ r: 4, alpha: -1, targets: ["c_attn"] }, /alpha/],
      [{ r: 4, alpha: 8, targets: [] }, /targets/],
      [{ r: 4, alpha: 8, targets: ["c_attn"], dropout: 0.1 }, /dropout/],
      [
        { r: 4, alpha: 8, targets: ["c_attn", "q_proj"] },
        /LoRA target "q_proj" matches no projection of GPT2LMHeadModel; its projections are c_attn, c_proj, c_fc/,
      ],
    ];
    for (const [config, message] of bad) {
      assert.throws(() => HfPolicy.lora(model, config as never), message, JSON.stringify(config));
    }
    // A target by path suffix, as PEFT matches: only the attention's c_proj, not the MLP's.
    const policy = HfPolicy.lora(model, { r: 2, alpha: 4, targets: ["attn.c_proj"] });
    assert.deepEqual([...policy.adapter!.modules.keys()], [
      "transformer.h.0.attn.c_proj",
      "transformer.h.1.attn.c_proj",
    ]);
    policy.dispose();
  });
  await withModel("qwen3-f32-headdim-untied-sharded", (model) => {
    assert.throws(
      () => HfPolicy.lora(model, { r: 4, alpha: 8, targets: ["c_attn"] }),
      /matches no projection of Qwen3ForCausalLM; its projections are q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj/,
    );
  });
});

Deno.test("token log-probs refuse targets outside the vocabulary and mis-shaped masks", async () => {
  await withModel("gpt2-f32-tied", (model) => {
    const policy = loraOnAll(model);
    const { ids, targets, mask } = tokenBatch(model.vocabSize, 1);
    const outside = targets.map((r) => r.map(() => model.vocabSize));
    assert.throws(
      () => policy.tokenLogProbs(ids, outside, mask),
      /targets holds 211; expected integers in \[0, 211\)/,
    );
    assert.throws(
      () => policy.tokenLogProbs(ids, targets, mask.slice(1)),
      /mask must have the shape of ids \[2\]\[7\]/,
    );
    policy.dispose();
  });
});
