/**
 * `deno task generate` (model/hf/generate_cli.ts) run as a subprocess on a tiny random Qwen3-style
 * model with a hand-written byte-level BPE tokenizer (tiny_tokenizer.ts), against the float64
 * PyTorch reference (hf_reference.py): greedy tokens and their log-probabilities, sampled tokens'
 * log-probabilities by teacher forcing, seeds, the eos of generation_config.json, `--chat`, and
 * the errors of bad command lines and directories. Also model/hf/generate.ts in process.
 */
import assert from "node:assert/strict";
import { selectBackend, tf } from "../../model/mod.ts";
import { loadHfModel } from "../../model/hf/mod.ts";
import { generate } from "../../model/hf/generate.ts";
import { ChatTemplate } from "../../model/hf/chat_template.ts";
import { loadHfTokenizer } from "../../model/hf/tokenizer.ts";
import { type TinyModel, writeTinyModel } from "./hf_fixtures.ts";
import { TINY_IM_END, TINY_TOKENIZER_VOCAB, writeTinyTokenizer } from "./tiny_tokenizer.ts";
import { torchReference } from "./torch_reference.ts";

const CLI = new URL("../../model/hf/generate_cli.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;
const TOLERANCE = 1e-4;
const PROMPT = "hello world";
const MAX = 12;

/** A Qwen3-style model over the tiny tokenizer's ids; eos = <|im_end|>. */
const TINY_CHAT: TinyModel = {
  name: "qwen3-tiny-chatml",
  config: {
    architectures: ["Qwen3ForCausalLM"],
    model_type: "qwen3",
    vocab_size: TINY_TOKENIZER_VOCAB,
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 8,
    max_position_embeddings: 128,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000.0,
    tie_word_embeddings: true,
    eos_token_id: TINY_IM_END,
  },
  dtype: "F32",
  shards: 1,
  seed: 21,
};

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...args: string[]): Promise<CliRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", CLI, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

interface Generated {
  tokens: number[];
  text: string;
  logprobs: number[];
}

/** Runs the CLI with --json and parses its one JSON object (stdout must hold nothing else). */
async function cliJson(...args: string[]): Promise<Generated> {
  const r = await cli(...args, "--json");
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 1, `stdout is one line: ${r.stdout}`);
  const obj = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(obj).sort(), ["logprobs", "text", "tokens"]);
  assert.equal(obj.tokens.length, obj.logprobs.length);
  return obj;
}

interface Reference {
  greedy: number[][];
  greedy_logprobs: number[][];
  scores: number[][];
}

async function reference(
  dir: string,
  prompts: number[][],
  score: { prompt: number[]; tokens: number[] }[],
): Promise<Reference> {
  const [result] = await torchReference<Reference>([
    { dir, prompts, max_new: MAX, stop: [TINY_IM_END], score },
  ]);
  return result;
}

function assertClose(got: number[], want: number[], what: string): void {
  assert.equal(got.length, want.length, what);
  const d = Math.max(0, ...got.map((g, i) => Math.abs(g - want[i])));
  assert.ok(d <= TOLERANCE, `${what}: max |logprob difference| ${d} > ${TOLERANCE}`);
}

interface Setup {
  root: string;
  dir: string;
  promptIds: number[];
  chatIds: number[];
  greedy: Generated;
  greedyText: CliRun;
  seed1: Generated;
  seed1Again: Generated;
  seed2: Generated;
  chat: Generated;
  ref: Reference;
  decode: (ids: number[]) => string;
}

let setup: Promise<Setup> | null = null;

/** Writes the model, runs the CLI runs every test reads, then PyTorch once on their prompts. */
function getSetup(): Promise<Setup> {
  setup ??= (async () => {
    const root = await Deno.makeTempDir({ prefix: "hf-generate-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
    const dir = `${root}/${TINY_CHAT.name}`;
    await writeTinyModel(dir, TINY_CHAT);
    await writeTinyTokenizer(dir);
    const tok = await loadHfTokenizer(dir);
    const promptIds = tok.encode(PROMPT, { addSpecialTokens: true });
    const chatIds = tok.encode(
      ChatTemplate.fromTokenizer(tok).render([{ role: "user", content: PROMPT }], {
        addGenerationPrompt: true,
      }),
    );
    const common = ["--model", dir, "--prompt", PROMPT, "--max-tokens", String(MAX)];
    const wasm = ["--backend", "wasm"];
    const greedy = await cliJson(...common, ...wasm, "--temperature", "0");
    const greedyText = await cli(...common, "--backend", "cpu", "--temperature", "0");
    const sampled = [...common, ...wasm, "--temperature", "1"];
    const seed1 = await cliJson(...sampled, "--seed", "1");
    const seed1Again = await cliJson(...sampled, "--seed", "1");
    const seed2 = await cliJson(...sampled, "--seed", "2");
    const chat = await cliJson(...common, ...wasm, "--temperature", "0", "--chat");
    const ref = await reference(dir, [promptIds, chatIds], [
      { prompt: promptIds, tokens: seed1.tokens },
      { prompt: promptIds, tokens: seed2.tokens },
    ]);
    return {
      root,
      dir,
      promptIds,
      chatIds,
      greedy,
      greedyText,
      seed1,
      seed1Again,
      seed2,
      chat,
      ref,
      decode: (ids) => tok.decode(ids, { skipSpecial: true }),
    };
  })();
  return setup;
}

Deno.test("generate --json --temperature 0: PyTorch's greedy tokens, log-probs within 1e-4", async () => {
  const s = await getSetup();
  assert.equal(s.greedy.tokens.length, MAX, "no eos among the greedy tokens of this fixture");
  assert.deepEqual(s.greedy.tokens, s.ref.greedy[0]);
  assertClose(s.greedy.logprobs, s.ref.greedy_logprobs[0], "greedy");
  assert.equal(s.greedy.text, s.decode(s.greedy.tokens));
});

Deno.test("generate --temperature 0 prints the decoded argmax path (cpu backend)", async () => {
  const s = await getSetup();
  assert.equal(s.greedyText.code, 0, s.greedyText.stderr);
  assert.equal(s.greedyText.stdout, s.decode(s.ref.greedy[0]) + "\n");
});

Deno.test("generate --temperature 1: a seed repeats its tokens, another seed draws others, log-probs are the model's", async () => {
  const s = await getSetup();
  assert.deepEqual(s.seed1Again, s.seed1);
  assert.notDeepEqual(s.seed2.tokens, s.seed1.tokens);
  assert.notDeepEqual(s.seed1.tokens, s.greedy.tokens);
  // Unscaled log p of each sampled token, as PyTorch computes it by teacher forcing.
  assertClose(s.seed1.logprobs, s.ref.scores[0], "seed 1");
  assertClose(s.seed2.logprobs, s.ref.scores[1], "seed 2");
});

Deno.test("generate --chat samples after one user message and the assistant's opening", async () => {
  const s = await getSetup();
  assert.deepEqual(s.chat.tokens, s.ref.greedy[1]);
  assertClose(s.chat.logprobs, s.ref.greedy_logprobs[1], "chat");
  assert.notDeepEqual(s.chat.tokens, s.greedy.tokens);
});

Deno.test("generate stops at the eos ids of generation_config.json (included)", async () => {
  const s = await getSetup();
  const eos = s.greedy.tokens[3];
  const dir = `${s.root}/eos-${eos}`;
  await Deno.mkdir(dir);
  for (const e of Deno.readDirSync(s.dir)) {
    Deno.copyFileSync(`${s.dir}/${e.name}`, `${dir}/${e.name}`);
  }
  await Deno.writeTextFile(
    `${dir}/generation_config.json`,
    JSON.stringify({ eos_token_id: [eos] }),
  );
  const r = await cliJson(
    "--model",
    dir,
    "--prompt",
    PROMPT,
    "--temperature",
    "0",
    "--backend",
    "wasm",
  );
  assert.deepEqual(r.tokens, s.greedy.tokens.slice(0, s.greedy.tokens.indexOf(eos) + 1));
  assert.equal(r.tokens.at(-1), eos);
});

Deno.test("generate: errors name the flag or file and the fix", async () => {
  const s = await getSetup();
  const cases: [string[], number, string[]][] = [
    [["--prompt", "x"], 2, ["--model DIR is required"]],
    [["--model", s.dir], 2, ["--prompt TEXT is required"]],
    [["--model", s.dir, "--prompt", "x", "--max-tokens", "0"], 2, ["--max-tokens", '"0"', "≥ 1"]],
    [["--model", s.dir, "--prompt", "x", "--max-tokens", "many"], 2, ["--max-tokens", '"many"']],
    [["--model", s.dir, "--prompt", "x", "--temperature=-1"], 2, ["--temperature", '"-1"']],
    [["--model", s.dir, "--prompt", "x", "--seed", "1.5"], 2, ["--seed", '"1.5"', "integer"]],
    [["--model", s.dir, "--prompt", "x", "--backend", "tpu"], 2, ["--backend", '"tpu"', "wasm"]],
    [["--model", s.dir, "--prompt", "x", "--top-k", "5"], 2, ["--top-k", "usage:"]],
    [["--model", `${s.root}/nowhere`, "--prompt", "x"], 1, ["nowhere", "no such directory"]],
    [["--model", `${s.dir}/config.json`, "--prompt", "x"], 1, ["not a directory"]],
  ];
  for (const [args, code, parts] of cases) {
    const r = await cli(...args);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "", args.join(" "));
    for (const p of parts) assert.ok(r.stderr.includes(p), `${args.join(" ")}: ${r.stderr}`);
  }
  // A directory without its tokenizer, and a tokenizer without a chat template.
  const bare = `${s.root}/no-tokenizer`;
  await Deno.mkdir(bare);
  for (const f of ["config.json", "model.safetensors"]) {
    Deno.copyFileSync(`${s.dir}/${f}`, `${bare}/${f}`);
  }
  let r = await cli("--model", bare, "--prompt", "x");
  assert.equal(r.code, 1);
  for (const p of [`${bare}/tokenizer.json is missing`, "download tokenizer.json"]) {
    assert.ok(r.stderr.includes(p), r.stderr);
  }
  Deno.copyFileSync(`${s.dir}/tokenizer.json`, `${bare}/tokenizer.json`);
  const config = JSON.parse(Deno.readTextFileSync(`${s.dir}/tokenizer_config.json`));
  delete config.chat_template;
  Deno.writeTextFileSync(`${bare}/tokenizer_config.json`, JSON.stringify(config));
  r = await cli("--model", bare, "--prompt", "x", "--chat", "--backend", "cpu");
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes("--chat:") && r.stderr.includes("has no chat_template"), r.stderr);
  r = await cli("--model", bare, "--prompt", "", "--backend", "cpu");
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes("encodes to no tokens"), r.stderr);
});

Deno.test("generate(): greedy is HfModel.greedy, sampling stays in the vocabulary, rows stop at their stop ids, no tensors left", async () => {
  const s = await getSetup();
  await selectBackend("wasm");
  const model = await loadHfModel(s.dir);
  try {
    const prompts = [s.promptIds, s.chatIds];
    const before = tf.memory().numTensors;
    const g = await generate(model, prompts, { maxNewTokens: 6, temperature: 0, stopTokens: [] });
    assert.deepEqual(g.tokens, await model.greedy(prompts, 6, { stopTokens: [] }));
    const t = await generate(model, prompts, { maxNewTokens: 8, temperature: 0.7, seed: 5 });
    for (const row of t.tokens) {
      assert.ok(row.every((id) => Number.isInteger(id) && id >= 0 && id < model.vocabSize));
    }
    assert.ok(t.logprobs.flat().every((lp) => lp <= 0 && Number.isFinite(lp)));
    // Stop at a token row 0 emits: its row ends there (included), row 1 runs on if it never
    // emits it.
    const stopId = t.tokens[0][2];
    const cut = await generate(model, prompts, {
      maxNewTokens: 8,
      temperature: 0.7,
      seed: 5,
      stopTokens: [stopId],
    });
    const first = t.tokens[0].indexOf(stopId);
    assert.deepEqual(cut.tokens[0], t.tokens[0].slice(0, first + 1));
    assert.equal(cut.stopped[0], true);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    model.dispose();
  }
});

Deno.test("generate(): refuses bad temperatures and token counts", async () => {
  const s = await getSetup();
  await selectBackend("cpu");
  const model = await loadHfModel(s.dir);
  try {
    for (const temperature of [-1, NaN, Infinity]) {
      await assert.rejects(
        () => generate(model, [[1]], { maxNewTokens: 2, temperature }),
        /temperature must be a finite number ≥ 0/,
      );
    }
    await assert.rejects(() => generate(model, [[1]], { maxNewTokens: 1.5 }), /maxNewTokens/);
    const none = await generate(model, [[1]], { maxNewTokens: 0 });
    assert.deepEqual(none.tokens, [[]]);
  } finally {
    model.dispose();
  }
});
