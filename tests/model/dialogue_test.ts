import assert from "node:assert/strict";
import { type ChatMessage, ChatTemplate } from "../../model/hf/chat_template.ts";
import { loadHfTokenizer } from "../../model/hf/tokenizer.ts";
import {
  SCORE_MATH_INSTRUCTION,
  SCORE_MATH_TURN1_TEMPLATE,
  ScoreDialogue,
  scoreDialogue,
} from "../../model/dialogue.ts";
import {
  LLAMA2_PACKAGE_DIR,
  QWEN3_DIR,
  type RenderCase,
  renderWithJinja2,
} from "./tokenizer_fixtures.ts";

// Loaded once per file (~0.4 s).
const qwen = await loadHfTokenizer(QWEN3_DIR, { modelVocabSize: 151_936 });
const QWEN3_CONFIG = `${QWEN3_DIR}/tokenizer_config.json`;
const noThinking = { enable_thinking: false };

const PROBLEM = "Find $x$ if $2x + 3 = 11$.";
/** Attempt pairs: plain, multilingual, LaTeX, code, markdown; none starts with a newline. */
const ATTEMPTS: [string, string][] = [
  [
    "$2x = 8$, so $x = 5$.\nFinal Answer: The final answer is $5$. I hope it is correct.",
    "$2x = 11 - 3 = 8$, so $x = 4$.\nFinal Answer: The final answer is $4$. I hope it is correct.",
  ],
  ["答案是 4。😀 Ответ: 4", "مرحبا — x = 4 ✓"],
  ["```python\ndef f(x):\n\treturn 2 * x + 3\n```\n", "  indented, trailing spaces  "],
  ["\\frac{8}{2} = 4 \\implies \\boxed{4}", "- step 1\n- step 2\n\n**4**"],
];

/** The Llama-2-chat template, as published with meta-llama/Llama-2-7b-chat-hf (bos_token, raise_exception). */
const LLAMA2_CHAT_TEMPLATE =
  "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

/** A plain ChatML template (Qwen2.5-style, no rewriting of earlier turns). */
const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const user = (content: string): ChatMessage => ({ role: "user", content });
const assistant = (content: string): ChatMessage => ({ role: "assistant", content });

/** Conversations for the renderer cross-check. */
function renderCases(): RenderCase[] {
  const d = scoreDialogue(qwen);
  const [a1, a2] = ATTEMPTS[0];
  const cases: RenderCase[] = [];
  for (const vars of [undefined, noThinking, { enable_thinking: true }]) {
    for (const add_generation_prompt of [false, true]) {
      cases.push(
        { messages: [user("What is 2+2?")], add_generation_prompt, vars },
        { messages: d.messages(PROBLEM), add_generation_prompt, vars },
        { messages: d.messages(PROBLEM, a1), add_generation_prompt, vars },
        { messages: d.messages(PROBLEM, a1, a2), add_generation_prompt, vars },
      );
    }
  }
  cases.push(
    {
      messages: [{ role: "system", content: "Be brief." }, user("你好"), assistant("你好！")],
      add_generation_prompt: true,
    },
    // Earlier turns' reasoning is dropped, the last one's kept.
    {
      messages: [
        user("q1"),
        assistant("<think>\nr1\n</think>\n\nanswer 1"),
        user("q2"),
        assistant("<think>\nr2\n</think>\n\nanswer 2"),
      ],
      add_generation_prompt: false,
    },
    // strip('\n') / lstrip('\n') keep spaces (@huggingface/jinja 0.5.13 trimmed them: patched).
    {
      messages: [
        user("q"),
        assistant("<think>\n  spaced reasoning \n\n</think>\n\n  spaced answer"),
      ],
      add_generation_prompt: false,
    },
    ...ATTEMPTS.map(([x, y]) => ({
      messages: d.messages(PROBLEM, x, y),
      add_generation_prompt: false,
    })),
  );
  return cases;
}

Deno.test("Qwen3's chat template renders identically in @huggingface/jinja and Python's jinja2 (single turn, SCoRe dialogue, generation prompt, enable_thinking)", async () => {
  const cases = renderCases();
  const chat = ChatTemplate.fromTokenizer(qwen);
  const reference = await renderWithJinja2(QWEN3_CONFIG, cases);
  cases.forEach((c, i) => {
    const mine = chat.render(c.messages, {
      addGenerationPrompt: c.add_generation_prompt,
      vars: c.vars,
    });
    assert.deepEqual({ text: mine }, reference[i], `case ${i}: ${JSON.stringify(c)}`);
  });
  // What the cases exercise: the generation prompt, and enable_thinking false's empty think block.
  // (Cases 0-3: no vars, without the generation prompt; 4-7 with it; 8-15 the same, no thinking.)
  const t = (i: number) => (reference[i] as { text: string }).text;
  assert.equal(t(4), t(0) + "<|im_start|>assistant\n");
  assert.equal(t(12), t(8) + "<|im_start|>assistant\n<think>\n\n</think>\n\n");
});

Deno.test("the Llama-2-chat template renders identically in both engines, bos_token and raise_exception included", async () => {
  const tok = await loadHfTokenizer(LLAMA2_PACKAGE_DIR);
  const chat = ChatTemplate.fromTokenizer(tok, { template: LLAMA2_CHAT_TEMPLATE });
  const cases: RenderCase[] = [
    { messages: [user(" hi ")], add_generation_prompt: false },
    {
      messages: [
        { role: "system", content: "sys" },
        user("q"),
        assistant("a1"),
        user("fix"),
        assistant("a2"),
      ],
      add_generation_prompt: false,
    },
    { messages: [user("q"), user("q again")], add_generation_prompt: false },
  ];
  const reference = await renderWithJinja2(
    `${LLAMA2_PACKAGE_DIR}/tokenizer_config.json`,
    cases,
    LLAMA2_CHAT_TEMPLATE,
  );
  assert.deepEqual(reference[0], { text: "<s>[INST] hi [/INST]" });
  assert.deepEqual(reference[1], {
    text: "<s>[INST] <<SYS>>\nsys\n<</SYS>>\n\nq [/INST] a1 </s><s>[INST] fix [/INST] a2 </s>",
  });
  for (const i of [0, 1]) assert.deepEqual({ text: chat.render(cases[i].messages) }, reference[i]);
  assert.deepEqual(reference[2], {
    error: "Conversation roles must alternate user/assistant/user/assistant/...",
  });
  assert.throws(
    () => chat.render(cases[2].messages),
    /the chat template passed in failed to render: .*Conversation roles must alternate/,
  );
  // Its attempts follow a space that SentencePiece merges into the attempt's first token: no exact
  // spans, and the dialogue says so.
  const d = scoreDialogue(tok, { chatTemplate: LLAMA2_CHAT_TEMPLATE });
  assert.throws(
    () => d.render("q", "x = 4", "x = 4"),
    /attempt 1's start \(character \d+: .*\) falls inside a token/,
  );
});

Deno.test("SCoRe dialogue spans decode exactly to the attempt texts and match the rendering encoded in pieces", () => {
  for (const vars of [noThinking, {}]) {
    const d = scoreDialogue(qwen, { templateVars: vars });
    for (const [a1, a2] of ATTEMPTS) {
      const r = d.render(PROBLEM, a1, a2);
      sameIds(r.ids, qwen.encode(r.text));
      assert.equal(qwen.decode(r.ids.slice(r.attempt1.start, r.attempt1.end)), a1);
      assert.equal(qwen.decode(r.ids.slice(r.attempt2.start, r.attempt2.end)), a2);
      sameIds(r.ids.slice(r.attempt1.start, r.attempt1.end), qwen.encode(a1));
      sameIds(r.ids.slice(r.attempt2.start, r.attempt2.end), qwen.encode(a2));
      // Each attempt's turn closes with <|im_end|>, part of what the model generates; the
      // template's newline after it is not.
      for (const s of [r.attempt1, r.attempt2]) {
        assert.equal(s.stop, s.end + 1);
        assert.equal(r.ids[s.end], qwen.special.eos);
      }
      // Chat-template special tokens sit right at the boundaries: <|im_start|>assistant\n before
      // attempt 1 (and the empty think block before attempt 2 here).
      assert.deepEqual(
        qwen.decode(r.ids.slice(r.attempt1.start - 3, r.attempt1.start)),
        "<|im_start|>assistant\n",
      );
      assert.equal(r.ids.slice(r.attempt2.stop).length, 1, "only the final newline follows");
    }
  }
});

Deno.test("SCoRe sampling prompts: attempt 2 is sampled after exactly the dialogue's prefix; Qwen3 without thinking rewrites attempt 1's context", () => {
  const d = scoreDialogue(qwen, { templateVars: noThinking });
  const [a1, a2] = ATTEMPTS[0];
  const r = d.render(PROBLEM, a1, a2);
  sameIds(r.prompt1, d.firstPrompt(PROBLEM));
  sameIds(r.prompt2, d.secondPrompt(PROBLEM, a1));
  // prompt 2 + attempt 2 + <|im_end|>\n is the whole dialogue.
  sameIds(r.ids, [...r.prompt2, ...qwen.encode(a2), ...qwen.encode("<|im_end|>\n")]);
  assert.deepEqual(r.sampledContext, { attempt1: false, attempt2: true });
  // Attempt 1 is sampled after an empty <think> block that the template drops from history.
  assert.ok(qwen.decode(r.prompt1).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
  sameIds(
    r.ids.slice(0, r.attempt1.start),
    qwen.encode(qwen.decode(r.prompt1).replace("<think>\n\n</think>\n\n", "")),
  );
  // A ChatML template that keeps history as is conditions both attempts on their exact prompts.
  const chatml = scoreDialogue(qwen, { chatTemplate: CHATML_TEMPLATE });
  const c = chatml.render(PROBLEM, a1, a2);
  assert.deepEqual(c.sampledContext, { attempt1: true, attempt2: true });
  sameIds(c.ids.slice(0, c.attempt1.start), c.prompt1);
  sameIds(c.ids.slice(0, c.attempt2.start), c.prompt2);
});

Deno.test("the default turn-1 prompt and instruction are the SCoRe paper's MATH ones; both are parameters", () => {
  const d = scoreDialogue(qwen);
  assert.equal(d.turn1Template, SCORE_MATH_TURN1_TEMPLATE);
  assert.equal(d.instruction, SCORE_MATH_INSTRUCTION);
  assert.match(
    SCORE_MATH_INSTRUCTION,
    /^There might be an error in the solution above because of lack of understanding of the question\. Please correct the error, if any, and rewrite the solution\. Only output the final solution! /,
  );
  assert.match(
    SCORE_MATH_INSTRUCTION,
    /"Final Answer: The final answer is \$answer\$\. I hope it is correct\."$/,
  );
  assert.deepEqual(d.messages("P", "A", "B").map((m) => m.role), [
    "user",
    "assistant",
    "user",
    "assistant",
  ]);
  assert.ok(d.messages("P")[0].content.endsWith("Problem:\nP"));
  const custom = new ScoreDialogue(qwen, ChatTemplate.fromTokenizer(qwen), {
    turn1Template: "Solve: {problem}",
    instruction: "Check again.",
    system: "You are careful.",
    templateVars: noThinking,
  });
  assert.deepEqual(custom.messages("1+1", "2"), [
    { role: "system", content: "You are careful." },
    { role: "user", content: "Solve: 1+1" },
    { role: "assistant", content: "2" },
    { role: "user", content: "Check again." },
  ]);
  assert.equal(
    qwen.decode(custom.secondPrompt("1+1", "2")),
    "<|im_start|>system\nYou are careful.<|im_end|>\n<|im_start|>user\nSolve: 1+1<|im_end|>\n" +
      "<|im_start|>assistant\n2<|im_end|>\n<|im_start|>user\nCheck again.<|im_end|>\n" +
      "<|im_start|>assistant\n<think>\n\n</think>\n\n",
  );
  assert.throws(
    () => new ScoreDialogue(qwen, ChatTemplate.fromTokenizer(qwen), { turn1Template: "no slot" }),
    /no \{problem\} placeholder/,
  );
});

Deno.test("attempts the template rewrites, or whose boundary falls inside a token, are errors naming the attempt", () => {
  const d = scoreDialogue(qwen, { templateVars: noThinking });
  // Qwen3 drops reasoning from earlier turns...
  assert.throws(
    () => d.render(PROBLEM, "<think>\nhmm\n</think>\n\n4", "4"),
    /the chat template rewrites attempt 1's text/,
  );
  // ...and strips the last reply's leading newlines.
  assert.throws(() => d.render(PROBLEM, "4", "\n4"), /the chat template rewrites attempt 2's text/);
  // "\n" after "assistant\n" merges into one "\n\n" token across attempt 1's start.
  assert.throws(
    () => d.render(PROBLEM, "\n4", "4"),
    /attempt 1's start \(character \d+: .*\) falls inside a token/,
  );
  assert.throws(
    () => ChatTemplate.fromTokenizer(qwen, { template: "{% if %}" }),
    /the chat template passed in cannot be parsed by @huggingface\/jinja/,
  );
});

function sameIds(a: readonly number[], b: readonly number[]): void {
  assert.deepEqual([...a], [...b]);
}
