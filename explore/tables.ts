/**
 * The report's tables as notebook tables: the main comparison (ours beside the paper's rows), the
 * per-level and per-family breakdowns, the claim verdicts, the training-curve summary; plus tables
 * of stages and of browsed traces. The numbers come from report/ (the same cells report.md shows).
 */
import {
  cellAt,
  cellText,
  curveSummary,
  evaluateClaims,
  groupTable,
  mainTable,
  METHOD_LABELS,
  type MethodId,
  type ReportData,
  type ReportTable,
  type TrainingCurve,
} from "../report/mod.ts";
import type { Trace } from "./browse.ts";
import type { Table } from "./display.ts";
import type { StageSummary } from "./load.ts";

/**
 * A report table (report/tables.ts, the model report.md and report.html render) as a notebook
 * table: its headers, and each row's cells by column key, secondary texts in parentheses.
 */
export function notebookTable(
  t: ReportTable,
  keep?: (row: ReportTable["rows"][number]) => boolean,
): Table {
  return {
    columns: t.columns.map((c) => c.header),
    rows: t.rows.filter((r) => !keep || keep(r)).map((r) =>
      t.columns.map((c) => cellText(cellAt(r, c.key), "paren"))
    ),
  };
}

/**
 * The main table: every method with Acc@t1, Acc@t2, Δ with its 95% interval, Δ^{i→c}, Δ^{c→i},
 * changed answers and edit ratio, each followed by the paper's row for the same method. `only`
 * keeps those methods (and their paper rows).
 */
export function mainResultsTable(data: ReportData, only?: readonly MethodId[]): Table {
  return notebookTable(
    mainTable(data),
    (r) => !only || (r.id !== undefined && only.includes(r.id)),
  );
}

/** Acc@t1 → Acc@t2 (and Δ) of every method per difficulty level, or per family. */
export function breakdownTable(data: ReportData, by: "level" | "family" = "level"): Table {
  return notebookTable(groupTable(data, by === "level" ? "perLevel" : "perFamily"));
}

/** The paper's five claims with our verdict and the evidence for it. */
export function claimsTable(data: ReportData): Table {
  return {
    columns: ["Claim", "Statement", "Verdict", "Evidence"],
    rows: evaluateClaims(data).map((c) => [c.id, c.statement, c.verdict, c.evidence]),
  };
}

/** First → last value of each logged quantity, per training stage and seed (report's summary). */
export function curveSummaryTable(curves: readonly TrainingCurve[]): Table {
  return notebookTable(curveSummary({ curves: [...curves] }));
}

function interval(i: { point: number; lo: number; hi: number }): string {
  const pp = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}`;
  return `${pp(i.point)} [${pp(i.lo)}, ${pp(i.hi)}]`;
}

/**
 * The report's paired comparisons (a − b on the same test problems, bootstrap over problems):
 * Acc@t1, Acc@t2, Δ, Δ^{i→c} and Δ^{c→i} differences in percentage points with 95% intervals.
 * `only` keeps the pairs that involve one of those methods (on either side).
 */
export function comparisonsTable(data: ReportData, only?: readonly MethodId[]): Table {
  const label = (id: MethodId) => data.methods.find((m) => m.id === id)?.label ?? METHOD_LABELS[id];
  const rows = data.comparisons.filter((c) => !only || only.includes(c.a) || only.includes(c.b));
  return {
    columns: ["A", "B", "Acc@t1 A−B", "Acc@t2 A−B", "Δ A−B", "Δ^{i→c} A−B", "Δ^{c→i} A−B"],
    rows: rows.map((c) => {
      const iv = c.bootstrap.intervals;
      return [
        label(c.a),
        label(c.b),
        interval(iv.accT1),
        interval(iv.accT2),
        interval(iv.delta),
        interval(iv.deltaIC),
        interval(iv.deltaCI),
      ];
    }),
  };
}

/** The stages of a config: state, reason and output path. */
export function stagesTable(stages: readonly StageSummary[]): Table {
  return {
    columns: ["Stage", "State", "Reason", "Output"],
    rows: stages.map((s) => [s.name, s.state, s.reason, s.path ?? "—"]),
  };
}

function attemptCell(text: string, answer: string | null, correct: boolean, max: number): string {
  const t = text.length > max ? `${text.slice(0, max)}…` : text;
  return `${t}\n→ ${answer ?? "(no answer)"} ${correct ? "✓" : "✗"}`;
}

/**
 * Traces side by side: problem, question and gold answer, both attempts (text, extracted answer,
 * verdict), the transition and the edit-distance ratio. Texts longer than `maxText` are cut.
 */
export function traceTable(traces: readonly Trace[], opts: { maxText?: number } = {}): Table {
  const max = opts.maxText ?? 400;
  return {
    columns: [
      "Problem",
      "Question",
      "Gold",
      "Attempt 1",
      "Attempt 2",
      "Transition",
      "Edit ratio",
    ],
    rows: traces.map((t) => [
      `${t.problemId}${t.sample ? ` #${t.sample}` : ""}\n(${t.family}, level ${t.level})`,
      t.question,
      t.gold,
      attemptCell(t.attempt1.text, t.attempt1.answer, t.attempt1.correct, max),
      attemptCell(t.attempt2.text, t.attempt2.answer, t.attempt2.correct, max),
      t.transition,
      Number(t.editRatio.toFixed(3)),
    ]),
  };
}
