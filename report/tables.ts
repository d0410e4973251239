/**
 * Table models shared by the Markdown and HTML renderers: each cell is a main text and an optional
 * secondary text (spread over seeds), so both renderers show the same numbers.
 */
import { type Histogram, type SeedAggregate, sortGroupKeys } from "../metrics/mod.ts";
import { duration, pct, signedNum, signedPct } from "./format.ts";
import { PAPER_ABLATIONS, PAPER_MATH, type PaperRow } from "./paper.ts";
import { type MethodId, methodLabel, type MethodRow, type ReportData } from "./schema.ts";

/** A table cell: main text plus optional secondary text (e.g. "± 1.2"). */
export interface Cell {
  main: string;
  sub?: string;
}

/** A row of the main table: one of ours, or the paper's number for the same method. */
export interface MainTableRow {
  kind: "ours" | "paper";
  id: MethodId;
  label: string;
  cells: Cell[];
}

/** Column headers of the main table (after the method column). */
export const MAIN_COLUMNS = [
  "Seeds",
  "Acc@t1",
  "Acc@t2",
  "Δ",
  "Δ 95% CI",
  "Δ^{i→c}",
  "Δ^{c→i}",
  "Changed answers",
  "Edit ratio",
] as const;

const PAPER_FOR: Partial<Record<MethodId, { table: readonly PaperRow[]; name: string }>> = {
  base: { table: PAPER_MATH, name: "Base" },
  star: { table: PAPER_MATH, name: "STaR (D+)" },
  pair_sft: { table: PAPER_MATH, name: "Pair-SFT" },
  score: { table: PAPER_MATH, name: "SCoRe" },
  abl_single_turn: { table: PAPER_ABLATIONS, name: "w/o multi-turn training" },
  abl_no_stage1: { table: PAPER_ABLATIONS, name: "w/o Stage I" },
  abl_no_shaping: { table: PAPER_ABLATIONS, name: "w/o reward shaping" },
  abl_star_stage2: { table: PAPER_ABLATIONS, name: "STaR instead of REINFORCE in Stage II" },
};

/** The paper's row for one of our methods (MATH500 or the MATH ablation table), if it has one. */
export function paperRowFor(id: MethodId): { source: string; row: PaperRow } | undefined {
  const p = PAPER_FOR[id];
  if (!p) return undefined;
  const row = p.table.find((r) => r.name === p.name)!;
  const source = p.table === PAPER_MATH ? "MATH500" : "MATH ablations";
  return { source, row };
}

/** "52.6" with "± 1.2" when there are several seeds. */
export function meanCell(agg: SeedAggregate[keyof SeedAggregate], signed = false): Cell {
  const main = signed ? signedPct(agg.mean) : pct(agg.mean);
  return agg.n > 1 ? { main, sub: `± ${pct(agg.std)}` } : { main };
}

function oursRow(m: MethodRow): MainTableRow {
  const a = m.evaluation.aggregate;
  const ci = m.evaluation.bootstrap.intervals.delta;
  return {
    kind: "ours",
    id: m.id,
    label: methodLabel(m),
    cells: [
      { main: String(m.evaluation.seeds.length) },
      meanCell(a.accT1),
      meanCell(a.accT2),
      meanCell(a.delta, true),
      { main: `[${signedPct(ci.lo)}, ${signedPct(ci.hi)}]` },
      meanCell(a.deltaIC),
      meanCell(a.deltaCI),
      meanCell(a.changedRate),
      {
        main: a.editRatioMean.mean.toFixed(3),
        ...(a.editRatioMean.n > 1 ? { sub: `± ${a.editRatioMean.std.toFixed(3)}` } : {}),
      },
    ],
  };
}

function paperRow(id: MethodId): MainTableRow | undefined {
  const p = paperRowFor(id);
  if (!p) return undefined;
  const dash = { main: "—" };
  const r = p.row;
  return {
    kind: "paper",
    id,
    label: `paper (${p.source}): ${r.name}`,
    cells: [
      dash,
      { main: r.accT1.toFixed(1) },
      { main: r.accT2.toFixed(1) },
      { main: signedNum(r.delta) },
      dash,
      r.deltaIC === null ? dash : { main: r.deltaIC.toFixed(1) },
      r.deltaCI === null ? dash : { main: r.deltaCI.toFixed(1) },
      dash,
      dash,
    ],
  };
}

/** The main table: each of our rows followed by the paper's row for the same method. */
export function mainTable(data: ReportData): MainTableRow[] {
  return data.methods.flatMap((m) => {
    const p = paperRow(m.id);
    return p ? [oursRow(m), p] : [oursRow(m)];
  });
}

/** A matrix: methods × groups (levels or families), cell "t1 → t2" with Δ as secondary text. */
export interface GroupTable {
  columns: string[];
  rows: { label: string; cells: Cell[] }[];
}

/** The per-level (or per-family) table of every method. */
export function groupTable(data: ReportData, by: "perLevel" | "perFamily"): GroupTable {
  const keys = sortGroupKeys(
    new Set(data.methods.flatMap((m) => m.evaluation[by].map((g) => g.key))),
  );
  const first = data.methods[0].evaluation;
  const columns = keys.map((k) => {
    const g = first[by].find((x) => x.key === k);
    const n = g ? Math.round(g.n / first.seeds.length) : undefined;
    const name = by === "perLevel" ? `Level ${k}` : k;
    return n !== undefined ? `${name} (n=${n})` : name;
  });
  const rows = data.methods.map((m) => ({
    label: methodLabel(m),
    cells: keys.map((k): Cell => {
      const g = m.evaluation[by].find((x) => x.key === k);
      if (!g) return { main: "—" };
      const a = g.aggregate;
      return {
        main: `${pct(a.accT1.mean)} → ${pct(a.accT2.mean)}`,
        sub: `Δ ${signedPct(a.delta.mean)}`,
      };
    }),
  }));
  return { columns, rows };
}

/** Sum of the per-seed edit-ratio histograms of one row. */
export function pooledHistogram(m: MethodRow): Histogram {
  const hs = m.evaluation.seeds.map((s) => s.editHistogram);
  const edges = hs[0].edges;
  const counts = edges.slice(1).map(() => 0);
  let identical = 0, n = 0;
  for (const [i, h] of hs.entries()) {
    if (h.edges.length !== edges.length || h.edges.some((e, j) => e !== edges[j])) {
      throw new Error(
        `method "${m.id}": seed ${m.evaluation.seeds[i].seed} has histogram bins ${
          JSON.stringify(h.edges)
        }, unlike the first seed's; fix: use the same histogramBins for every seed`,
      );
    }
    h.counts.forEach((k, i) => (counts[i] += k));
    identical += h.identical;
    n += h.n;
  }
  return { edges, counts, identical, n };
}

/** Three significant digits, fixed notation where possible. */
export function sig3(x: number | undefined): string {
  if (x === undefined || !isFinite(x)) return "—";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1000 || a < 0.001) return x.toExponential(2);
  const d = Math.max(0, 2 - Math.floor(Math.log10(a)));
  return x.toFixed(d);
}

/** Rows of the training-curve summary: first → last value per stage and seed. */
export function curveSummary(data: ReportData): { columns: string[]; rows: string[][] } {
  const keys = ["reward1", "reward2", "kl1", "kl2", "delta", "changedRate"] as const;
  const columns = [
    "Stage",
    "Seed",
    "Steps",
    "Reward t1",
    "Reward t2",
    "KL t1",
    "KL t2",
    "Δ",
    "Changed answers",
  ];
  const rows = data.curves.map((cv) => {
    const pts = cv.points;
    const steps = pts.length ? `${pts[0].step}–${pts[pts.length - 1].step}` : "0";
    const cells = keys.map((k) => {
      const vals = pts.map((p) => p[k]).filter((v): v is number => v !== undefined);
      if (vals.length === 0) return "—";
      return `${sig3(vals[0])} → ${sig3(vals[vals.length - 1])}`;
    });
    return [cv.stage, String(cv.seed), steps, ...cells];
  });
  return { columns, rows };
}

/** Key/value rows of the run metadata. */
export function metaRows(data: ReportData): [string, string][] {
  const m = data.meta;
  const b = data.methods[0].evaluation.bootstrap;
  const rows: [string, string][] = [
    ["Preset", m.preset],
    ["Seeds", m.seeds.join(", ")],
    ["Budget", m.budget],
    ["Backend", m.backend],
    ["Dataset", m.dataset],
    ["Test problems", String(m.testProblems)],
    [
      "Bootstrap",
      `${b.resamples} resamples, ${
        Math.round(b.level * 100)
      }% percentile intervals, seed ${b.seed}`,
    ],
  ];
  const total = m.stageWallTimes.reduce((a, s) => a + s.seconds, 0);
  if (m.stageWallTimes.length) rows.push(["Total stage wall time", duration(total)]);
  if (m.createdAt) rows.push(["Created", m.createdAt]);
  if (m.gitCommit) rows.push(["Commit", m.gitCommit]);
  return rows;
}

/** A titled table of plain text cells, rendered alike in Markdown and HTML. */
export interface TextTable {
  /** anchor-friendly id */
  id: string;
  title: string;
  note: string;
  columns: string[];
  rows: string[][];
}

/** Every row's seeds one by one, beside the means of the main table. */
export function perSeedTable(data: ReportData): TextTable {
  const rows = data.methods.flatMap((m) =>
    m.evaluation.seeds.map((s) => [
      methodLabel(m),
      String(s.seed),
      pct(s.metrics.accT1),
      pct(s.metrics.accT2),
      signedPct(s.metrics.delta),
      pct(s.metrics.deltaIC),
      pct(s.metrics.deltaCI),
      pct(s.metrics.changedRate),
    ])
  );
  return {
    id: "seeds",
    title: "Every seed",
    note: "Each seed of each row (method seed N starts from base model N and is pinned to it), " +
      "percent of all test problems.",
    columns: ["Method", "Seed", "Acc@t1", "Acc@t2", "Δ", "Δ^{i→c}", "Δ^{c→i}", "Changed answers"],
    rows,
  };
}

const SOURCE_LABELS: Readonly<Record<string, string>> = {
  misconception: "misconception",
  second_guess: "second-guess habit",
  carry: "one carry slip",
  digit: "one digit slip",
  sign: "one sign slip",
  remainder: "one remainder slip",
  other: "none (model's own)",
  no_answer: "no answer",
};

/** Where each base seed's wrong answers come from, per attempt; null without the analysis. */
export function errorSourceTable(data: ReportData): TextTable | null {
  const rows = data.design?.errorSources ?? [];
  if (rows.length === 0) return null;
  const used = Object.keys(SOURCE_LABELS).filter((k) => rows.some((r) => (r.sources[k] ?? 0) > 0));
  return {
    id: "error-sources",
    title: "Where the wrong answers come from",
    note: "Wrong answers of each attempt under greedy decoding, by the single slip of the " +
      "family's noisy solver that reproduces the answer (its misconception, its second-guessing " +
      'habit, or one random slip); "none" is an answer no single slip gives: an error of the ' +
      "model's own. Percent of that attempt's wrong answers (count in parentheses).",
    columns: ["Row", "Seed", "Attempt", "Wrong", ...used.map((k) => SOURCE_LABELS[k])],
    rows: rows.map((r) => [
      r.method,
      String(r.seed),
      `t${r.attempt}`,
      String(r.wrong),
      ...used.map((k) => {
        const n = r.sources[k] ?? 0;
        return r.wrong === 0 ? "—" : `${pct(n / r.wrong)} (${n})`;
      }),
    ]),
  };
}

/** What attempt 1's own check says and the oracle that acts on it; null without check rows. */
export function checkTable(data: ReportData): TextTable | null {
  const rows = data.design?.checks ?? [];
  if (rows.length === 0) return null;
  return {
    id: "checks",
    title: "Attempt 1's own check, and the room for a second attempt",
    note: "The answer is committed on attempt 1's first line; the column check and verdict " +
      "written after it cannot change it. Truthful: the check lines and verdict are exactly the " +
      "true check of the committed answer. Oracle Acc@t2: a second attempt that keeps the answer " +
      "when attempt 1's verdict is ok and answers right when it is no — the best the format " +
      "allows from attempt 1 as written. Percent of all test problems.",
    columns: [
      "Row",
      "Seed",
      "Acc@t1",
      "Truthful checks",
      "Wrong, flagged no",
      "Wrong, passed ok",
      "Right, flagged no",
      "Oracle Acc@t2",
      "Oracle Δ",
    ],
    rows: rows.map((r) => [
      r.method,
      String(r.seed),
      pct(r.accT1),
      pct(r.truthful),
      pct(r.flaggedWrong),
      pct(r.hiddenWrong),
      pct(r.falseAlarm),
      pct(r.oracleT2),
      signedPct(r.oracleT2 - r.accT1),
    ]),
  };
}

/** The design and per-seed tables, in report order (those that apply). */
export function analysisTables(data: ReportData): TextTable[] {
  return [perSeedTable(data), errorSourceTable(data), checkTable(data)].filter(
    (t): t is TextTable => t !== null,
  );
}
