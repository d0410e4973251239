/** Test fixtures: constructed evaluation records and fast-check arbitraries for them. */
import fc from "fast-check";
import type { EvalRecord } from "../../metrics/mod.ts";

/** Builds a record with the given verdicts, answers and texts. */
export function rec(
  id: string,
  c1: boolean,
  c2: boolean,
  opts: {
    a1?: string | null;
    a2?: string | null;
    t1?: string;
    t2?: string;
    level?: number;
    family?: string;
  } = {},
): EvalRecord {
  const a1 = opts.a1 !== undefined ? opts.a1 : c1 ? "7" : "5";
  const a2 = opts.a2 !== undefined ? opts.a2 : c2 ? "7" : "5";
  return {
    problemId: id,
    level: opts.level ?? 1,
    family: opts.family ?? "add",
    gold: "7",
    attempt1: { text: opts.t1 ?? `ans ${a1}`, answer: a1, correct: c1 },
    attempt2: { text: opts.t2 ?? `ans ${a2}`, answer: a2, correct: c2 },
  };
}

/** An arbitrary list of records (unique ids) with random verdicts, answers, texts and levels. */
export const recordsArb = (minLength = 1, maxLength = 60): fc.Arbitrary<EvalRecord[]> =>
  fc.array(
    fc.record({
      c1: fc.boolean(),
      c2: fc.boolean(),
      a1: fc.option(fc.constantFrom("1", "2", "3"), { nil: null }),
      a2: fc.option(fc.constantFrom("1", "2", "3"), { nil: null }),
      t1: fc.string({ maxLength: 40 }),
      t2: fc.string({ maxLength: 40 }),
      level: fc.integer({ min: 1, max: 5 }),
      family: fc.constantFrom("add", "mul", "lin"),
    }),
    { minLength, maxLength, size: "max" },
  ).map((xs) => xs.map((x, i) => rec(`p${i}`, x.c1, x.c2, x)));
