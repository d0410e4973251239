/**
 * The record of an RL stage's checkpoint selection (`selection.json`): every checkpoint scored on
 * the held-out training problems, and the one kept. Zod schemas are the on-disk format.
 *
 * @module
 */
import { z } from "zod";

/** One checkpoint scored on the held-out problems. */
export const SelectionCandidate = z.object({
  /** Steps taken when the checkpoint was scored. */
  steps: z.number().int().min(1),
  /** Mean selection reward over the held-out problems. */
  reward: z.number().finite(),
  /** Greedy accuracy of attempt 1 and (multi-turn objectives) attempt 2. */
  accT1: z.number().min(0).max(1),
  accT2: z.number().min(0).max(1).nullable(),
}).strict();
/** One checkpoint scored on the held-out problems. */
export type SelectionCandidate = z.infer<typeof SelectionCandidate>;

/** The outcome of checkpoint selection: every candidate and the one kept. */
export const RlSelection = z.object({
  /** Held-out training problems the candidates were scored on. */
  problems: z.number().int().min(1),
  candidates: z.array(SelectionCandidate).min(1),
  /** Steps of the kept checkpoint (the first of equal best rewards). */
  chosenSteps: z.number().int().min(1),
}).strict().refine((s) => s.candidates.some((c) => c.steps === s.chosenSteps), {
  message: "chosenSteps must be one of the candidates' steps",
});
/** The outcome of checkpoint selection. */
export type RlSelection = z.infer<typeof RlSelection>;
