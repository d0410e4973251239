/**
 * Problem records of the embedded experiment and their seeded generation into disjoint splits.
 *
 * Splits: the test split is drawn first from `rng.fork("test")`, then the train split from
 * `rng.fork("train")`, skipping any question already used. So the test set depends only on the
 * seed, families, levels and nTest — not on nTrain — and the splits never share a question text.
 * Each split cycles through the (family, level) cells in order so the cells are balanced, then
 * the split is shuffled. Ids are `family-level-` and 16 hex digits of two FNV-1a hashes of the
 * question: stable and content-derived.
 *
 * @module
 */
import { z } from "zod";
import { createRng, shortHash } from "./rng.ts";
import {
  FAMILIES,
  FAMILY_NAMES,
  type FamilyName,
  LEVELS,
  renderSolution,
} from "./families/registry.ts";

/** Zod schema of one embedded problem (the on-disk record of the `problems` stage). */
export const ProblemSchema = z.object({
  id: z.string().min(1),
  family: z.enum(FAMILY_NAMES),
  level: z.number().int().min(1),
  question: z.string().min(1),
  answer: z.string().regex(/^-?\d+$/, "an integer in decimal"),
  solution: z.string().min(1),
});

/** One embedded problem: question, exact integer answer (decimal string), worked solution. */
export type Problem = z.infer<typeof ProblemSchema>;

/** Zod schema of the options of {@link generateProblems}. */
export const GenerateOptionsSchema = z.object({
  families: z.array(z.enum(FAMILY_NAMES)).min(1).default([...FAMILY_NAMES]),
  levels: z.array(z.number().int().min(1).max(3)).min(1).default([...LEVELS]),
  nTrain: z.number().int().min(0),
  nTest: z.number().int().min(0),
  seed: z.union([z.number().int(), z.string()]),
});

/** Options of {@link generateProblems} (families and levels default to all). */
export type GenerateOptions = z.input<typeof GenerateOptionsSchema>;

/** Builds the problem record for one family's question. */
export function makeProblem(family: FamilyName, level: number, question: string): Problem {
  const fam = FAMILIES[family];
  const params = fam.parse(question);
  if (params === null) throw new Error(`makeProblem: "${question}" is not a ${family} question`);
  const worked = fam.work(params);
  return {
    id: `${family}-${level}-${shortHash(question)}${shortHash(`#${question}`)}`,
    family,
    level,
    question,
    answer: String(fam.answer(params)),
    solution: renderSolution(worked.steps, worked.answer, fam),
  };
}

const MAX_TRIES = 2000;

/**
 * Generates disjoint train and test splits of embedded problems, deterministically from the seed.
 * Throws (naming the family and level) when a cell cannot supply enough distinct questions.
 */
export function generateProblems(options: GenerateOptions): { train: Problem[]; test: Problem[] } {
  const opts = GenerateOptionsSchema.parse(options);
  const root = createRng(`problems/${opts.seed}`);
  const cells = opts.families.flatMap((f) => opts.levels.map((l) => ({ family: f, level: l })));
  const seen = new Set<string>();
  const draw = (split: "test" | "train", n: number): Problem[] => {
    const rng = root.fork(split);
    const out: Problem[] = [];
    for (let i = 0; i < n; i++) {
      const { family, level } = cells[i % cells.length];
      const fam = FAMILIES[family];
      let tries = 0;
      for (;;) {
        const q = fam.format(fam.generate(rng, level));
        if (!seen.has(q)) {
          seen.add(q);
          out.push(makeProblem(family, level, q));
          break;
        }
        if (++tries >= MAX_TRIES) {
          throw new Error(
            `generateProblems: family "${family}" level ${level} gave no new distinct question in ` +
              `${MAX_TRIES} draws (${split} split, problem ${i}); it is nearly exhausted — ask for ` +
              `fewer problems (nTrain/nTest) or add families/levels`,
          );
        }
      }
    }
    return rng.shuffle(out);
  };
  const test = draw("test", opts.nTest);
  const train = draw("train", opts.nTrain);
  return { train, test };
}

/** The canonical (correct) worked solution of a problem, re-derived from its question. */
export function solveProblem(problem: Problem): string {
  return makeProblem(problem.family, problem.level, problem.question).solution;
}
