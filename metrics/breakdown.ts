/** Per-level and per-family breakdowns of the self-correction metrics. */
import type { EvalRecord } from "./records.ts";
import type { GroupMetrics } from "./schemas.ts";
import { selfCorrectionMetrics } from "./selfCorrection.ts";

/** Groups records by a key; returns groups sorted by `compare` over keys. */
function groupBy(
  records: readonly EvalRecord[],
  keyOf: (r: EvalRecord) => string,
  compare: (a: string, b: string) => number,
): GroupMetrics[] {
  const groups = new Map<string, EvalRecord[]>();
  for (const r of records) {
    const k = keyOf(r);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.keys()].sort(compare).map((key) => ({
    key,
    metrics: selfCorrectionMetrics(groups.get(key)!),
  }));
}

/** Metrics per difficulty level, ascending by level (key is the level as a decimal string). */
export function breakdownByLevel(records: readonly EvalRecord[]): GroupMetrics[] {
  return groupBy(records, (r) => String(r.level), (a, b) => Number(a) - Number(b));
}

/** Metrics per problem family, sorted by family name (code-unit order, locale independent). */
export function breakdownByFamily(records: readonly EvalRecord[]): GroupMetrics[] {
  return groupBy(records, (r) => r.family, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
