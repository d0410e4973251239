/**
 * The SCoRe two-attempt dialogue for a chat model, rendered by its chat template:
 *
 * ```
 * user:      turn-1 prompt (the problem)      ← prompt 1 ends with the assistant's opening
 * assistant: attempt 1
 * user:      self-correction instruction      ← prompt 2 ends with the assistant's opening
 * assistant: attempt 2
 * ```
 *
 * The character models express the same structure with in-vocabulary tokens
 * (score/transcript.ts); a chat model has none, so the attempts are assistant turns. This module
 * gives the prompt ids to sample each attempt from, and the ids of the whole dialogue with the
 * exact token spans of both attempts (which tokens are the model's: what RL and SFT train on).
 *
 * Exactness is checked, not assumed: the attempts are located in the rendering with sentinel
 * contents (so a template that rewrites an attempt is an error, not a silent shift), and the
 * rendering is encoded both whole and in pieces cut at the attempt boundaries; the two must agree
 * token for token (so no BPE merge crosses a boundary).
 *
 * ```ts
 * const dialogue = scoreDialogue(tok, { templateVars: { enable_thinking: false } });
 * const p1 = dialogue.firstPrompt(problem);              // sample attempt 1 after these ids
 * const p2 = dialogue.secondPrompt(problem, attempt1);    // sample attempt 2 after these ids
 * const d = dialogue.render(problem, attempt1, attempt2); // ids + attempt spans
 * d.ids.slice(d.attempt2.start, d.attempt2.end);          // attempt 2's text tokens
 * ```
 *
 * Sampled ids are decoded to text and re-encoded here, so an attempt's ids in the dialogue are its
 * canonical encoding (usually, not necessarily, the sampled ids).
 *
 * @module
 */
import type { Tokenizer } from "./tokenizer.ts";
import { type ChatMessage, ChatTemplate } from "./hf/chat_template.ts";
import type { HfTokenizer } from "./hf/tokenizer.ts";

// The paper's prompts live in datasets/prompts.ts (the experiment's config reads its defaults
// there too); re-exported here for the dialogue's users.
import {
  renderTurn1,
  SCORE_MATH_INSTRUCTION,
  SCORE_MATH_TURN1_TEMPLATE,
} from "../datasets/prompts.ts";
export {
  SCORE_CODE_INSTRUCTION,
  SCORE_CODE_TURN1_TEMPLATE,
  SCORE_MATH_INSTRUCTION,
  SCORE_MATH_TURN1_TEMPLATE,
} from "../datasets/prompts.ts";

/** Options of {@link ScoreDialogue}. */
export interface DialogueOptions {
  /** The first user turn; `{problem}` is replaced by the problem. Default: the paper's MATH one. */
  turn1Template?: string;
  /** The self-correction instruction (second user turn). Default: the paper's MATH one. */
  instruction?: string;
  /** A system message before the first user turn (none by default). */
  system?: string;
  /** Extra chat-template variables, e.g. `{ enable_thinking: false }` for Qwen3. */
  templateVars?: Record<string, unknown>;
  /**
   * Ids that close an assistant turn (counted into the attempt's {@link AttemptSpan.stop}).
   * Default: the tokenizer's eos.
   */
  stopIds?: readonly number[];
}

/** Where one attempt lies in the dialogue's ids. */
export interface AttemptSpan {
  /** The attempt's first token. */
  start: number;
  /** One past its last text token: `ids.slice(start, end)` decodes to the attempt's text. */
  end: number;
  /**
   * One past the stop token that closes the turn (`<|im_end|>`), when it follows the text
   * (across whitespace-only tokens); else `end`. `[start, stop)` is what the model generates.
   */
  stop: number;
}

/** A rendered two-attempt dialogue. */
export interface RenderedDialogue {
  /** The chat template's rendering of the four turns. */
  text: string;
  /** `text` encoded (the template writes the special tokens; none are added). */
  ids: number[];
  attempt1: AttemptSpan;
  attempt2: AttemptSpan;
  /** The ids attempt 1 is sampled after ({@link ScoreDialogue.firstPrompt}). */
  prompt1: number[];
  /** The ids attempt 2 is sampled after ({@link ScoreDialogue.secondPrompt}). */
  prompt2: number[];
  /**
   * Per attempt, whether `ids` before the attempt are exactly its sampling prompt, so one pass
   * over `ids` scores the attempt in the context it was sampled in. Templates that rewrite
   * history break this: Qwen3 with `enable_thinking: false` opens the sampled turn with an empty
   * `<think>` block that it drops from earlier turns (attempt 1: false, attempt 2: true); score
   * such an attempt on its prompt followed by its ids instead.
   */
  sampledContext: { attempt1: boolean; attempt2: boolean };
}

// Private-use characters: no template filter strips or splits them.
const SENTINEL1 = "\uE000score-attempt-1\uE001";
const SENTINEL2 = "\uE000score-attempt-2\uE001";
const BOUNDARIES = ["attempt 1's start", "attempt 1's end", "attempt 2's start", "attempt 2's end"];

const sameIds = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const excerpt = (s: string, at: number) =>
  JSON.stringify(s.slice(Math.max(0, at - 30), at)) + " | " + JSON.stringify(s.slice(at, at + 30));

/** Renders SCoRe's two-attempt dialogue for one tokenizer and chat template. */
export class ScoreDialogue {
  /** The first user turn, with `{problem}`. */
  readonly turn1Template: string;
  /** The self-correction instruction. */
  readonly instruction: string;
  readonly #tok: Tokenizer;
  readonly #chat: ChatTemplate;
  readonly #system: string | undefined;
  readonly #vars: Record<string, unknown>;
  readonly #stopIds: ReadonlySet<number>;

  /** A dialogue over `tok` rendered by `chat`. */
  constructor(tok: Tokenizer, chat: ChatTemplate, opts: DialogueOptions = {}) {
    this.turn1Template = opts.turn1Template ?? SCORE_MATH_TURN1_TEMPLATE;
    if (!this.turn1Template.includes("{problem}")) {
      throw new Error(
        `dialogue: turn1Template ${JSON.stringify(this.turn1Template.slice(0, 60))} has no ` +
          `{problem} placeholder; add one where the problem goes`,
      );
    }
    this.instruction = opts.instruction ?? SCORE_MATH_INSTRUCTION;
    this.#tok = tok;
    this.#chat = chat;
    this.#system = opts.system;
    this.#vars = { ...opts.templateVars };
    const eos = tok.special.eos;
    this.#stopIds = new Set(opts.stopIds ?? (eos === null ? [] : [eos]));
  }

  /** The first user turn for a problem. */
  userTurn1(problem: string): string {
    return renderTurn1(this.turn1Template, problem);
  }

  /**
   * The chat messages of the dialogue so far: the user turn, then attempt 1 and the instruction
   * when attempt 1 is given, then attempt 2 when given.
   */
  messages(problem: string, attempt1?: string, attempt2?: string): ChatMessage[] {
    const m: ChatMessage[] = [];
    if (this.#system !== undefined) m.push({ role: "system", content: this.#system });
    m.push({ role: "user", content: this.userTurn1(problem) });
    if (attempt1 === undefined) return m;
    m.push({ role: "assistant", content: attempt1 });
    m.push({ role: "user", content: this.instruction });
    if (attempt2 !== undefined) m.push({ role: "assistant", content: attempt2 });
    return m;
  }

  /** Ids to sample attempt 1 after: the first user turn and the assistant's opening. */
  firstPrompt(problem: string): number[] {
    return this.#tok.encode(this.#render(this.messages(problem), true));
  }

  /** Ids to sample attempt 2 after: attempt 1 (as text), the instruction, the assistant's opening. */
  secondPrompt(problem: string, attempt1: string): number[] {
    return this.#tok.encode(this.#render(this.messages(problem, attempt1), true));
  }

  /**
   * The whole dialogue with both attempts' token spans. Throws when the template rewrites an
   * attempt's text, or when an attempt boundary falls inside a token.
   */
  render(problem: string, attempt1: string, attempt2: string): RenderedDialogue {
    for (const s of [problem, attempt1, attempt2, this.instruction, this.#system ?? ""]) {
      if (s.includes("\uE000score-attempt-")) {
        throw new Error("dialogue: texts must not contain the sentinel U+E000 score-attempt-");
      }
    }
    const text = this.#render(this.messages(problem, attempt1, attempt2), false);
    const marked = this.#render(this.messages(problem, SENTINEL1, SENTINEL2), false);
    const i1 = marked.indexOf(SENTINEL1);
    const i2 = marked.indexOf(SENTINEL2);
    for (const [k, i, s] of [[1, i1, SENTINEL1], [2, i2, SENTINEL2]] as const) {
      if (i < 0 || marked.indexOf(s, i + 1) >= 0) {
        throw new Error(
          `dialogue: the chat template renders attempt ${k}'s content ${
            i < 0 ? "nowhere" : "twice"
          }; ` +
            "it cannot be used for the two-attempt dialogue",
        );
      }
    }
    if (i2 < i1) throw new Error("dialogue: the chat template renders attempt 2 before attempt 1");
    const c1s = i1;
    const c1e = c1s + attempt1.length;
    const c2s = i2 - SENTINEL1.length + attempt1.length;
    const c2e = c2s + attempt2.length;
    const expected = marked.slice(0, i1) + attempt1 + marked.slice(i1 + SENTINEL1.length, i2) +
      attempt2 + marked.slice(i2 + SENTINEL2.length);
    if (expected !== text) {
      let at = 0;
      while (at < text.length && text[at] === expected[at]) at++;
      const k = at < c1e ? 1 : 2;
      throw new Error(
        `dialogue: the chat template rewrites attempt ${k}'s text (rendered ${
          excerpt(text, at)
        }, ` +
          `expected ${excerpt(expected, at)}); Qwen3's template, for one, drops <think>…</think> ` +
          "from earlier turns and leading newlines from the last one: pass attempts without them",
      );
    }
    const ids = this.#tok.encode(text);
    const cuts = [0, c1s, c1e, c2s, c2e, text.length];
    const pieces = cuts.slice(0, -1).map((c, i) => this.#tok.encode(text.slice(c, cuts[i + 1])));
    const joined = pieces.flat();
    if (!sameIds(joined, ids)) {
      let d = 0;
      while (d < ids.length && ids[d] === joined[d]) d++;
      let b = 0;
      let len = pieces[0].length;
      while (b < 3 && len < d) len += pieces[++b].length;
      throw new Error(
        `dialogue: ${BOUNDARIES[b]} (character ${cuts[b + 1]}: ${excerpt(text, cuts[b + 1])}) ` +
          "falls inside a token: the dialogue encoded whole and cut at the attempts differ from " +
          `token ${d} on; this template and tokenizer cannot give exact attempt spans`,
      );
    }
    const start1 = pieces[0].length;
    const end1 = start1 + pieces[1].length;
    const start2 = end1 + pieces[2].length;
    const end2 = start2 + pieces[3].length;
    const prompt1 = this.firstPrompt(problem);
    const prompt2 = this.secondPrompt(problem, attempt1);
    return {
      text,
      ids,
      attempt1: { start: start1, end: end1, stop: this.#stop(ids, end1, start2) },
      attempt2: { start: start2, end: end2, stop: this.#stop(ids, end2, ids.length) },
      prompt1,
      prompt2,
      sampledContext: {
        attempt1: sameIds(ids.slice(0, start1), prompt1),
        attempt2: sameIds(ids.slice(0, start2), prompt2),
      },
    };
  }

  /** One past the first stop id after `end` (before `limit`), across whitespace-only tokens. */
  #stop(ids: readonly number[], end: number, limit: number): number {
    for (let j = end; j < limit; j++) {
      if (this.#stopIds.has(ids[j])) return j + 1;
      if (this.#tok.decode([ids[j]]).trim() !== "") break;
    }
    return end;
  }

  #render(messages: ChatMessage[], addGenerationPrompt: boolean): string {
    return this.#chat.render(messages, { addGenerationPrompt, vars: this.#vars });
  }
}

/**
 * The SCoRe dialogue of a Hugging Face tokenizer with its own chat template (or `chatTemplate`,
 * for tokenizers without one or to override it).
 */
export function scoreDialogue(
  tok: HfTokenizer,
  opts: DialogueOptions & { chatTemplate?: string } = {},
): ScoreDialogue {
  return new ScoreDialogue(
    tok,
    ChatTemplate.fromTokenizer(tok, { template: opts.chatTemplate }),
    opts,
  );
}
