/**
 * The two-attempt transcript format, in tokens.
 *
 * ```
 * <bos> question <attempt_start> attempt 1 <attempt_end> <self_correct> <attempt_start> attempt 2 <attempt_end> <eos>
 * ```
 *
 * The self-correction instruction is the single `<self_correct>` token: the model sees it before
 * its second attempt and nowhere else. Attempt 1 is sampled from {@link firstPrompt}; attempt 2
 * from {@link secondPrompt}, which appends attempt 1 and the instruction.
 *
 * @module
 */
import type { TwoAttemptTokenizer } from "../model/mod.ts";

/** A tokenized two-attempt transcript with the attempt segments marked. */
export interface Transcript {
  /** All token ids, starting with `<bos>`. */
  tokens: number[];
  /** Per token: 0 = not trained on (prompt, instruction), 1 = attempt 1, 2 = attempt 2. */
  segments: number[];
}

/** Token ids of the prompt for attempt 1: `<bos> question <attempt_start>`. */
export function firstPrompt(tok: TwoAttemptTokenizer, question: string): number[] {
  return [tok.special.bos, ...tok.encode(question), tok.special.attemptStart];
}

/**
 * Token ids of the prompt for attempt 2: the first prompt, attempt 1 (its sampled ids without the
 * closing `<attempt_end>`), then `<attempt_end> <self_correct> <attempt_start>`.
 */
export function secondPrompt(
  tok: TwoAttemptTokenizer,
  prompt1: readonly number[],
  attempt1: readonly number[],
): number[] {
  const s = tok.special;
  return [...prompt1, ...stripEnd(tok, attempt1), s.attemptEnd, s.selfCorrect, s.attemptStart];
}

/** Removes a trailing `<attempt_end>` (the sampler's stop token) from sampled ids. */
export function stripEnd(tok: TwoAttemptTokenizer, ids: readonly number[]): number[] {
  const end = ids.indexOf(tok.special.attemptEnd);
  return end < 0 ? [...ids] : ids.slice(0, end);
}

/**
 * Builds a full transcript from attempt ids (without their `<attempt_end>`). Attempt 2 may be
 * omitted (single-turn transcripts). The `<attempt_end>` that closes each attempt belongs to that
 * attempt's segment, so the model learns to stop.
 */
export function buildTranscript(
  tok: TwoAttemptTokenizer,
  question: string,
  attempt1: readonly number[],
  attempt2?: readonly number[],
): Transcript {
  const s = tok.special;
  const p1 = firstPrompt(tok, question);
  const tokens = [...p1, ...attempt1, s.attemptEnd];
  const segments = [...p1.map(() => 0), ...attempt1.map(() => 1), 1];
  if (attempt2) {
    tokens.push(s.selfCorrect, s.attemptStart, ...attempt2, s.attemptEnd);
    segments.push(0, 0, ...attempt2.map(() => 2), 2);
  }
  return { tokens, segments };
}

/** Builds a transcript from texts (encodes both attempts). */
export function buildTextTranscript(
  tok: TwoAttemptTokenizer,
  question: string,
  attempt1: string,
  attempt2?: string,
): Transcript {
  return buildTranscript(
    tok,
    question,
    tok.encode(attempt1),
    attempt2 === undefined ? undefined : tok.encode(attempt2),
  );
}

/** Decodes sampled attempt ids to text, stopping at `<attempt_end>` and dropping specials. */
export function decodeAttempt(tok: TwoAttemptTokenizer, ids: readonly number[]): string {
  return tok.decode(stripEnd(tok, ids), { skipSpecial: true });
}
