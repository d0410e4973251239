/** Validation of report data with errors that name the source, the path and the fix. */
import { describeZodError } from "../metrics/mod.ts";
import { ReportData } from "./schema.ts";

/**
 * Validates report data; on failure the error names `source` (e.g. the file it was read from),
 * every bad path, and what to fix.
 */
export function parseReportData(value: unknown, source = "report data"): ReportData {
  const r = ReportData.safeParse(value);
  if (!r.success) {
    throw new Error(
      `${describeZodError(r.error, source)}\n  fix: build methods with evaluateMethod() from ` +
        "metrics/mod.ts and check meta (preset, seeds, budget, backend, dataset, testProblems)",
    );
  }
  return r.data;
}
