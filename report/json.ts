/** report.json: every number of the report (inputs, derived verdicts, the paper's tables). */
import { z } from "zod";
import { deltaIdentityViolation } from "../metrics/mod.ts";
import { parseJson } from "../metrics/parse.ts";
import { evaluateClaims } from "./claims.ts";
import {
  PAPER_ABLATIONS,
  PAPER_CLAIMS,
  PAPER_HUMANEVAL,
  PAPER_MATH,
  PAPER_SCALING,
} from "./paper.ts";
import { parseReportData } from "./parse.ts";
import { methodLabel, ReportData, type ReportDataInput } from "./schema.ts";
import { paperRowFor, reportTables } from "./tables.ts";

/** The version tag of report.json's layout. */
export const REPORT_JSON_FORMAT = "score-report/1";

/** The report as a plain object (what renderJson serialises). */
export function reportObject(input: ReportDataInput | ReportData) {
  const data = ReportData.parse(input);
  return {
    format: REPORT_JSON_FORMAT,
    meta: data.meta,
    claimRules: data.claimRules,
    claims: evaluateClaims(data),
    methods: data.methods.map((m) => ({
      id: m.id,
      label: methodLabel(m),
      paper: paperRowFor(m.id) ?? null,
      deltaIdentity: {
        holdsForEverySeed: m.evaluation.seeds.every((s) =>
          deltaIdentityViolation(s.metrics) === null
        ),
        meanAbsError: Math.abs(
          m.evaluation.aggregate.delta.mean -
            (m.evaluation.aggregate.deltaIC.mean - m.evaluation.aggregate.deltaCI.mean),
        ),
      },
      evaluation: m.evaluation,
    })),
    comparisons: data.comparisons,
    curves: data.curves,
    scaling: data.scaling,
    ...(data.design ? { design: data.design } : {}),
    /** Every table of report.md / report.html, as the one model both render (named columns). */
    tables: reportTables(data),
    paper: {
      math500: PAPER_MATH,
      mathAblations: PAPER_ABLATIONS,
      humanEval: PAPER_HUMANEVAL,
      scaling: PAPER_SCALING,
      claims: PAPER_CLAIMS,
    },
  };
}

/** Renders report.json (2-space indented, trailing newline). Same data → same bytes. */
export function renderJson(input: ReportDataInput | ReportData): string {
  return JSON.stringify(reportObject(input), null, 2) + "\n";
}

/**
 * Reads report.json back into ReportData (for notebooks and re-rendering). Errors name `source`
 * and the bad path. renderJson(parseReportJson(renderJson(d))) === renderJson(d).
 */
export function parseReportJson(text: string, source = "report.json"): ReportData {
  const o = parseJson(text, z.unknown(), source) as Record<string, unknown> | null;
  if (!o || typeof o !== "object" || o.format !== REPORT_JSON_FORMAT) {
    throw new Error(
      `${source}: not a report.json of format ${REPORT_JSON_FORMAT}; fix: regenerate it with ` +
        "the report stage",
    );
  }
  const methods = Array.isArray(o.methods)
    ? o.methods.map((m: Record<string, unknown>) => ({
      id: m.id,
      label: m.label,
      evaluation: m.evaluation,
    }))
    : o.methods;
  return parseReportData({
    meta: o.meta,
    methods,
    curves: o.curves,
    scaling: o.scaling,
    comparisons: o.comparisons,
    claimRules: o.claimRules,
    ...(o.design === undefined ? {} : { design: o.design }),
  }, source);
}
