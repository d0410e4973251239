/**
 * The report's one table model: every table of report.md, report.html, report.json and the
 * notebooks is a {@link ReportTable} built here — named columns, and rows whose cells are found by
 * column key, never by position ({@link defineTable} rejects a row with a missing or extra
 * cell). Each cell is a main text and an optional secondary text (spread over seeds), so every
 * renderer shows the same numbers.
 */
import { type Histogram, type SeedAggregate, sortGroupKeys } from "../metrics/mod.ts";
import { duration, pct, signedNum, signedPct } from "./format.ts";
import { PAPER_ABLATIONS, PAPER_HUMANEVAL, PAPER_MATH, type PaperRow } from "./paper.ts";
import {
  type MethodId,
  methodLabel,
  type MethodRow,
  type ReportData,
  type ScalingCurve,
} from "./schema.ts";

/** A table cell: main text plus optional secondary text (e.g. "± 1.2"). */
export interface Cell {
  main: string;
  sub?: string;
}

/** One column: the key its cells are found by, and its header. */
export interface Column {
  key: string;
  header: string;
}

/** One row: a cell per column key; `kind` and `id` mark the main table's rows (ours or paper). */
export interface TableRow {
  kind?: "ours" | "paper";
  id?: MethodId;
  cells: Readonly<Record<string, Cell>>;
}

/** A titled table with named columns: what every renderer of the report draws. */
export interface ReportTable {
  /** anchor-friendly id */
  id: string;
  title: string;
  note: string;
  columns: readonly Column[];
  rows: readonly TableRow[];
  /** How Markdown and notebooks join a secondary text: after a space, or in parentheses. */
  sub: "space" | "paren";
}

/**
 * A table, checked: every row has exactly one cell per column (by key), so a header and its
 * cells cannot drift apart.
 */
export function defineTable(
  t: Omit<ReportTable, "sub"> & { sub?: ReportTable["sub"] },
): ReportTable {
  const keys = new Set(t.columns.map((c) => c.key));
  if (keys.size !== t.columns.length) throw new Error(`table "${t.id}": repeated column key`);
  t.rows.forEach((r, i) => {
    for (const k of keys) {
      if (!(k in r.cells)) throw new Error(`table "${t.id}": row ${i} has no cell "${k}"`);
    }
    for (const k of Object.keys(r.cells)) {
      if (!keys.has(k)) {
        throw new Error(`table "${t.id}": row ${i} has a cell "${k}" no column names`);
      }
    }
  });
  return { ...t, sub: t.sub ?? "space" };
}

/** The row's cell of column `key` (an error when the table has no such column). */
export function cellAt(row: TableRow, key: string): Cell {
  const c = row.cells[key];
  if (!c) throw new Error(`no cell "${key}" in this row`);
  return c;
}

/** A cell as one string: main text, then the secondary text after a space or in parentheses. */
export function cellText(c: Cell, sub: ReportTable["sub"]): string {
  if (!c.sub) return c.main;
  return sub === "paren" ? `${c.main} (${c.sub})` : `${c.main} ${c.sub}`;
}

/** Columns from `[key, header]` pairs. */
function cols(...pairs: [string, string][]): Column[] {
  return pairs.map(([key, header]) => ({ key, header }));
}

const text = (main: string): Cell => ({ main });

/** Columns of the main table. */
export const MAIN_COLUMNS: readonly Column[] = cols(
  ["method", "Method"],
  ["seeds", "Seeds"],
  ["accT1", "Acc@t1"],
  ["accT2", "Acc@t2"],
  ["delta", "Δ"],
  ["deltaCi", "Δ 95% CI"],
  ["deltaIC", "Δ^{i→c}"],
  ["deltaCI", "Δ^{c→i}"],
  ["changedRate", "Changed answers"],
  ["editRatioMean", "Edit ratio"],
);

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

function oursRow(m: MethodRow): TableRow {
  const a = m.evaluation.aggregate;
  const ci = m.evaluation.bootstrap.intervals.delta;
  return {
    kind: "ours",
    id: m.id,
    cells: {
      method: text(methodLabel(m)),
      seeds: text(String(m.evaluation.seeds.length)),
      accT1: meanCell(a.accT1),
      accT2: meanCell(a.accT2),
      delta: meanCell(a.delta, true),
      deltaCi: text(`[${signedPct(ci.lo)}, ${signedPct(ci.hi)}]`),
      deltaIC: meanCell(a.deltaIC),
      deltaCI: meanCell(a.deltaCI),
      changedRate: meanCell(a.changedRate),
      editRatioMean: {
        main: a.editRatioMean.mean.toFixed(3),
        ...(a.editRatioMean.n > 1 ? { sub: `± ${a.editRatioMean.std.toFixed(3)}` } : {}),
      },
    },
  };
}

function paperRow(id: MethodId): TableRow | undefined {
  const p = paperRowFor(id);
  if (!p) return undefined;
  const dash = text("—");
  const r = p.row;
  return {
    kind: "paper",
    id,
    cells: {
      method: text(`paper (${p.source}): ${r.name}`),
      seeds: dash,
      accT1: text(r.accT1.toFixed(1)),
      accT2: text(r.accT2.toFixed(1)),
      delta: text(signedNum(r.delta)),
      deltaCi: dash,
      deltaIC: r.deltaIC === null ? dash : text(r.deltaIC.toFixed(1)),
      deltaCI: r.deltaCI === null ? dash : text(r.deltaCI.toFixed(1)),
      changedRate: dash,
      editRatioMean: dash,
    },
  };
}

/** The main table: each of our rows followed by the paper's row for the same method. */
export function mainTable(data: ReportData): ReportTable {
  return defineTable({
    id: "main",
    title: "Main results",
    note:
      "Δ = Δ^{i→c} − Δ^{c→i} holds exactly for every seed (computed from integer counts); the " +
      "displayed values may differ by 0.1 from rounding. Changed answers: attempt 2's final answer " +
      "differs from attempt 1's. Edit ratio: mean Levenshtein(t1, t2) / (|t1| + |t2|). Paper rows: " +
      "MATH500 with Gemini 1.5 Flash, or the MATH ablation table.",
    columns: MAIN_COLUMNS,
    rows: data.methods.flatMap((m) => {
      const p = paperRow(m.id);
      return p ? [oursRow(m), p] : [oursRow(m)];
    }),
  });
}

/**
 * The per-level (or per-family) table of every method: cell "t1 → t2" with Δ as secondary
 * text; columns keyed by the group key.
 */
export function groupTable(data: ReportData, by: "perLevel" | "perFamily"): ReportTable {
  const keys = sortGroupKeys(
    new Set(data.methods.flatMap((m) => m.evaluation[by].map((g) => g.key))),
  );
  const first = data.methods[0].evaluation;
  const columns = keys.map((k) => {
    const g = first[by].find((x) => x.key === k);
    const n = g ? Math.round(g.n / first.seeds.length) : undefined;
    const name = by === "perLevel" ? `Level ${k}` : k;
    return { key: `group:${k}`, header: n !== undefined ? `${name} (n=${n})` : name };
  });
  const rows = data.methods.map((m): TableRow => ({
    cells: Object.fromEntries([
      ["method", text(methodLabel(m))],
      ...keys.map((k): [string, Cell] => {
        const g = m.evaluation[by].find((x) => x.key === k);
        if (!g) return [`group:${k}`, text("—")];
        const a = g.aggregate;
        return [`group:${k}`, {
          main: `${pct(a.accT1.mean)} → ${pct(a.accT2.mean)}`,
          sub: `Δ ${signedPct(a.delta.mean)}`,
        }];
      }),
    ]),
  }));
  return defineTable({
    id: by === "perLevel" ? "levels" : "families",
    title: by === "perLevel" ? "By level" : "By problem family",
    note: "Acc@t1 → Acc@t2 (Δ), mean over seeds.",
    columns: [{ key: "method", header: "Method" }, ...columns],
    rows,
    sub: "paren",
  });
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

/**
 * The training-curve summary: first → last value of each quantity per stage and seed, and the
 * checkpoint the stage kept (steps taken, held-out reward) where it selected one.
 */
export function curveSummary(data: Pick<ReportData, "curves">): ReportTable {
  const keys = ["reward1", "reward2", "kl1", "kl2", "delta", "changedRate"] as const;
  const columns = cols(
    ["stage", "Stage"],
    ["seed", "Seed"],
    ["steps", "Steps"],
    ["reward1", "Reward t1"],
    ["reward2", "Reward t2"],
    ["kl1", "KL t1"],
    ["kl2", "KL t2"],
    ["delta", "Δ"],
    ["changedRate", "Changed answers"],
    ["kept", "Kept after (held-out reward)"],
  );
  const rows = data.curves.map((cv): TableRow => {
    const pts = cv.points;
    const steps = pts.length ? `${pts[0].step}–${pts[pts.length - 1].step}` : "0";
    const cells: Record<string, Cell> = {
      stage: text(cv.stage),
      seed: text(String(cv.seed)),
      steps: text(steps),
    };
    for (const k of keys) {
      const vals = pts.map((p) => p[k]).filter((v): v is number => v !== undefined);
      cells[k] = text(vals.length ? `${sig3(vals[0])} → ${sig3(vals[vals.length - 1])}` : "—");
    }
    cells.kept = text(cv.kept ? `${cv.kept.steps} (${sig3(cv.kept.heldOutReward)})` : "—");
    return { cells };
  });
  return defineTable({
    id: "curve-summary",
    title: "Training curves",
    note: "First → last logged value per stage and seed; the checkpoint each RL stage kept (the " +
      "best training reward on held-out training problems) and that reward.",
    columns,
    rows,
  });
}

/** The scaling table of one method's curve: accuracy per K at the same 2K calls. */
export function scalingTable(sc: ScalingCurve): ReportTable {
  return defineTable({
    id: `scaling-${sc.method}`,
    title: `${methodLabel({ id: sc.method })} (temperature ${sc.temperature}, ` +
      `${sc.samplesPerProblem} samples × ${sc.problems} problems)`,
    note: "",
    columns: cols(
      ["k", "K"],
      ["calls", "Calls (2K)"],
      ["parallel", "Parallel"],
      ["sequential", "Sequential"],
      ["gain", "Sequential − parallel (pp)"],
      ["ci", "95% CI"],
    ),
    rows: sc.points.map((p) => ({
      cells: {
        k: text(String(p.k)),
        calls: text(String(2 * p.k)),
        parallel: text(pct(p.parallel)),
        sequential: text(pct(p.sequential)),
        gain: text(signedNum((p.sequential - p.parallel) * 100)),
        ci: text(
          p.ci ? `[${signedPct(p.ci.difference.lo)}, ${signedPct(p.ci.difference.hi)}]` : "—",
        ),
      },
    })),
  });
}

/** One of the paper's result tables (t1, t2, Δ, i→c, c→i in percent). */
export function paperTable(id: string, title: string, rs: readonly PaperRow[]): ReportTable {
  return defineTable({
    id,
    title,
    note: "",
    columns: cols(
      ["method", "Method"],
      ["accT1", "t1"],
      ["accT2", "t2"],
      ["delta", "Δ"],
      ["deltaIC", "i→c"],
      ["deltaCI", "c→i"],
    ),
    rows: rs.map((r) => ({
      cells: {
        method: text(r.name),
        accT1: text(r.accT1.toFixed(1)),
        accT2: text(r.accT2.toFixed(1)),
        delta: text(signedNum(r.delta)),
        deltaIC: text(r.deltaIC === null ? "—" : r.deltaIC.toFixed(1)),
        deltaCI: text(r.deltaCI === null ? "—" : r.deltaCI.toFixed(1)),
      },
    })),
  });
}

/** The paper's three tables, in report order. */
export function paperTables(): ReportTable[] {
  return [
    paperTable("paper-math500", "MATH500, Gemini 1.5 Flash", PAPER_MATH),
    paperTable("paper-ablations", "MATH ablations", PAPER_ABLATIONS),
    paperTable("paper-humaneval", "HumanEval, Gemini 1.0 Pro", PAPER_HUMANEVAL),
  ];
}

/** The edit-ratio histogram of every row as a table: percent of problems per bin, pooled. */
export function histogramTable(data: ReportData): ReportTable {
  const h0 = pooledHistogram(data.methods[0]);
  const bins = h0.edges.slice(0, -1).map((e, i) => ({
    key: `bin:${i}`,
    header: `${e.toFixed(1)}–${h0.edges[i + 1].toFixed(1)}`,
  }));
  return defineTable({
    id: "edit-histograms",
    title: "Edit-distance ratio histograms",
    note: 'Percent of problems per bin, pooled over seeds; "identical" is ratio exactly 0.',
    columns: [
      { key: "method", header: "Method" },
      { key: "identical", header: "identical" },
      ...bins,
    ],
    rows: data.methods.map((m) => {
      const h = pooledHistogram(m);
      const f = (k: number) => text(h.n ? pct(k / h.n) : "—");
      return {
        cells: Object.fromEntries([
          ["method", text(methodLabel(m))],
          ["identical", f(h.identical)],
          ...h.counts.map((k, i): [string, Cell] => [`bin:${i}`, f(k)]),
        ]),
      };
    }),
  });
}

/** Each stage's wall time and whether it came from the cache. */
export function stageTimesTable(data: ReportData): ReportTable {
  return defineTable({
    id: "stage-times",
    title: "Stage wall times",
    note: "",
    columns: cols(["stage", "Stage"], ["seconds", "Wall time"], ["cached", "Cached"]),
    rows: data.meta.stageWallTimes.map((s) => ({
      cells: {
        stage: text(s.stage),
        seconds: text(duration(s.seconds)),
        cached: text(s.cached ? "yes" : "no"),
      },
    })),
  });
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

/** A table from plain-text rows, one string per column in `columns` order. */
function textTable(
  t: Omit<ReportTable, "columns" | "rows" | "sub"> & { columns: Column[]; rows: string[][] },
): ReportTable {
  return defineTable({
    ...t,
    rows: t.rows.map((r) => {
      if (r.length !== t.columns.length) {
        throw new Error(
          `table "${t.id}": a row of ${r.length} cells under ${t.columns.length} columns`,
        );
      }
      return { cells: Object.fromEntries(t.columns.map((c, i) => [c.key, text(r[i])])) };
    }),
  });
}

/** Every row's seeds one by one, beside the means of the main table. */
export function perSeedTable(data: ReportData): ReportTable {
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
  return textTable({
    id: "seeds",
    title: "Every seed",
    note: "Each seed of each row (method seed N starts from base model N and is pinned to it), " +
      "percent of all test problems.",
    columns: cols(
      ["method", "Method"],
      ["seed", "Seed"],
      ["accT1", "Acc@t1"],
      ["accT2", "Acc@t2"],
      ["delta", "Δ"],
      ["deltaIC", "Δ^{i→c}"],
      ["deltaCI", "Δ^{c→i}"],
      ["changedRate", "Changed answers"],
    ),
    rows,
  });
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

/** The display name of a method id that a design table names (the id itself if it has no row). */
function rowLabel(data: ReportData, id: string): string {
  const m = data.methods.find((x) => x.id === id);
  return m ? methodLabel(m) : id;
}

/** Where each base seed's wrong answers come from, per attempt; null without the analysis. */
export function errorSourceTable(data: ReportData): ReportTable | null {
  const rows = data.design?.errorSources ?? [];
  if (rows.length === 0) return null;
  const used = Object.keys(SOURCE_LABELS).filter((k) => rows.some((r) => (r.sources[k] ?? 0) > 0));
  return textTable({
    id: "error-sources",
    title: "Where the wrong answers come from",
    note: "Wrong answers of each attempt under greedy decoding, by the single slip of the " +
      "family's noisy solver that reproduces the answer (its misconception, its second-guessing " +
      'habit, or one random slip); "none" is an answer no single slip gives: an error of the ' +
      "model's own. Percent of that attempt's wrong answers (count in parentheses).",
    columns: [
      ...cols(["row", "Row"], ["seed", "Seed"], ["attempt", "Attempt"], ["wrong", "Wrong"]),
      ...used.map((k) => ({ key: `source:${k}`, header: SOURCE_LABELS[k] })),
    ],
    rows: rows.map((r) => [
      rowLabel(data, r.method),
      String(r.seed),
      `t${r.attempt}`,
      String(r.wrong),
      ...used.map((k) => {
        const n = r.sources[k] ?? 0;
        return r.wrong === 0 ? "—" : `${pct(n / r.wrong)} (${n})`;
      }),
    ]),
  });
}

/** What attempt 1's own check says and the oracle that acts on it; null without check rows. */
export function checkTable(data: ReportData): ReportTable | null {
  const rows = data.design?.checks ?? [];
  if (rows.length === 0) return null;
  return textTable({
    id: "checks",
    title: "Attempt 1's own check, and the room for a second attempt",
    note: "The answer is committed on attempt 1's first line; the column check and verdict " +
      "written after it cannot change it. Truthful: the check lines and verdict are exactly the " +
      "true check of the committed answer. Oracle Acc@t2: a second attempt that keeps the answer " +
      "when attempt 1's verdict is ok and answers right when it is no — the best the format " +
      "allows from attempt 1 as written. Percent of all test problems.",
    columns: cols(
      ["row", "Row"],
      ["seed", "Seed"],
      ["accT1", "Acc@t1"],
      ["truthful", "Truthful checks"],
      ["flaggedWrong", "Wrong, flagged no"],
      ["hiddenWrong", "Wrong, passed ok"],
      ["falseAlarm", "Right, flagged no"],
      ["oracleT2", "Oracle Acc@t2"],
      ["oracleDelta", "Oracle Δ"],
    ),
    rows: rows.map((r) => [
      rowLabel(data, r.method),
      String(r.seed),
      pct(r.accT1),
      pct(r.truthful),
      pct(r.flaggedWrong),
      pct(r.hiddenWrong),
      pct(r.falseAlarm),
      pct(r.oracleT2),
      signedPct(r.oracleT2 - r.accT1),
    ]),
  });
}

/** The design and per-seed tables, in report order (those that apply). */
export function analysisTables(data: ReportData): ReportTable[] {
  return [perSeedTable(data), errorSourceTable(data), checkTable(data)].filter(
    (t): t is ReportTable => t !== null,
  );
}

/**
 * Every table of the report, in report order (what report.json carries under `tables`): main,
 * per-seed and design tables, per level and family, training curves, edit histograms, scaling,
 * stage times and the paper's tables.
 */
export function reportTables(data: ReportData): ReportTable[] {
  return [
    mainTable(data),
    ...analysisTables(data),
    ...(["perLevel", "perFamily"] as const).map((by) => groupTable(data, by))
      .filter((g) => g.columns.length > 1),
    ...(data.curves.length ? [curveSummary(data)] : []),
    histogramTable(data),
    ...data.scaling.map(scalingTable),
    ...(data.meta.stageWallTimes.length ? [stageTimesTable(data)] : []),
    ...paperTables(),
  ];
}
