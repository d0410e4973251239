/**
 * The SCoRe paper's prompts, one place for every module that needs them: the turn-1 prompt
 * (`{problem}` is replaced by the problem's question) and the self-correction instruction the
 * model sees before attempt 2, for the math sets (MATH, MATH500, GSM8K) and the code sets (MBPP,
 * HumanEval). A leaf module without imports: the experiment's config (which every stage imports)
 * reads its defaults here, and `model/dialogue.ts` re-exports them.
 *
 * The embedded default experiment uses none of these texts: its instruction is the single
 * `<self_correct>` token of the character model (score/transcript.ts).
 *
 * @module
 */

/**
 * The paper's MATH prompt for the first attempt (its zero-shot prompt, followed here by the
 * problem); `{problem}` is replaced by the problem.
 */
export const SCORE_MATH_TURN1_TEMPLATE =
  'You are a math expert. When you respond, respond only with the Solution of the final Problem, thinking step by step. At the end of the Solution, when you give your final answer, write it in the form "Final Answer: The final answer is $answer$. I hope it is correct."\n\nProblem:\n{problem}';

/** The paper's MATH self-correction instruction (the user turn before attempt 2). */
export const SCORE_MATH_INSTRUCTION =
  'There might be an error in the solution above because of lack of understanding of the question. Please correct the error, if any, and rewrite the solution. Only output the final solution! At the end of the Solution, when you give your final answer, write it in the form "Final Answer: The final answer is $answer$. I hope it is correct."';

/**
 * The first-attempt prompt of the code sets: MBPP's standard task prompt (Austin et al. 2021).
 * The question of an MBPP problem already ends with "Your code should pass these tests:" and its
 * visible asserts (without them the function's name is unknown); a HumanEval question is its
 * prompt (imports, signature, docstring).
 */
export const SCORE_CODE_TURN1_TEMPLATE =
  "You are an expert Python programmer, and here is your task: {problem}";

/** The paper's HumanEval / MBPP self-correction instruction (the user turn before attempt 2). */
export const SCORE_CODE_INSTRUCTION =
  "There might be an error in the code above because of lack of understanding of the question. Please correct the error, if any, and rewrite the solution. Only output the final correct Python program!";

/** The default prompts of each kind of public set. */
export const SCORE_PROMPTS = {
  math: { turn1: SCORE_MATH_TURN1_TEMPLATE, instruction: SCORE_MATH_INSTRUCTION },
  code: { turn1: SCORE_CODE_TURN1_TEMPLATE, instruction: SCORE_CODE_INSTRUCTION },
} as const;

/** The first user turn for a problem: `template` with every `{problem}` replaced. */
export function renderTurn1(template: string, problem: string): string {
  return template.split("{problem}").join(problem);
}
