/**
 * Final-answer extraction from a worked solution. Rules, first that applies wins:
 * 1. `boxed`: the content of the LAST `\boxed{…}` or `\fbox{…}` (brace-matched; `\boxed 5` form
 *    takes the following token). An unclosed last box falls back to the previous closed one.
 * 2. `final_answer`: the text after the last "final answer is" / "final answer:" (case-insensitive)
 *    up to the end of that line, without `$…$`, a trailing period or "I hope it is correct".
 * 3. `gsm8k`: the text after the last `####` on its line.
 * 4. `last_number`: the last number in the text (`-3`, `1,234`, `2.5`, `3/4`), commas removed.
 * 5. `none`: null.
 *
 * @module
 */
import { matchBrace } from "./normalize.ts";

/** Which rule produced an extracted answer. */
export type ExtractMethod = "boxed" | "final_answer" | "gsm8k" | "last_number" | "none";

/** Content of the last closed `\boxed{}`/`\fbox{}` in the text, or null. */
export function lastBoxed(text: string): string | null {
  const re = /\\(?:boxed|fbox)\b/g;
  const starts = [...text.matchAll(re)].map((m) => m.index! + m[0].length);
  for (let k = starts.length - 1; k >= 0; k--) {
    let i = starts[k];
    while (text[i] === " ") i++;
    if (text[i] === "{") {
      const close = matchBrace(text, i);
      if (close >= 0) return text.slice(i + 1, close).trim();
      continue;
    }
    const m = /^[^\s$]+/.exec(text.slice(i));
    if (m && i > starts[k]) return m[0].replace(/[.,]$/, "");
  }
  return null;
}

const stripDollars = (s: string) =>
  s.trim().replace(/^\$+|\$+$/g, "").replace(/^\\\(|\\\)$/g, "").replace(/^\\\[|\\\]$/g, "").trim();

/** Extracts the final answer of a solution text and names the rule that found it. */
export function extractAnswer(text: string): { answer: string | null; method: ExtractMethod } {
  const boxed = lastBoxed(text);
  if (boxed !== null && boxed !== "") return { answer: boxed, method: "boxed" };

  const finals = [...text.matchAll(/final answer\s*(?:is|:)\s*:?/gi)];
  if (finals.length) {
    const last = finals[finals.length - 1];
    let rest = text.slice(last.index! + last[0].length).split("\n")[0];
    rest = rest.replace(/\.?\s*I hope it is correct\.?\s*$/i, "").trim();
    rest = stripDollars(rest.replace(/\.\s*$/, ""));
    if (rest !== "") return { answer: rest, method: "final_answer" };
  }

  const hashes = [...text.matchAll(/####\s*([^\n]*)/g)];
  if (hashes.length) {
    const a = hashes[hashes.length - 1][1].trim().replace(/\.$/, "");
    if (a !== "") return { answer: a, method: "gsm8k" };
  }

  const nums = [
    ...text.matchAll(/-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|-?\d+(?:\.\d+)?(?:\/\d+)?/g),
  ];
  if (nums.length) {
    return { answer: nums[nums.length - 1][0].replaceAll(",", ""), method: "last_number" };
  }
  return { answer: null, method: "none" };
}
