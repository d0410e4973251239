import assert from "node:assert/strict";
import { extractAnswer } from "../../verifiers/math/mod.ts";

Deno.test("extractAnswer takes the last boxed answer with nested braces", () => {
  const r = extractAnswer("First \\boxed{1}, then \\boxed{\\frac{a}{b^{2}}} is right.");
  assert.deepEqual(r, { answer: "\\frac{a}{b^{2}}", method: "boxed" });
});

Deno.test("extractAnswer reads fbox and the brace-less boxed form", () => {
  assert.deepEqual(extractAnswer("so \\fbox{42}"), { answer: "42", method: "boxed" });
  assert.deepEqual(extractAnswer("so $\\boxed 7$."), { answer: "7", method: "boxed" });
});

Deno.test("extractAnswer falls back to an earlier closed box when the last is unclosed", () => {
  assert.deepEqual(extractAnswer("\\boxed{3} and then \\boxed{4"), {
    answer: "3",
    method: "boxed",
  });
});

Deno.test("extractAnswer reads 'final answer is' without dollars and the closing phrase", () => {
  const r = extractAnswer(
    "Work...\nFinal Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.",
  );
  assert.deepEqual(r, { answer: "\\frac{3}{4}", method: "final_answer" });
  assert.deepEqual(extractAnswer("the final answer: 12."), {
    answer: "12",
    method: "final_answer",
  });
});

Deno.test("extractAnswer reads the GSM8K #### line", () => {
  assert.deepEqual(extractAnswer("She pays 3*4=12.\n#### 1,200"), {
    answer: "1,200",
    method: "gsm8k",
  });
});

Deno.test("extractAnswer falls back to the last number, joining only 3-digit comma groups", () => {
  assert.deepEqual(extractAnswer("we get 3 apples and then 1,234,567 pears"), {
    answer: "1234567",
    method: "last_number",
  });
  assert.deepEqual(extractAnswer("ratio 3/4"), { answer: "3/4", method: "last_number" });
  assert.deepEqual(extractAnswer("it is -2.5"), { answer: "-2.5", method: "last_number" });
});

Deno.test("extractAnswer says none when there is no answer", () => {
  assert.deepEqual(extractAnswer("no idea"), { answer: null, method: "none" });
  assert.deepEqual(extractAnswer("\\boxed{}"), { answer: null, method: "none" });
});
