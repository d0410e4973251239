/**
 * `deno task generate --model DIR --prompt TEXT [--max-tokens N] [--temperature T] [--seed S]
 * [--chat] [--json] [--backend auto|webgpu|wasm|cpu]`: samples a continuation from a Hugging Face
 * model directory (config.json, the safetensors weights, tokenizer.json and
 * tokenizer_config.json) on its KV cache (model/hf/generate.ts).
 *
 * The prompt is encoded by the model's own tokenizer as Hugging Face's `tokenizer(prompt)` does
 * (its post-processor may add a bos token, e.g. Llama's); `--chat` instead renders one user
 * message with the tokenizer's chat template and the assistant's opening
 * (`add_generation_prompt`), encoded without added special tokens, as `apply_chat_template` does.
 * Sampling stops at the model's eos ids (generation_config.json, else config.json) or after
 * `--max-tokens`. The text is the generated ids decoded with special tokens (the eos) left out.
 * `--json` prints exactly one JSON object `{"tokens": [...], "text": "...", "logprobs": [...]}`,
 * each logprob the token's log-probability under the model's unscaled distribution
 * (log_softmax of the float32 logits, whatever `--temperature`). Errors go to stderr with exit
 * status 2 for a bad command line and 1 otherwise.
 *
 * @module
 */
import { parseArgs } from "node:util";

const USAGE = "usage: deno task generate --model DIR --prompt TEXT [--max-tokens N (default 64)] " +
  "[--temperature T (default 1; 0 = greedy)] [--seed S (default 0)] [--chat] [--json] " +
  "[--backend auto|webgpu|wasm|cpu (default auto)]";

/** A command-line mistake (exit status 2). */
class UsageError extends Error {}

/** The parsed, checked flags. */
export interface GenerateArgs {
  model: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  seed: number;
  chat: boolean;
  json: boolean;
  backend: "auto" | "webgpu" | "wasm" | "cpu";
}

function numberFlag(
  flag: string,
  raw: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
  want: string,
): number {
  if (raw === undefined) return fallback;
  const n = raw.trim() === "" ? NaN : Number(raw);
  if (!check(n)) {
    throw new UsageError(`--${flag} ${JSON.stringify(raw)}: expected ${want}`);
  }
  return n;
}

/** Parses and checks the command line (throws a UsageError naming the flag). */
export function parseGenerateArgs(argv: string[]): GenerateArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: "string" },
        prompt: { type: "string" },
        "max-tokens": { type: "string" },
        temperature: { type: "string" },
        seed: { type: "string" },
        chat: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        backend: { type: "string", default: "auto" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) throw new UsageError("");
  if (values.model === undefined || values.model === "") {
    throw new UsageError("--model DIR is required (a Hugging Face model directory)");
  }
  if (values.prompt === undefined) throw new UsageError("--prompt TEXT is required");
  const backends = ["auto", "webgpu", "wasm", "cpu"] as const;
  if (!(backends as readonly string[]).includes(values.backend)) {
    throw new UsageError(
      `--backend ${JSON.stringify(values.backend)}: expected one of ${backends.join(", ")}`,
    );
  }
  return {
    model: values.model.replace(/\/+$/, "") || "/",
    prompt: values.prompt,
    maxTokens: numberFlag(
      "max-tokens",
      values["max-tokens"],
      64,
      (n) => Number.isInteger(n) && n >= 1,
      "an integer ≥ 1",
    ),
    temperature: numberFlag(
      "temperature",
      values.temperature,
      1,
      (n) => Number.isFinite(n) && n >= 0,
      "a number ≥ 0 (0 = greedy)",
    ),
    seed: numberFlag(
      "seed",
      values.seed,
      0,
      (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32,
      "an integer in [0, 2^32)",
    ),
    chat: values.chat,
    json: values.json,
    backend: values.backend as GenerateArgs["backend"],
  };
}

/** Checks the directory and its tokenizer files before anything heavy is loaded. */
function checkModelDir(dir: string): void {
  let st: Deno.FileInfo;
  try {
    st = Deno.statSync(dir);
  } catch {
    throw new Error(
      `--model ${dir}: no such directory; pass a Hugging Face model directory (config.json, ` +
        "model.safetensors or its shards, tokenizer.json, tokenizer_config.json)",
    );
  }
  if (!st.isDirectory) {
    throw new Error(`--model ${dir}: not a directory; pass the model's directory, not a file`);
  }
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
    try {
      Deno.statSync(`${dir}/${f}`);
    } catch {
      const why = f === "config.json"
        ? "the model's architecture"
        : "the model's own tokenizer, which encodes the prompt";
      throw new Error(
        `--model ${dir}: ${dir}/${f} is missing (${why}); download ${f} from the model's ` +
          "Hugging Face repository into that directory",
      );
    }
  }
}

/** Runs the command; returns what to print on stdout. */
export async function runGenerate(a: GenerateArgs): Promise<string> {
  checkModelDir(a.model);
  const { selectBackend } = await import("../backend.ts");
  const { loadHfModel } = await import("./transformer.ts");
  const { loadHfTokenizer } = await import("./tokenizer.ts");
  const { ChatTemplate } = await import("./chat_template.ts");
  const { generate } = await import("./generate.ts");
  await selectBackend(a.backend);
  const model = await loadHfModel(a.model);
  try {
    const tok = await loadHfTokenizer(a.model, { modelVocabSize: model.vocabSize });
    let ids: number[];
    if (a.chat) {
      let chat;
      try {
        chat = ChatTemplate.fromTokenizer(tok);
      } catch (e) {
        throw new Error(`--chat: ${(e as Error).message}`);
      }
      ids = tok.encode(
        chat.render([{ role: "user", content: a.prompt }], { addGenerationPrompt: true }),
      );
    } else {
      ids = tok.encode(a.prompt, { addSpecialTokens: true });
    }
    if (ids.length === 0) {
      throw new Error(
        `--prompt ${JSON.stringify(a.prompt)} encodes to no tokens (and the tokenizer adds no ` +
          "bos token): give a non-empty prompt",
      );
    }
    const r = await generate(model, [ids], {
      maxNewTokens: a.maxTokens,
      temperature: a.temperature,
      seed: a.seed,
    });
    const tokens = r.tokens[0];
    const text = tok.decode(tokens, { skipSpecial: true });
    return a.json ? JSON.stringify({ tokens, text, logprobs: r.logprobs[0] }) : text;
  } finally {
    model.dispose();
  }
}

if (import.meta.main) {
  let args: GenerateArgs;
  try {
    args = parseGenerateArgs(Deno.args);
  } catch (e) {
    const msg = (e as Error).message;
    if (!msg) {
      console.log(USAGE); // --help
      Deno.exit(0);
    }
    console.error(`generate: ${msg}\n${USAGE}`);
    Deno.exit(2);
  }
  try {
    console.log(await runGenerate(args));
  } catch (e) {
    console.error(`generate: ${(e as Error).message}`);
    Deno.exit(1);
  }
  Deno.exit(0);
}
