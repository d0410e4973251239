/** The project's notebooks and what each shows. */

/** What each notebook shows (printed by `deno task notebooks`, listed in the README). */
export const NOTEBOOK_GUIDE: readonly { file: string; shows: string }[] = [
  {
    file: "01_main_results.ipynb",
    shows: "the comparison table with the paper's numbers beside ours, Δ with 95% intervals, " +
      "the per-level breakdown, edit-distance histograms and the claim verdicts",
  },
  {
    file: "02_training_dynamics.ipynb",
    shows:
      "reward, KL, Δ, changed answers and edit ratio over steps for every RL stage and seed, and the base " +
      "model's training loss",
  },
  {
    file: "03_rollout_browser.ipynb",
    shows: "problem, attempt 1, attempt 2, verdicts and edit distance, filtered to wrong→right " +
      "or right→wrong, for any evaluated checkpoint and for the base model's rollouts",
  },
  {
    file: "04_ablations_and_scaling.ipynb",
    shows: "the ablation rows against SCoRe and the paper's ablation table, and the " +
      "inference-time scaling curve (parallel sampling vs sequential self-correction)",
  },
];
