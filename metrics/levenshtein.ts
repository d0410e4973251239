/**
 * Edit distance between attempts. Uses the `fastest-levenshtein` npm package (MIT, no
 * dependencies, bit-parallel Myers algorithm over UTF-16 code units): small, widely used and
 * checked against a plain dynamic-programming reference in tests/metrics/levenshtein_test.ts.
 */
import { distance } from "fastest-levenshtein";

/** Levenshtein distance (insert, delete, substitute; unit costs) over UTF-16 code units. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  return distance(a, b);
}

/**
 * Edit-distance ratio of the paper: levenshtein(a, b) / (|a| + |b|), in [0, 1];
 * 0 when both strings are empty.
 */
export function editDistanceRatio(a: string, b: string): number {
  const total = a.length + b.length;
  if (total === 0) return 0;
  return levenshtein(a, b) / total;
}
