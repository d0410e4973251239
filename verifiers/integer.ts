/**
 * Integer-answer checking for the embedded families.
 *
 * Answer format: the attempt's worked steps, then a line `= N` (equals sign, optional spaces, an
 * optional `-`, decimal digits, nothing else on the line). The FIRST such line ends the attempt:
 * anything after it is ignored, so trailing garbage a sampler emits before its stop token cannot
 * change the verdict. Step lines like `7+5=12` never start with `=`, so they are not answer lines.
 * Comparison is exact (BigInt); `= 007` reads as 7 and `= -0` as 0.
 *
 * @module
 */

/** Result of an integer check: the verdict, why, and the extracted answer (null when none). */
export interface IntegerCheck {
  equal: boolean;
  reason: "match" | "mismatch" | "no_answer_line";
  extracted: string | null;
}

const ANSWER_LINE = /^[ \t]*=[ \t]*(-?\d+)[ \t]*\r?$/;

/** Extracts the answer of the first `= N` line of a completion, as a decimal string, or null. */
export function extractIntegerAnswer(completion: string): string | null {
  for (const line of completion.split("\n")) {
    const m = ANSWER_LINE.exec(line);
    if (m) return m[1];
  }
  return null;
}

function toBigInt(gold: bigint | number | string): bigint {
  if (typeof gold === "bigint") return gold;
  if (typeof gold === "number") {
    if (!Number.isSafeInteger(gold)) {
      throw new RangeError(`checkIntegerAnswer: gold ${gold} is not a safe integer`);
    }
    return BigInt(gold);
  }
  const s = gold.trim();
  if (!/^-?\d+$/.test(s)) {
    throw new RangeError(`checkIntegerAnswer: gold "${gold}" is not a decimal integer`);
  }
  return BigInt(s);
}

/**
 * Checks a completion against a gold integer. Throws only for a malformed gold value (a caller
 * bug); a malformed completion is simply not equal (`no_answer_line`).
 */
export function checkIntegerAnswer(
  gold: bigint | number | string,
  completion: string,
): IntegerCheck {
  const g = toBigInt(gold);
  const extracted = extractIntegerAnswer(completion);
  if (extracted === null) return { equal: false, reason: "no_answer_line", extracted };
  const equal = BigInt(extracted) === g;
  return { equal, reason: equal ? "match" : "mismatch", extracted };
}
