/**
 * The problems stage's public sources: the config's shapes (MBPP train + HumanEval test under
 * `source: code`, a MATH train directory beside a MATH500 test file), the records and splits it
 * writes over real-format fixtures, its key's dependence on the files' contents and on the
 * sandbox's code (code sources only), and bad input in the config's terms (file, line, field, fix).
 */
import assert from "node:assert/strict";
import { runMain } from "../cli.ts";
import {
  ExperimentConfig,
  ProblemsConfig,
  problemsSource,
  SandboxConfig,
} from "../../stages/config.ts";
import { problems, sandboxCodeDigest } from "../../stages/problems.ts";
import { DEFAULT_LIMITS } from "../../verifiers/code/mod.ts";
import {
  SCORE_CODE_INSTRUCTION,
  SCORE_CODE_TURN1_TEMPLATE,
  SCORE_MATH_INSTRUCTION,
  SCORE_MATH_TURN1_TEMPLATE,
} from "../../datasets/prompts.ts";
import { TaskInfo, TaskProblem, taskPrompts } from "../../score/task.ts";
import { scoreDialogue } from "../../model/dialogue.ts";
import { loadHfTokenizer } from "../../model/hf/tokenizer.ts";
import { QWEN3_DIR } from "../model/tokenizer_fixtures.ts";
import { verifierFor } from "../../score/verify.ts";
import {
  HUMANEVAL_ROWS,
  jsonl,
  MBPP_ROWS,
  writePublicFixtures,
} from "../datasets/public_fixtures.ts";

/** A ChatML template that keeps every turn as written. */
const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const dir = await Deno.makeTempDir({ prefix: "score-sources-" });
const fx = await writePublicFixtures(`${dir}/data`);

function main(args: string[], store = `${dir}/store`) {
  return runMain(args, { store, cwd: dir, env: { SCORE_NO_FAST: "1" }, timeoutMs: 120_000 });
}

async function config(name: string, body: string): Promise<string> {
  const path = `${dir}/${name}.yaml`;
  await Deno.writeTextFile(path, body);
  return path;
}

const codeYaml = (train = fx.mbpp, test = fx.humaneval, extra = "") =>
  `problems:\n  source: code\n  train: { mbpp: ${train} }\n  test: { humaneval: ${test} }\n${extra}`;

/** The first zod issue of a problems config: its path and message. */
function refusal(value: unknown): { path: string; message: string } {
  const r = ProblemsConfig.safeParse(value);
  assert.equal(r.success, false, `accepted ${JSON.stringify(value)}`);
  const issue = r.error!.issues[0];
  return { path: issue.path.join("."), message: issue.message };
}

/** Exit code 2, the message, and no stack trace. */
function clearError(r: { code: number; err: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, pattern);
  assert.doesNotMatch(r.err, /\n\s+at |Uncaught/, r.err);
}

async function readOutput(store: string) {
  const out = `${store}/out/problems`;
  const lines = async (f: string) =>
    (await Deno.readTextFile(`${out}/${f}`)).trim().split("\n").map((l) =>
      TaskProblem.parse(JSON.parse(l))
    );
  return {
    info: TaskInfo.parse(JSON.parse(await Deno.readTextFile(`${out}/task.json`))),
    train: await lines("train.jsonl"),
    test: await lines("test.jsonl"),
  };
}

Deno.test("config: source code names each split's format; a MATH500 test split beside MATH train", () => {
  const code = problemsSource(ProblemsConfig.parse({
    source: "code",
    train: { mbpp: "mbpp.jsonl" },
    test: { humaneval: "HumanEval.jsonl.gz" },
    sandbox: { timeoutMs: 3000 },
  }));
  assert.deepEqual(code, {
    source: "code",
    train: { format: "mbpp", path: "mbpp.jsonl" },
    test: { format: "humaneval", path: "HumanEval.jsonl.gz" },
    skipBadRows: false,
    limit: 0,
    prompt: { turn1: SCORE_CODE_TURN1_TEMPLATE, instruction: SCORE_CODE_INSTRUCTION },
    sandbox: { timeoutMs: 3000, memoryMb: 512, outputBytes: 1 << 20 },
  });
  const math = problemsSource(ProblemsConfig.parse({
    source: "math",
    train: "MATH/train",
    test: { math500: "math500.jsonl" },
    prompt: { instruction: "Check your work." },
  }));
  assert.deepEqual(math, {
    source: "math",
    train: { format: "math", path: "MATH/train" },
    test: { format: "math500", path: "math500.jsonl" },
    skipBadRows: false,
    limit: 0,
    prompt: { turn1: SCORE_MATH_TURN1_TEMPLATE, instruction: "Check your work." },
  });
  // The old one-format shape still reads as before, now with the math prompts.
  const gsm = problemsSource(ProblemsConfig.parse({ source: "gsm8k", train: "a", test: "b" }));
  assert.deepEqual([gsm.source, "train" in gsm && gsm.train], ["gsm8k", {
    format: "gsm8k",
    path: "a",
  }]);
  assert.equal("prompt" in gsm && gsm.prompt.instruction, SCORE_MATH_INSTRUCTION);
  // The embedded slice is unchanged: no prompt, no sandbox.
  assert.deepEqual(Object.keys(problemsSource(ProblemsConfig.parse({}))), ["source", "embedded"]);
  // The sandbox defaults are the sandbox's own.
  assert.deepEqual(SandboxConfig.parse({}), DEFAULT_LIMITS);
});

Deno.test("config: wrong shapes are refused with the setting and the fix", () => {
  assert.deepEqual(refusal({ source: "code", train: "mbpp.jsonl", test: { humaneval: "h" } }), {
    path: "train",
    message: "source code reads two formats: name this one, e.g. problems.train: " +
      "{ mbpp: mbpp.jsonl }",
  });
  assert.match(
    refusal({ source: "code", test: { humaneval: "h" } }).message,
    /source code needs problems\.train: \{ mbpp: FILE \}/,
  );
  const kind = refusal({ source: "gsm8k", train: "g", test: { humaneval: "h" } });
  assert.equal(kind.path, "test.humaneval");
  assert.match(
    kind.message,
    /humaneval is a code set, but source gsm8k is a math task; both splits must be math sets \(gsm8k, math, math500\)/,
  );
  assert.match(
    refusal({ source: "math", train: "m", test: { math500: "a", math: "b" } }).message,
    /name exactly one format for the split's file \(got math, math500\)/,
  );
  assert.match(
    refusal({ source: "code", train: { mbp: "x" }, test: { humaneval: "h" } }).message,
    /unknown format "mbp": name the split.s file as \{ FORMAT: path \} with FORMAT one of gsm8k, math, math500, mbpp, humaneval/,
  );
  assert.match(
    refusal({ source: "math", train: 3, test: "t" }).message,
    /expected a local file's path, or \{ FORMAT: path \} with FORMAT one of gsm8k, math/,
  );
  assert.deepEqual(refusal({ prompt: { instruction: "again" } }).path, "prompt.instruction");
  assert.match(refusal({ prompt: { turn1: "x" } }).message, /<self_correct> token|\{problem\}/);
  assert.match(
    refusal({ source: "mbpp", train: "a", test: "b", prompt: { turn1: "Solve it." } }).message,
    /has no \{problem\} placeholder/,
  );
});

Deno.test("config errors from a file name its line", async () => {
  const cfg = await config("two_formats", `problems:\n  source: code\n  train: ${fx.mbpp}\n`);
  clearError(
    await main(["status", "--preset", "smoke", "--config", cfg]),
    /two_formats\.yaml:3:\d+: problems\.train: source code reads two formats: name this one/,
  );
});

Deno.test("problems over MBPP train and HumanEval test: code records, splits, prompts, sandbox", async () => {
  const store = `${dir}/store-code`;
  const cfg = await config(
    "code",
    codeYaml(fx.mbpp, fx.humaneval, "  sandbox: { timeoutMs: 4000 }\n"),
  );
  const r = await main(["stage", "problems", "--preset", "smoke", "--config", cfg], store);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err + r.out, /4 train \/ 4 test problems \(mbpp train, humaneval test\)/);
  const { info, train, test } = await readOutput(store);
  assert.deepEqual(
    { source: info.source, verifier: info.verifier, counts: info.counts, prompt: info.prompt },
    {
      source: "code",
      verifier: "code",
      counts: { train: 4, test: 4 },
      prompt: { turn1: SCORE_CODE_TURN1_TEMPLATE, instruction: SCORE_CODE_INSTRUCTION },
    },
  );
  assert.deepEqual(info.sandbox, {
    timeoutMs: 4000,
    memoryMb: 512,
    outputBytes: 1 << 20,
    code: sandboxCodeDigest(),
  });
  assert.deepEqual(train.map((p) => p.id), MBPP_ROWS.map((r) => `mbpp/${r.task_id}`));
  assert.deepEqual(test.map((p) => p.id), HUMANEVAL_ROWS.map((r) => r.task_id));
  const [m2] = train;
  assert.equal(
    m2.question,
    `${MBPP_ROWS[0].text} Your code should pass these tests:\n\n${
      MBPP_ROWS[0].test_list.join("\n")
    }`,
  );
  assert.deepEqual([m2.family, m2.level], ["mbpp", 0]);
  assert.equal(m2.answer, MBPP_ROWS[0].code.replace(/\r\n/g, "\n").trimEnd());
  assert.equal(m2.solution, "```python\n" + m2.answer + "\n```");
  assert.deepEqual(m2.code, {
    language: "python",
    entryPoint: "similar_elements",
    tests: MBPP_ROWS[0].test_list.join("\n") + "\n",
  });
  assert.ok(train[3].code!.tests.startsWith("import math\n"), "MBPP setup code before the asserts");
  const h0 = test[0];
  assert.equal(h0.question, HUMANEVAL_ROWS[0].prompt);
  assert.deepEqual(h0.code, {
    language: "python",
    entryPoint: "has_close_elements",
    tests: HUMANEVAL_ROWS[0].test,
    prefix: HUMANEVAL_ROWS[0].prompt,
  });
  // The records carry what the verifier needs: every reference solution passes in the sandbox.
  const all = [...train, ...test];
  const verdicts = await verifierFor(info).verifyAll(all, all.map((p) => p.solution));
  assert.deepEqual(verdicts.map((v) => v.status), all.map(() => "passed"));
  // The task's prompts are a chat model's two user turns (the paper's MBPP prompt, its HumanEval
  // / MBPP instruction), rendered with exact attempt spans.
  const qwen = await loadHfTokenizer(QWEN3_DIR, { modelVocabSize: 151_936 });
  const dialogue = scoreDialogue(qwen, { ...taskPrompts(info)!, chatTemplate: CHATML });
  const [u1, , u2] = dialogue.messages(m2.question, m2.solution);
  assert.equal(
    u1.content,
    `You are an expert Python programmer, and here is your task: ${m2.question}`,
  );
  assert.equal(u2.content, SCORE_CODE_INSTRUCTION);
  const d = dialogue.render(m2.question, m2.solution, m2.solution);
  assert.equal(qwen.decode(d.ids.slice(d.attempt2.start, d.attempt2.end)), m2.solution);
  assert.equal(taskPrompts({ ...info, prompt: undefined }), null);
});

Deno.test("problems over a MATH train directory and a MATH500 test file", async () => {
  const store = `${dir}/store-math`;
  const cfg = await config(
    "math",
    `problems:\n  source: math\n  train: ${fx.mathTrain}\n  test: { math500: ${fx.math500} }\n`,
  );
  const r = await main(["stage", "problems", "--preset", "smoke", "--config", cfg], store);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err + r.out, /3 train \/ 3 test problems \(math train, math500 test\)/);
  const { info, train, test } = await readOutput(store);
  assert.deepEqual([info.verifier, info.counts, info.sandbox], [
    "math",
    { train: 3, test: 3 },
    undefined,
  ]);
  assert.deepEqual(info.prompt, {
    turn1: SCORE_MATH_TURN1_TEMPLATE,
    instruction: SCORE_MATH_INSTRUCTION,
  });
  assert.deepEqual(train.map((p) => [p.id, p.family, p.level, p.answer]), [
    ["math/algebra/1", "Algebra", 1, "4"],
    ["math/algebra/2", "Algebra", 2, "\\frac{3}{4}"],
    ["math/number_theory/1", "Number Theory", 1, "2"],
  ]);
  assert.deepEqual(test.map((p) => [p.id, p.answer]), [
    ["test/prealgebra/1.json", "13"],
    ["test/algebra/7.json", "\\frac{3}{4}"],
    ["test/algebra/9.json", "3"],
  ]);
  assert.ok([...train, ...test].every((p) => p.code === undefined));
  const v = await verifierFor(info).verifyAll(test, test.map((p) => p.solution));
  assert.deepEqual(v.map((x) => x.correct), [true, true, true]);
});

Deno.test("the problems key follows the files' contents, and the sandbox's code for code sources only", async () => {
  const copy = `${dir}/keyed`;
  const f = await writePublicFixtures(copy);
  const cfg = await config("keyed", codeYaml(f.mbpp, f.humaneval));
  const key = async () => {
    const r = await main(["status", "--json", "--preset", "smoke", "--config", cfg]);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out).stages.find((s: { name: string }) => s.name === "problems").key;
  };
  const k0 = await key();
  const edited = HUMANEVAL_ROWS.map((r, i) => i === 2 ? { ...r, test: r.test + "\n" } : r);
  await Deno.writeTextFile(f.humaneval, jsonl(edited));
  const k1 = await key();
  assert.notEqual(k1, k0, "a changed test file changes the key");
  await Deno.writeTextFile(f.humaneval, jsonl(HUMANEVAL_ROWS));
  assert.equal(await key(), k0, "the same bytes, the same key");
  // The params: a digest per file, and for code sources the sandbox's code digest.
  const base = ExperimentConfig.parse({});
  const sel = (problemsConfig: unknown) =>
    problems.select({ ...base, problems: ProblemsConfig.parse(problemsConfig) }) as {
      files: Record<string, string>;
      sandboxCode?: string;
    };
  const c = sel({ source: "code", train: { mbpp: f.mbpp }, test: { humaneval: f.humaneval } });
  assert.deepEqual(Object.keys(c.files), [f.mbpp, f.humaneval]);
  assert.equal(c.sandboxCode, sandboxCodeDigest());
  assert.equal(
    sel({ source: "math", train: f.mathTrain, test: { math500: f.math500 } }).sandboxCode,
    undefined,
  );
  assert.deepEqual(sel({}), {
    problems: { source: "embedded", embedded: base.problems.embedded },
    files: {},
  });
  // The sandbox digest covers its code and harness files, not its README.
  const sandbox = `${dir}/sandbox-copy`;
  await new Deno.Command("cp", {
    args: ["-r", new URL("../../verifiers/code", import.meta.url).pathname, sandbox],
  }).output();
  const d0 = sandboxCodeDigest(sandbox);
  assert.equal(d0, sandboxCodeDigest());
  await Deno.writeTextFile(`${sandbox}/README.md`, "\nedited\n", { append: true });
  assert.equal(sandboxCodeDigest(sandbox), d0);
  await Deno.writeTextFile(`${sandbox}/harness/py_harness.py`, "\n# edited\n", { append: true });
  assert.notEqual(sandboxCodeDigest(sandbox), d0);
});

Deno.test("bad code inputs: a missing file, broken rows (file, line, field, fix), skipBadRows", async () => {
  const missing = await config("missing", codeYaml(fx.mbpp, `${dir}/nope.jsonl`));
  clearError(
    await main(["status", "--preset", "smoke", "--config", missing]),
    /problems\.test: cannot read .*nope\.jsonl .*; point it at a local humaneval file/,
  );
  const { entry_point: _, ...noEntry } = HUMANEVAL_ROWS[1];
  const badHe = `${dir}/bad_he.jsonl`;
  await Deno.writeTextFile(badHe, jsonl([HUMANEVAL_ROWS[0], noEntry, ...HUMANEVAL_ROWS.slice(2)]));
  clearError(
    await main([
      "stage",
      "problems",
      "--preset",
      "smoke",
      "--config",
      await config("bad_he", codeYaml(fx.mbpp, badHe)),
    ]),
    /problems\.test: .*bad_he\.jsonl:line 2: field "entry_point": .*; fix the row, or set problems\.skipBadRows: true to skip such rows/,
  );
  const noCheck = `${dir}/no_check.jsonl`;
  await Deno.writeTextFile(
    noCheck,
    jsonl([HUMANEVAL_ROWS[0], { ...HUMANEVAL_ROWS[1], test: "assert True\n" }]),
  );
  clearError(
    await main([
      "stage",
      "problems",
      "--preset",
      "smoke",
      "--config",
      await config("no_check", codeYaml(fx.mbpp, noCheck)),
    ]),
    /no_check\.jsonl:line 2: field "test": does not define check\(candidate\)/,
  );
  const badMbpp = `${dir}/bad_mbpp.jsonl`;
  await Deno.writeTextFile(
    badMbpp,
    jsonl(MBPP_ROWS.slice(0, 2)) + "{not json\n" +
      jsonl([{ ...MBPP_ROWS[3], test_list: [] }]),
  );
  const strict = await main([
    "stage",
    "problems",
    "--preset",
    "smoke",
    "--config",
    await config("bad_mbpp", codeYaml(badMbpp)),
  ]);
  clearError(strict, /problems\.train: .*bad_mbpp\.jsonl:line 3: field "\(json\)": invalid JSON/);
  const skip = await main([
    "stage",
    "problems",
    "--preset",
    "smoke",
    "--config",
    await config("skip_mbpp", codeYaml(badMbpp, fx.humaneval, "  skipBadRows: true\n")),
  ], `${dir}/store-skip`);
  assert.equal(skip.code, 0, skip.err);
  assert.match(skip.err + skip.out, /bad_mbpp\.jsonl: skipped 2 malformed rows/);
  assert.match(skip.err + skip.out, /2 train \/ 4 test problems/);
});

Deno.test("cleanup of the source fixtures", async () => {
  await Deno.remove(dir, { recursive: true });
});
