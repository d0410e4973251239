/** Per-level and per-family breakdowns of the self-correction metrics. */
import type { EvalRecord } from "./records.ts";
import type { GroupMetrics } from "./schemas.ts";
import { selfCorrectionMetrics } from "./self_correction.ts";

/**
 * The one order of group keys (levels, families) everywhere — breakdowns, the seed aggregate and
 * the report's group tables: numerically when every key is a decimal integer, else by code unit
 * (locale independent). Returns a sorted copy.
 */
export function sortGroupKeys(keys: Iterable<string>): string[] {
  const out = [...keys];
  const numeric = out.every((k) => /^\d+$/.test(k));
  return out.sort((a, b) => numeric ? Number(a) - Number(b) : (a < b ? -1 : a > b ? 1 : 0));
}

/** Groups records by a key; returns groups in {@link sortGroupKeys} order. */
function groupBy(
  records: readonly EvalRecord[],
  keyOf: (r: EvalRecord) => string,
): GroupMetrics[] {
  const groups = new Map<string, EvalRecord[]>();
  for (const r of records) {
    const k = keyOf(r);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return sortGroupKeys(groups.keys()).map((key) => ({
    key,
    metrics: selfCorrectionMetrics(groups.get(key)!),
  }));
}

/** Metrics per difficulty level, ascending by level (key is the level as a decimal string). */
export function breakdownByLevel(records: readonly EvalRecord[]): GroupMetrics[] {
  return groupBy(records, (r) => String(r.level));
}

/** Metrics per problem family, sorted by family name ({@link sortGroupKeys}). */
export function breakdownByFamily(records: readonly EvalRecord[]): GroupMetrics[] {
  return groupBy(records, (r) => r.family);
}
