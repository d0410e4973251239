/**
 * Paired comparisons between rows for the claim rules. Rows evaluated on the same test problems
 * have correlated errors; resampling problems jointly gives the interval of their difference
 * directly, tighter than combining two separate intervals.
 */
import { bootstrapDifference, type BootstrapOptions, type EvalRecord } from "../metrics/mod.ts";
import { type Comparison, METHOD_IDS, type MethodId } from "./schema.ts";

/** The (a, b) pairs whose differences the five claims read. */
export function claimPairs(present: readonly MethodId[]): [MethodId, MethodId][] {
  const has = (id: MethodId) => present.includes(id);
  const pairs: [MethodId, MethodId][] = [];
  for (const id of ["star", "pair_sft", "naive_rl"] as const) {
    if (has(id) && has("base")) pairs.push([id, "base"]);
  }
  if (has("score")) {
    for (const id of METHOD_IDS) if (id !== "score" && has(id)) pairs.push(["score", id]);
  }
  return pairs;
}

/**
 * Computes the paired comparisons the claims need from each row's evaluation records (per seed).
 * Put the result in ReportData.comparisons.
 */
export function buildComparisons(
  recordsById: Partial<Record<MethodId, readonly (readonly EvalRecord[])[]>>,
  opts: BootstrapOptions = {},
): Comparison[] {
  const present = METHOD_IDS.filter((id) => (recordsById[id]?.length ?? 0) > 0);
  return claimPairs(present).map(([a, b]) => ({
    a,
    b,
    bootstrap: bootstrapDifference(recordsById[a]!, recordsById[b]!, opts),
  }));
}
