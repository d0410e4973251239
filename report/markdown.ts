/** report.md: the same tables and claims as the HTML report, as GitHub-flavoured Markdown. */
import { BAND_NOTE, evaluateClaims } from "./claims.ts";
import { duration, pct, signedNum, signedPct } from "./format.ts";
import { PAPER_ABLATIONS, PAPER_HUMANEVAL, PAPER_MATH, PAPER_SCALING } from "./paper.ts";
import { ReportData, type ReportDataInput } from "./schema.ts";
import { methodLabel } from "./schema.ts";
import {
  analysisTables,
  type Cell,
  curveSummary,
  groupTable,
  MAIN_COLUMNS,
  mainTable,
  metaRows,
  pooledHistogram,
} from "./tables.ts";

/** Escapes the characters that would break a Markdown table cell. */
function md(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ").replace(/<(?=[A-Za-z/!?])/g, "&lt;");
}

function cell(c: Cell, paren = false): string {
  return md(c.sub ? (paren ? `${c.main} (${c.sub})` : `${c.main} ${c.sub}`) : c.main);
}

function table(header: string[], rows: string[][], align?: ("l" | "r")[]): string {
  const sep = header.map((
    _,
    i,
  ) => ((align?.[i] ?? (i === 0 ? "l" : "r")) === "r" ? "---:" : "---"));
  return [header, sep, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/** Renders report.md. Validates `input` first; same data → same bytes. */
export function renderMarkdown(input: ReportDataInput | ReportData): string {
  const data = ReportData.parse(input);
  const out: string[] = [];
  out.push(`# ${md(data.meta.title)}`, "");
  out.push(
    `Preset **${md(data.meta.preset)}**, ${data.meta.seeds.length} seed(s), backend ` +
      `${md(data.meta.backend)}, ${data.meta.testProblems} test problems (${
        md(data.meta.dataset)
      }). Percentages of all test problems; "±" is the standard deviation over seeds; the Δ interval ` +
      `is the 95% bootstrap interval (paired, over problems) of the mean over seeds.`,
    "",
  );

  out.push("## Main results", "");
  const rows = mainTable(data).map((r) => [
    r.kind === "paper" ? `↳ *${md(r.label)}*` : `**${md(r.label)}**`,
    ...r.cells.map((c) => cell(c)),
  ]);
  out.push(table(["Method", ...MAIN_COLUMNS], rows), "");
  out.push(
    "Δ = Δ^{i→c} − Δ^{c→i} holds exactly for every seed (computed from integer counts); the " +
      "displayed values may differ by 0.1 from rounding. Changed answers: attempt 2's final answer " +
      "differs from attempt 1's. Edit ratio: mean Levenshtein(t1, t2) / (|t1| + |t2|). Paper rows: " +
      "MATH500 with Gemini 1.5 Flash, or the MATH ablation table.",
    "",
  );

  for (const t of analysisTables(data)) {
    out.push(`## ${md(t.title)}`, "", md(t.note), "");
    out.push(table(t.columns, t.rows.map((r) => r.map(md))), "");
  }

  out.push("## Claims", "", md(BAND_NOTE), "");
  for (const c of evaluateClaims(data)) {
    out.push(`### ${c.id}. ${md(c.statement)}`, "");
    out.push(`**Verdict: ${c.verdict}.** ${md(c.seeds)}`, "");
    for (const k of c.conditions) out.push(`- ${k.state}: ${md(k.text)}`);
    out.push("", `*Rule:* ${md(c.rule)}`, "");
  }

  for (
    const [by, title] of [["perLevel", "By level"], ["perFamily", "By problem family"]] as const
  ) {
    const g = groupTable(data, by);
    if (g.columns.length === 0) continue;
    out.push(`## ${title}`, "", "Acc@t1 → Acc@t2 (Δ), mean over seeds.", "");
    out.push(
      table(
        ["Method", ...g.columns],
        g.rows.map((r) => [md(r.label), ...r.cells.map((c) => cell(c, true))]),
      ),
      "",
    );
  }

  if (data.curves.length) {
    out.push(
      "## Training curves",
      "",
      "First → last logged value per stage and seed; the checkpoint each RL stage kept (the best " +
        "training reward on held-out training problems) and that reward.",
      "",
    );
    const s = curveSummary(data);
    out.push(table(s.columns, s.rows.map((r) => r.map(md))), "");
  }

  out.push("## Edit-distance ratio histograms", "");
  const h0 = pooledHistogram(data.methods[0]);
  const binNames = h0.edges.slice(0, -1).map((e, i) =>
    `${e.toFixed(1)}–${h0.edges[i + 1].toFixed(1)}`
  );
  out.push('Percent of problems per bin, pooled over seeds; "identical" is ratio exactly 0.', "");
  out.push(
    table(
      ["Method", "identical", ...binNames],
      data.methods.map((m) => {
        const h = pooledHistogram(m);
        const f = (k: number) => (h.n ? pct(k / h.n) : "—");
        return [md(methodLabel(m)), f(h.identical), ...h.counts.map(f)];
      }),
    ),
    "",
  );

  if (data.scaling.length) {
    out.push("## Inference-time scaling", "");
    out.push(
      "Majority-vote accuracy with 2K model calls per problem: *parallel* votes over 2K first " +
        "attempts; *sequential* votes over the second attempts of K self-corrected samples. Ties go " +
        `to the answer whose first vote came earliest. Paper (MATH, ${PAPER_SCALING.samples} ` +
        `samples): parallel +${PAPER_SCALING.parallelGainPct}%, with self-correction ` +
        `+${PAPER_SCALING.sequentialGainPct}%.`,
      "",
    );
    for (const sc of data.scaling) {
      out.push(
        `**${md(methodLabel({ id: sc.method }))}** (temperature ${sc.temperature}, ` +
          `${sc.samplesPerProblem} samples × ${sc.problems} problems)`,
        "",
      );
      out.push(
        table(
          ["K", "Calls (2K)", "Parallel", "Sequential", "Sequential − parallel", "95% CI"],
          sc.points.map((p) => [
            String(p.k),
            String(2 * p.k),
            pct(p.parallel),
            pct(p.sequential),
            signedNum((p.sequential - p.parallel) * 100),
            p.ci ? `[${signedPct(p.ci.difference.lo)}, ${signedPct(p.ci.difference.hi)}]` : "—",
          ]),
        ),
        "",
      );
    }
  }

  out.push("## Run", "");
  out.push(table(["", ""], metaRows(data).map(([k, v]) => [k, md(v)]), ["l", "l"]), "");
  if (data.meta.stageWallTimes.length) {
    out.push(
      table(
        ["Stage", "Wall time", "Cached"],
        data.meta.stageWallTimes.map((
          s,
        ) => [md(s.stage), duration(s.seconds), s.cached ? "yes" : "no"]),
      ),
      "",
    );
  }
  for (const n of data.meta.notes) out.push(`- ${md(n)}`);
  if (data.meta.notes.length) out.push("");

  out.push("## The paper's tables", "");
  const paperTable = (rs: typeof PAPER_MATH) =>
    table(
      ["Method", "t1", "t2", "Δ", "i→c", "c→i"],
      rs.map((r) => [
        md(r.name),
        r.accT1.toFixed(1),
        r.accT2.toFixed(1),
        signedNum(r.delta),
        r.deltaIC === null ? "—" : r.deltaIC.toFixed(1),
        r.deltaCI === null ? "—" : r.deltaCI.toFixed(1),
      ]),
    );
  out.push("MATH500, Gemini 1.5 Flash:", "", paperTable(PAPER_MATH), "");
  out.push("MATH ablations:", "", paperTable(PAPER_ABLATIONS), "");
  out.push("HumanEval, Gemini 1.0 Pro:", "", paperTable(PAPER_HUMANEVAL), "");
  return out.join("\n");
}
