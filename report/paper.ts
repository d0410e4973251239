/**
 * The paper's reference numbers (Kumar et al., arXiv 2409.12917), as summarised in SCORE.md.
 * Percentages, as printed in the paper.
 */

/** One row of a paper table; null where the paper gives no number. */
export interface PaperRow {
  /** the row's name in the paper */
  name: string;
  accT1: number;
  accT2: number;
  delta: number;
  deltaIC: number | null;
  deltaCI: number | null;
}

/** The paper's MATH500 table (Gemini 1.5 Flash). */
export const PAPER_MATH: readonly PaperRow[] = [
  { name: "Base", accT1: 52.6, accT2: 41.4, delta: -11.2, deltaIC: 4.6, deltaCI: 15.8 },
  { name: "Self-Refine", accT1: 52.8, accT2: 51.8, delta: -1.0, deltaIC: 3.2, deltaCI: 4.2 },
  { name: "STaR (D+)", accT1: 53.6, accT2: 54.0, delta: 0.4, deltaIC: 2.6, deltaCI: 2.2 },
  { name: "Pair-SFT", accT1: 52.4, accT2: 54.2, delta: 1.8, deltaIC: 5.4, deltaCI: 3.6 },
  { name: "SCoRe", accT1: 60.0, accT2: 64.4, delta: 4.4, deltaIC: 5.8, deltaCI: 1.4 },
];

/** The paper's MATH ablation table (Δ^{i→c} and Δ^{c→i} not given). */
export const PAPER_ABLATIONS: readonly PaperRow[] = [
  { name: "SCoRe", accT1: 60.0, accT2: 64.4, delta: 4.4, deltaIC: null, deltaCI: null },
  {
    name: "w/o multi-turn training",
    accT1: 61.8,
    accT2: 59.4,
    delta: -2.4,
    deltaIC: null,
    deltaCI: null,
  },
  { name: "w/o Stage I", accT1: 59.2, accT2: 61.4, delta: 2.2, deltaIC: null, deltaCI: null },
  {
    name: "w/o reward shaping",
    accT1: 60.0,
    accT2: 62.6,
    delta: 2.6,
    deltaIC: null,
    deltaCI: null,
  },
  {
    name: "STaR instead of REINFORCE in Stage II",
    accT1: 56.2,
    accT2: 58.4,
    delta: 2.2,
    deltaIC: null,
    deltaCI: null,
  },
];

/** The paper's HumanEval table (Gemini 1.0 Pro), with MBPP-R accuracy. */
export const PAPER_HUMANEVAL: readonly (PaperRow & { mbppR: number })[] = [
  { name: "Base", mbppR: 47.3, accT1: 53.7, accT2: 56.7, delta: 3.0, deltaIC: 7.9, deltaCI: 4.9 },
  {
    name: "Self-Refine",
    mbppR: 30.7,
    accT1: 53.7,
    accT2: 52.5,
    delta: -1.2,
    deltaIC: 9.8,
    deltaCI: 11.0,
  },
  {
    name: "Pair-SFT",
    mbppR: 59.8,
    accT1: 56.1,
    accT2: 54.3,
    delta: -1.8,
    deltaIC: 4.3,
    deltaCI: 6.1,
  },
  {
    name: "SCoRe",
    mbppR: 60.6,
    accT1: 52.4,
    accT2: 64.6,
    delta: 12.2,
    deltaIC: 15.2,
    deltaCI: 3.0,
  },
];

/** The paper's inference-time scaling result: gains over one sample at 32 samples. */
export const PAPER_SCALING = {
  samples: 32,
  parallelGainPct: 7.4,
  sequentialGainPct: 10.5,
  temperature: 0.7,
} as const;

/** The paper's five qualitative claims to test at our scale (SCORE.md). */
export const PAPER_CLAIMS: readonly { id: number; statement: string }[] = [
  { id: 1, statement: "The base model has Δ ≤ 0 or near 0 under the instruction." },
  {
    id: 2,
    statement:
      "STaR and Pair-SFT give at most a small Δ, with a low edit rate (minimal-edit collapse).",
  },
  {
    id: 3,
    statement: "Naive multi-turn RL raises Accuracy@t1 but not Δ, and its edit rate falls.",
  },
  {
    id: 4,
    statement:
      "SCoRe gives a clearly positive Δ with Δ^{c→i} small, and the best Accuracy@t2 of all rows.",
  },
  { id: 5, statement: "Each ablation lowers Δ relative to full SCoRe." },
];
